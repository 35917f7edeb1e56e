//! Typed results, shaped after the selection sets the operations send.
//!
//! Pyxis data is ragged: any field may be `null` or missing and an object may be `{}`. Scalars
//! are therefore `Option`s, lists treat `null` as empty, and unknown fields are ignored. Every
//! type serializes back with the field names Pyxis uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Deserializes `null` as the type's default, for ragged Pyxis data.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A container repository (`ContainerRepository`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerRepository {
    /// The repository path inside its registry, e.g. `ubi9/ubi`.
    #[serde(default)]
    pub repository: Option<String>,
    /// The registry host, e.g. `registry.access.redhat.com`.
    #[serde(default)]
    pub registry: Option<String>,
    /// Whether the repository is published.
    #[serde(default)]
    pub published: Option<bool>,
    /// Release categories such as `Generally Available`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub release_categories: Vec<String>,
    /// Tags that rebuilds are pushed to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub auto_rebuild_tags: Vec<String>,
}

impl ContainerRepository {
    /// The repository's registry path, when both parts are known.
    pub fn registry_path(&self) -> Option<RegistryPath> {
        Some(RegistryPath::new(
            self.registry.clone()?,
            self.repository.clone()?,
        ))
    }
}

/// A container image (`ContainerImage`) with the fields the image operations select.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerImage {
    /// The architecture; Pyxis leaves it unset for x86-64 on old images.
    #[serde(default)]
    pub architecture: Option<String>,
    /// Build-system metadata.
    #[serde(default)]
    pub brew: Option<Brew>,
    /// The content sets (YUM repositories) the image's RPMs come from.
    #[serde(default, deserialize_with = "null_as_default")]
    pub content_sets: Vec<String>,
    /// The NVR of the parent image's build.
    #[serde(default)]
    pub parent_brew_build: Option<String>,
    /// Data parsed from the image itself.
    #[serde(default)]
    pub parsed_data: Option<ParsedData>,
    /// The repositories the image is in.
    #[serde(default, deserialize_with = "null_as_default")]
    pub repositories: Vec<ImageRepository>,
    /// Linked objects; present when the operation asked for RPMs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edges: Option<ImageEdges>,
}

impl ContainerImage {
    /// The build NVR (`brew.build`).
    pub fn nvr(&self) -> Option<&str> {
        self.brew.as_ref()?.build.as_deref()
    }

    /// The value of the first label called `name`.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.parsed_data
            .as_ref()?
            .labels
            .iter()
            .find(|label| label.name.as_deref() == Some(name))?
            .value
            .as_deref()
    }

    /// The RPMs of the image's manifest; empty when they were not asked for.
    pub fn rpms(&self) -> &[Rpm] {
        self.rpm_manifest().map_or(&[], |manifest| &manifest.rpms)
    }

    /// The RPM manifest, when it was asked for and Pyxis has one.
    pub fn rpm_manifest(&self) -> Option<&RpmManifest> {
        self.edges.as_ref()?.rpm_manifest.as_ref()?.data.as_ref()
    }

    /// Mutable access to the manifest's RPM list, for trimming it.
    pub(crate) fn rpms_mut(&mut self) -> Option<&mut Vec<Rpm>> {
        Some(
            &mut self
                .edges
                .as_mut()?
                .rpm_manifest
                .as_mut()?
                .data
                .as_mut()?
                .rpms,
        )
    }
}

/// Build-system metadata of an image (`Brew`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Brew {
    /// The build NVR, e.g. `ubi9-container-9.4-6`.
    #[serde(default)]
    pub build: Option<String>,
    /// The package (component) name, e.g. `ubi9-container`.
    #[serde(default)]
    pub package: Option<String>,
}

/// Data parsed from the image (`ParsedData`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParsedData {
    /// The image labels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: Vec<Label>,
}

/// One image label (`Label`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Label {
    /// The label's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The label's value.
    #[serde(default)]
    pub value: Option<String>,
}

/// A repository an image is in (`ContainerImageRepo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageRepository {
    /// The registry host.
    #[serde(default)]
    pub registry: Option<String>,
    /// The repository path.
    #[serde(default)]
    pub repository: Option<String>,
    /// Whether the image is published in this repository.
    #[serde(default)]
    pub published: Option<bool>,
    /// The image's tags in this repository.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<Tag>,
}

/// An image tag (`ContainerImageRepoTag`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tag {
    /// The tag, e.g. `latest`.
    #[serde(default)]
    pub name: Option<String>,
}

/// Objects linked from an image (`ContainerImageEdges`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageEdges {
    /// The image's RPM manifest.
    #[serde(default)]
    pub rpm_manifest: Option<RpmManifestResponse>,
}

/// The RPM manifest as Pyxis wraps it: data or a Pyxis error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RpmManifestResponse {
    /// The manifest.
    #[serde(default)]
    pub data: Option<RpmManifest>,
    /// Why the manifest could not be served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ResponseError>,
}

