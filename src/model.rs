//! Typed results, shaped after the selection sets the operations send.
//!
//! Pyxis data is ragged: any field may be `null` or missing and an object may be `{}`. Scalars
//! are therefore `Option`s, lists treat `null` as empty, and unknown fields are ignored. Every
//! type serializes back with the field names Pyxis uses.
//!
//! Strings are [`Text`]: shared, immutable strings that deref to `str`. A page of images repeats
//! the same label values, tags and registries many times, and the same RPMs thousands of
//! times; decoding keeps one copy of each string and of each [`Rpm`], and shares it.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;
use std::sync::Arc;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod rpm;

pub use rpm::Rpm;
pub(crate) use rpm::{RpmFields, RpmNames};

/// Deserializes `null` as the type's default, for ragged Pyxis data.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A string from a Pyxis answer: immutable, `Send + Sync`, cheap to clone (a reference count),
/// the size of a `&str`.
///
/// Within one decode, equal strings share one copy, as equal RPMs do: a page of 50 images with
/// 300 RPMs each decodes with a twelfth of the allocations, and 40 % of the bytes, that one
/// `String` per field takes (see `benches/`).
///
/// It derefs to `str`, so `text.len()`, `text.starts_with("x")`, `&*text` and, on the model's
/// `Option<Text>` fields, `field.as_deref() == Some("x")` all work as with a `String`; it
/// compares equal to `str` and `String`, and turns into a `String` with `String::from(text)`.
///
/// ```
/// use pyxis_gql::model::Text;
///
/// let name = Text::from("openssl-libs");
/// assert_eq!(name, "openssl-libs");
/// assert!(name.starts_with("openssl"));
/// assert_eq!(Some(name.clone()).as_deref(), Some("openssl-libs"));
/// assert_eq!(String::from(name), "openssl-libs");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self(Arc::from(text))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(Arc::from(text))
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(text: Cow<'_, str>) -> Self {
        match text {
            Cow::Borrowed(text) => Self::from(text),
            Cow::Owned(text) => Self::from(text),
        }
    }
}

impl From<Arc<str>> for Text {
    fn from(text: Arc<str>) -> Self {
        Self(text)
    }
}

impl From<Text> for Arc<str> {
    fn from(text: Text) -> Self {
        text.0
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        String::from(&*text.0)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(crate::decode::intern(text))
            }

            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Text, E> {
                match std::str::from_utf8(bytes) {
                    Ok(text) => self.visit_str(text),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(bytes), &self)),
                }
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// A container repository (`ContainerRepository`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerRepository {
    /// The Pyxis object id (`_id`); crawls are sorted by it.
    #[serde(default, rename = "_id")]
    pub id: Option<Text>,
    /// The repository path inside its registry, e.g. `ubi9/ubi`.
    #[serde(default)]
    pub repository: Option<Text>,
    /// The registry host, e.g. `registry.access.redhat.com`.
    #[serde(default)]
    pub registry: Option<Text>,
    /// Whether the repository is published.
    #[serde(default)]
    pub published: Option<bool>,
    /// Release categories such as `Generally Available`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub release_categories: Vec<Text>,
    /// Tags that rebuilds are pushed to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub auto_rebuild_tags: Vec<Text>,
}

impl ContainerRepository {
    /// The repository's registry path, when both parts are known.
    pub fn registry_path(&self) -> Option<RegistryPath> {
        Some(RegistryPath::new(
            self.registry.as_deref()?,
            self.repository.as_deref()?,
        ))
    }
}

/// A container image (`ContainerImage`) with the fields the image operations select.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerImage {
    /// The Pyxis object id (`_id`); crawls are sorted by it.
    #[serde(default, rename = "_id")]
    pub id: Option<Text>,
    /// The architecture; Pyxis leaves it unset for x86-64 on old images.
    #[serde(default)]
    pub architecture: Option<Text>,
    /// Build-system metadata.
    #[serde(default)]
    pub brew: Option<Brew>,
    /// The content sets (YUM repositories) the image's RPMs come from.
    #[serde(default, deserialize_with = "null_as_default")]
    pub content_sets: Vec<Text>,
    /// The NVR of the parent image's build.
    #[serde(default)]
    pub parent_brew_build: Option<Text>,
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
}

/// Build-system metadata of an image (`Brew`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Brew {
    /// The build NVR, e.g. `ubi9-container-9.4-6`.
    #[serde(default)]
    pub build: Option<Text>,
    /// The package (component) name, e.g. `ubi9-container`.
    #[serde(default)]
    pub package: Option<Text>,
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
    pub name: Option<Text>,
    /// The label's value.
    #[serde(default)]
    pub value: Option<Text>,
}

/// A repository an image is in (`ContainerImageRepo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImageRepository {
    /// The registry host.
    #[serde(default)]
    pub registry: Option<Text>,
    /// The repository path.
    #[serde(default)]
    pub repository: Option<Text>,
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
    pub name: Option<Text>,
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
    pub image_id: Option<Text>,
    /// The RPMs installed in the image.
    #[serde(default, deserialize_with = "rpm::rpm_list")]
    pub rpms: Vec<Rpm>,
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
        assert_eq!(image.rpms()[0].name(), Some("bash"));
    }

    #[test]
    fn text_behaves_like_a_str() {
        let text = Text::from("openssl-libs");
        assert_eq!(text, "openssl-libs");
        assert_eq!("openssl-libs", text);
        assert_eq!(text, String::from("openssl-libs"));
        assert_eq!(text.as_str(), &*text);
        let [a, b, ab] = ["a", "b", "ab"].map(Text::from);
        assert!(a < b && ab > a && ab < b);
        assert_eq!(format!("{text} {text:?}"), "openssl-libs \"openssl-libs\"");
        assert_eq!(Text::default(), "");
        let set: std::collections::HashSet<Text> = [text.clone()].into();
        assert!(set.contains("openssl-libs"));
        assert_eq!(serde_json::to_string(&text).unwrap(), "\"openssl-libs\"");
        let back: Text = serde_json::from_str("\"openssl\\u002dlibs\"").unwrap();
        assert_eq!(back, text);
        assert!(serde_json::from_str::<Text>("7").is_err());
        assert_eq!(String::from(text.clone()), "openssl-libs");
        assert_eq!(&*Arc::<str>::from(text), "openssl-libs");
    }

    #[test]
    fn rpm_lists_read_null_and_unknown_fields_outside_a_decode() {
        let manifest: RpmManifest =
            serde_json::from_str(r#"{"rpms": [{"name": "bash", "x": 1}, {}], "image_id": null}"#)
                .unwrap();
        assert_eq!(manifest.rpms.len(), 2);
        assert_eq!(manifest.rpms[0].name(), Some("bash"));
        assert_eq!(manifest.rpms[1], Rpm::default());
        let empty: RpmManifest = serde_json::from_str(r#"{"rpms": null}"#).unwrap();
        assert!(empty.rpms.is_empty());
        let names = RpmNames::new(&["b".into(), "a".into(), "b".into()]);
        assert!(names.contains("a") && names.contains("b") && !names.contains("c"));
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
