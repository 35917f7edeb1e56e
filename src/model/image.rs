//! Container images and the objects inside them.

use serde::de::{DeserializeSeed, Deserializer, MapAccess};
use serde::{Deserialize, Serialize};

use super::fields::{NullAsDefault, Seeded, SeededStruct};
use super::rpm::{Rpm, RpmSelection};
use super::rpm_list::RpmListSeed;
use super::text::Text;
use super::{ResponseError, null_as_default};
use crate::seed::NullOr;

/// A container image (`ContainerImage`) with the fields the image operations select.
///
/// It decodes with every RPM of its manifest; [`ImageSeed`] decodes it keeping only some.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ContainerImage {
    /// The Pyxis object id (`_id`); crawls are sorted by it.
    #[serde(rename = "_id")]
    pub id: Option<Text>,
    /// The architecture; Pyxis leaves it unset for x86-64 on old images.
    pub architecture: Option<Text>,
    /// Build-system metadata.
    pub brew: Option<Brew>,
    /// The content sets (YUM repositories) the image's RPMs come from.
    pub content_sets: Vec<Text>,
    /// The NVR of the parent image's build.
    pub parent_brew_build: Option<Text>,
    /// Data parsed from the image itself.
    pub parsed_data: Option<ParsedData>,
    /// The repositories the image is in.
    pub repositories: Vec<ImageRepository>,
    /// Linked objects; present when the operation asked for RPMs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edges: Option<ImageEdges>,
    /// When the image was built, as Pyxis sends it (RFC 3339). Selected by the detailed
    /// lookups (by digest, by id, a repository's images); `None` elsewhere, and when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_date: Option<Text>,
    /// The image's own digest (`sha256:...`), of its config blob. Selected by the detailed
    /// lookups only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub docker_image_digest: Option<Text>,
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
    /// The digest of the multi-architecture manifest list the image is part of. This and the
    /// fields below are selected by the detailed lookups only (by digest, by id, a
    /// repository's images); Pyxis leaves any of them unset on some images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_list_digest: Option<Text>,
    /// The digest of the image's own (schema 2) manifest in this repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_schema2_digest: Option<Text>,
    /// The advisory that shipped the image to this repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_advisory_id: Option<Text>,
    /// When the image was published here, as Pyxis sends it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_date: Option<Text>,
    /// When the image was pushed here, as Pyxis sends it (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_date: Option<Text>,
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImageEdges {
    /// The image's RPM manifest.
    pub rpm_manifest: Option<RpmManifestResponse>,
}

/// The RPM manifest as Pyxis wraps it: data or a Pyxis error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RpmManifestResponse {
    /// The manifest.
    pub data: Option<RpmManifest>,
    /// Why the manifest could not be served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ResponseError>,
}

/// An image's RPM manifest (`ContainerImageRPMManifest`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RpmManifest {
    /// The image the manifest belongs to.
    pub image_id: Option<Text>,
    /// The RPMs installed in the image.
    pub rpms: Vec<Rpm>,
}

/// Decodes a [`ContainerImage`] keeping only the RPMs an [`RpmSelection`] keeps, skipping the
/// others while they are read.
///
/// ```
/// use pyxis_gql::model::{ImageSeed, RpmSelection};
/// use serde::de::DeserializeSeed;
///
/// let body = r#"{"edges": {"rpm_manifest": {"data": {"rpms": [{"name": "bash"}, {"name": "openssl"}]}}}}"#;
/// let keep = RpmSelection::named(["openssl"]);
/// let image = ImageSeed::new(&keep)
///     .deserialize(&mut serde_json::Deserializer::from_str(body))
///     .unwrap();
/// assert_eq!(image.rpms().len(), 1);
/// assert_eq!(image.rpms()[0].name(), Some("openssl"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ImageSeed<'a> {
    rpms: &'a RpmSelection,
}

impl<'a> ImageSeed<'a> {
    /// A seed keeping the RPMs `rpms` keeps.
    pub fn new(rpms: &'a RpmSelection) -> Self {
        Self { rpms }
    }
}