/// An image's RPM manifest (`ContainerImageRPMManifest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RpmManifest {
    /// The image the manifest belongs to.
    #[serde(default)]
    pub image_id: Option<String>,
    /// The RPMs installed in the image.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rpms: Vec<Rpm>,
}

/// One installed RPM (`RpmsItems`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rpm {
    /// The package name, e.g. `openssl-libs`.
    #[serde(default)]
    pub name: Option<String>,
    /// Name-version-release.arch.
    #[serde(default)]
    pub nvra: Option<String>,
    /// The source RPM's name.
    #[serde(default)]
    pub srpm_name: Option<String>,
    /// The source RPM's name-epoch:version-release.
    #[serde(default)]
    pub srpm_nevra: Option<String>,
}

/// The `error {status detail}` object as it appears inside data (`ResponseError`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResponseError {
    /// The HTTP-like status.
    #[serde(default)]
    pub status: Option<i64>,
    /// What went wrong.
    #[serde(default)]
    pub detail: Option<String>,
}

/// A registry and a repository in it, e.g. `registry.access.redhat.com` + `ubi9/ubi`.
///
/// A named pair, so the two strings cannot be swapped by accident. Parses from
/// `registry/repository`, splitting at the first `/`:
///
/// ```
/// let path: pyxis_gql::RegistryPath = "registry.access.redhat.com/ubi9/ubi".parse().unwrap();
/// assert_eq!(path.registry(), "registry.access.redhat.com");
/// assert_eq!(path.repository(), "ubi9/ubi");
/// assert_eq!(path.to_string(), "registry.access.redhat.com/ubi9/ubi");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegistryPath {
    registry: String,
    repository: String,
}

impl RegistryPath {
    /// A registry path from its two parts.
    pub fn new(registry: impl Into<String>, repository: impl Into<String>) -> Self {
        Self {
            registry: registry.into(),
            repository: repository.into(),
        }
    }

    /// The registry host.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path inside the registry.
    pub fn repository(&self) -> &str {
        &self.repository
    }
}

impl fmt::Display for RegistryPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)
    }
}

/// The text is not `registry/repository` with both parts non-empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not of the form registry/repository")]
pub struct RegistryPathError(String);

impl FromStr for RegistryPath {
    type Err = RegistryPathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((registry, repository)) if !registry.is_empty() && !repository.is_empty() => {
                Ok(Self::new(registry, repository))
            }
            _ => Err(RegistryPathError(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_images_decode() {
        let image: ContainerImage = serde_json::from_str(
            r#"{"architecture": null, "brew": {}, "content_sets": null, "parsed_data": {},
                "repositories": [{"registry": "r", "tags": null, "extra": [1, 2]}],
                "edges": {"rpm_manifest": {"data": null, "error": {"status": 404}}},
                "unknown": {"nested": true}}"#,
        )
        .unwrap();
        assert_eq!(image.architecture, None);
        assert_eq!(image.brew, Some(Brew::default()));
        assert!(image.content_sets.is_empty());
        assert_eq!(image.parsed_data, Some(ParsedData::default()));
        assert_eq!(image.repositories[0].registry.as_deref(), Some("r"));
        assert!(image.repositories[0].tags.is_empty());
        assert!(image.rpms().is_empty());
        assert_eq!(image.nvr(), None);
        assert_eq!(image.label("name"), None);

        let empty: ContainerImage = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, ContainerImage::default());
    }

    #[test]
    fn image_helpers_read_nested_fields() {
        let image: ContainerImage = serde_json::from_value(serde_json::json!({
            "brew": {"build": "foo-1-1", "package": "foo"},
            "parsed_data": {"labels": [{"name": "version", "value": "1"}, {"name": null}]},
            "edges": {"rpm_manifest": {"data": {"image_id": "i", "rpms": [{"name": "bash"}]}}}
        }))
        .unwrap();
        assert_eq!(image.nvr(), Some("foo-1-1"));
        assert_eq!(image.label("version"), Some("1"));
        assert_eq!(image.rpms()[0].name.as_deref(), Some("bash"));
    }

    #[test]
    fn registry_paths_split_at_the_first_slash() {
        assert_eq!(
            "quay.io/a/b/c".parse::<RegistryPath>().unwrap(),
            RegistryPath::new("quay.io", "a/b/c")
        );
        for bad in ["", "noslash", "/repo", "registry/"] {
            assert!(bad.parse::<RegistryPath>().is_err(), "{bad}");
        }
    }

    #[test]
    fn repositories_treat_null_lists_as_empty() {
        let repo: ContainerRepository = serde_json::from_str(
            r#"{"repository": "ubi9/ubi", "registry": "registry.access.redhat.com",
                "release_categories": null, "published": true}"#,
        )
        .unwrap();
        assert!(repo.release_categories.is_empty() && repo.auto_rebuild_tags.is_empty());
        assert_eq!(
            repo.registry_path(),
            Some(RegistryPath::new("registry.access.redhat.com", "ubi9/ubi"))
        );
    }
}
