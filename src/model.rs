//! Typed results, shaped after the selection sets the operations send.
//!
//! Pyxis data is ragged: any field may be `null` or missing and an object may be `{}`. Scalars
//! are therefore `Option`s, lists treat `null` as empty, and unknown fields are ignored. Every
//! type serializes back with the field names Pyxis uses.
//!
//! Strings are [`Text`]: shared, immutable strings that deref to `str`. A page of images repeats
//! the same label values, tags and registries many times, and the same RPMs thousands of
//! times; decoding keeps one copy of each string and of each [`Rpm`], and shares it.
//!
//! What a decode keeps is visible in its types and arguments: a [`ContainerImage`] decodes with
//! every RPM of its manifest, and an [`ImageSeed`] with an [`RpmSelection`] keeps only some.

mod digest;
mod fields;
mod image;
mod repository;
mod rpm;
mod rpm_list;
pub(crate) mod shared;
mod sortable;
mod text;

use serde::{Deserialize, Deserializer, Serialize};

pub use digest::DigestMatch;
pub use image::{
    Brew, ContainerImage, ImageEdges, ImageRepository, ImageSeed, Label, ParsedData, RpmManifest,
    RpmManifestResponse, Tag,
};
pub use repository::{ContainerRepository, RegistryPath, RegistryPathError};
pub use rpm::{Rpm, RpmSelection};
pub use sortable::Sortable;
pub use text::Text;

/// Deserializes `null` as the type's default, for ragged Pyxis data.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

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