impl<'de> DeserializeSeed<'de> for ImageSeed<'_> {
    type Value = ContainerImage;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<ContainerImage, D::Error> {
        SeededStruct::new(self.rpms).deserialize(deserializer)
    }
}

impl<'de> Deserialize<'de> for ContainerImage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ImageSeed::new(&RpmSelection::All).deserialize(deserializer)
    }
}

impl Seeded for ContainerImage {
    const EXPECTING: &'static str = "a container image";
    const FIELDS: &'static [&'static str] = &[
        "_id",
        "architecture",
        "brew",
        "content_sets",
        "parent_brew_build",
        "parsed_data",
        "repositories",
        "edges",
        "creation_date",
        "docker_image_digest",
    ];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        name: &'static str,
        map: &mut A,
        rpms: &RpmSelection,
    ) -> Result<(), A::Error> {
        match name {
            "_id" => self.id = map.next_value()?,
            "architecture" => self.architecture = map.next_value()?,
            "brew" => self.brew = map.next_value()?,
            "content_sets" => self.content_sets = map.next_value::<NullAsDefault<_>>()?.0,
            "parent_brew_build" => self.parent_brew_build = map.next_value()?,
            "parsed_data" => self.parsed_data = map.next_value()?,
            "repositories" => self.repositories = map.next_value::<NullAsDefault<_>>()?.0,
            "creation_date" => self.creation_date = map.next_value()?,
            "docker_image_digest" => self.docker_image_digest = map.next_value()?,
            _ => self.edges = map.next_value_seed(NullOr(SeededStruct::new(rpms)))?,
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for ImageEdges {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SeededStruct::new(&RpmSelection::All).deserialize(deserializer)
    }
}

impl Seeded for ImageEdges {
    const EXPECTING: &'static str = "the objects linked from an image";
    const FIELDS: &'static [&'static str] = &["rpm_manifest"];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        _: &'static str,
        map: &mut A,
        rpms: &RpmSelection,
    ) -> Result<(), A::Error> {
        self.rpm_manifest = map.next_value_seed(NullOr(SeededStruct::new(rpms)))?;
        Ok(())
    }
}

impl<'de> Deserialize<'de> for RpmManifestResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SeededStruct::new(&RpmSelection::All).deserialize(deserializer)
    }
}

impl Seeded for RpmManifestResponse {
    const EXPECTING: &'static str = "an RPM manifest response";
    const FIELDS: &'static [&'static str] = &["data", "error"];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        name: &'static str,
        map: &mut A,
        rpms: &RpmSelection,
    ) -> Result<(), A::Error> {
        match name {
            "data" => self.data = map.next_value_seed(NullOr(SeededStruct::new(rpms)))?,
            _ => self.error = map.next_value()?,
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for RpmManifest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SeededStruct::new(&RpmSelection::All).deserialize(deserializer)
    }
}

impl Seeded for RpmManifest {
    const EXPECTING: &'static str = "an RPM manifest";
    const FIELDS: &'static [&'static str] = &["image_id", "rpms"];

    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        name: &'static str,
        map: &mut A,
        rpms: &RpmSelection,
    ) -> Result<(), A::Error> {
        match name {
            "image_id" => self.image_id = map.next_value()?,
            _ => self.rpms = map.next_value_seed(RpmListSeed(rpms))?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_read_on_its_own_keeps_every_rpm() {
        let image: ContainerImage = serde_json::from_value(serde_json::json!({
            "_id": "i",
            "architecture": "arm64",
            "edges": {"rpm_manifest": {"data": {"image_id": "i", "rpms": [
                {"name": "bash", "nvra": "bash-5.1-1.aarch64"},
                {"name": "openssl"}
            ]}}}
        }))
        .unwrap();
        assert_eq!(image.architecture.as_deref(), Some("arm64"));
        let names: Vec<_> = image.rpms().iter().map(|rpm| rpm.name()).collect();
        assert_eq!(names, [Some("bash"), Some("openssl")]);
        assert_eq!(image.rpms()[0].nvra(), Some("bash-5.1-1.aarch64"));
    }
}
