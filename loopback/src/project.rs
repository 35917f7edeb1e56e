//! Shapes stored documents into response JSON while serializing, without
//! copying them: pages with RPM manifests run to megabytes, and building an
//! intermediate tree first doubled the cost of answering.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

/// A selection: a leaf field or a field with a sub-selection.
pub(crate) enum Sel {
    Leaf(&'static str),
    Node(&'static str, &'static [Sel]),
}

use Sel::{Leaf, Node};

const REPOSITORY_FIELDS: &[Sel] = &[
    Leaf("_id"),
    Leaf("repository"),
    Leaf("registry"),
    Leaf("published"),
    Leaf("release_categories"),
    Leaf("auto_rebuild_tags"),
    Leaf("vendor_label"),
    Leaf("eol_date"),
];

const IMAGE_FIELDS: &[Sel] = &[
    Leaf("_id"),
    Leaf("architecture"),
    Node("brew", &[Leaf("build"), Leaf("package")]),
    Leaf("content_sets"),
    Leaf("parent_brew_build"),
    Leaf("creation_date"),
    Leaf("docker_image_digest"),
    Node(
        "parsed_data",
        &[Node("labels", &[Leaf("name"), Leaf("value")])],
    ),
    Node(
        "repositories",
        &[
            Leaf("registry"),
            Leaf("repository"),
            Leaf("published"),
            Node("tags", &[Leaf("name")]),
            Leaf("manifest_list_digest"),
            Leaf("manifest_schema2_digest"),
            Leaf("image_advisory_id"),
            Leaf("published_date"),
            Leaf("push_date"),
        ],
    ),
];

const RPM_FIELDS: &[Sel] = &[
    Leaf("name"),
    Leaf("nvra"),
    Leaf("srpm_name"),
    Leaf("srpm_nevra"),
];

/// The fields of the selections above that a query gets only when it names them, as a
/// GraphQL server answers: the lean selections of most clients leave them out.
const OPTIONAL: [&str; 9] = [
    "vendor_label",
    "eol_date",
    "creation_date",
    "docker_image_digest",
    "manifest_list_digest",
    "manifest_schema2_digest",
    "image_advisory_id",
    "published_date",
    "push_date",
];

/// Which of the [`OPTIONAL`] fields a query selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Optional(u16);

impl Optional {
    /// The optional fields `selects` says yes to.
    pub(crate) fn selected_by(selects: impl Fn(&str) -> bool) -> Self {
        Self(
            OPTIONAL
                .iter()
                .enumerate()
                .filter(|(_, name)| selects(name))
                .fold(0, |bits, (i, _)| bits | 1 << i),
        )
    }

    /// Every optional field.
    #[cfg(test)]
    pub(crate) fn all() -> Self {
        Self::selected_by(|_| true)
    }

    fn leaves_out(self, name: &str) -> bool {
        OPTIONAL
            .iter()
            .position(|optional| *optional == name)
            .is_some_and(|i| self.0 & (1 << i) == 0)
    }
}

/// Which selection set a document is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A repository with the optional fields selected.
    Repository { optional: Optional },
    /// An image; `with_manifest` adds `edges.rpm_manifest`.
    Image {
        with_manifest: bool,
        optional: Optional,
    },
}

/// A stored document as the response shows it.
pub(crate) struct DocView<'a> {
    pub(crate) doc: &'a Value,
    pub(crate) shape: Shape,
}

impl Serialize for DocView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.shape {
            Shape::Repository { optional } => Selected {
                value: Some(self.doc),
                sels: REPOSITORY_FIELDS,
                optional,
                edges_of: None,
            }
            .serialize(s),
            Shape::Image {
                with_manifest,
                optional,
            } => Selected {
                value: Some(self.doc),
                sels: IMAGE_FIELDS,
                optional,
                edges_of: with_manifest.then_some(self.doc),
            }
            .serialize(s),
        }
    }
}

/// The selected fields of `value`; a selected field the document lacks is
/// `null`, as GraphQL answers it. Lists are shaped element by element.
struct Selected<'a> {
    value: Option<&'a Value>,
    sels: &'static [Sel],
    /// Which optional fields the query selected; the others are left out, at any depth.
    optional: Optional,
    edges_of: Option<&'a Value>,
}

impl Serialize for Selected<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Some(Value::Object(map)) => {
                let sels = self
                    .sels
                    .iter()
                    .filter(|sel| !matches!(sel, Leaf(name) if self.optional.leaves_out(name)));
                let extra = usize::from(self.edges_of.is_some());
                let mut m = s.serialize_map(Some(sels.clone().count() + extra))?;
                for sel in sels {
                    match sel {
                        Leaf(name) => {
                            m.serialize_entry(name, map.get(*name).unwrap_or(&Value::Null))?
                        }
                        Node(name, sub) => m.serialize_entry(
                            name,
                            &Selected {
                                value: map.get(*name),
                                sels: sub,
                                optional: self.optional,
                                edges_of: None,
                            },
                        )?,
                    }
                }
                if let Some(doc) = self.edges_of {
                    m.serialize_entry("edges", &Edges(doc))?;
                }
                m.end()
            }
            Some(Value::Array(items)) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Selected {
                        value: Some(item),
                        sels: self.sels,
                        optional: self.optional,
                        edges_of: None,
                    })?;
                }
                seq.end()
            }
            _ => s.serialize_none(),
        }
    }
}

/// `edges { rpm_manifest { data { image_id rpms {...} } error {...} } }`.
struct Edges<'a>(&'a Value);

impl Serialize for Edges<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("rpm_manifest", &Manifest(self.0))?;
        m.end()
    }
}

struct Manifest<'a>(&'a Value);

impl Serialize for Manifest<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self.0.get("rpm_manifest") {
            Some(manifest) => {
                m.serialize_entry(
                    "data",
                    &ManifestData {
                        image_id: self.0.get("_id").unwrap_or(&Value::Null),
                        rpms: manifest.get("rpms"),
                    },
                )?;
                m.serialize_entry("error", &Value::Null)?;
            }
            None => {
                m.serialize_entry("data", &Value::Null)?;
                m.serialize_entry(
                    "error",
                    &serde_json::json!({
                        "status": 404,
                        "detail": "Unable to find the RPM manifest of this image",
                    }),
                )?;
            }
        }
        m.end()
    }
}

struct ManifestData<'a> {
    image_id: &'a Value,
    rpms: Option<&'a Value>,
}

impl Serialize for ManifestData<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("image_id", self.image_id)?;
        m.serialize_entry(
            "rpms",
            &Selected {
                value: self.rpms,
                sels: RPM_FIELDS,
                optional: Optional::default(),
                edges_of: None,
            },
        )?;
        m.end()
    }
}

/// A `*PaginatedResponse`.
pub(crate) struct PageView<'a> {
    pub(crate) items: Vec<&'a Value>,
    pub(crate) shape: Shape,
    pub(crate) page: usize,
    pub(crate) page_size: usize,
    /// `None` when the query does not select `total`.
    pub(crate) total: Option<usize>,
}

impl Serialize for PageView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("data", &Docs(&self.items, self.shape))?;
        m.serialize_entry("error", &Value::Null)?;
        m.serialize_entry("page", &self.page)?;
        m.serialize_entry("page_size", &self.page_size)?;
        if let Some(total) = self.total {
            m.serialize_entry("total", &total)?;
        }
        m.end()
    }
}

struct Docs<'a>(&'a [&'a Value], Shape);

impl Serialize for Docs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for doc in self.0 {
            seq.serialize_element(&DocView { doc, shape: self.1 })?;
        }
        seq.end()
    }
}

/// A single-document `*Response`: `{data, error}`.
pub(crate) struct SingleView<'a> {
    pub(crate) doc: Option<DocView<'a>>,
    pub(crate) error: Option<Value>,
}

impl Serialize for SingleView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("data", &self.doc)?;
        m.serialize_entry("error", &self.error)?;
        m.end()
    }
}

/// The resolved value of the root field.
pub(crate) enum Answer<'a> {
    Page(PageView<'a>),
    Single(SingleView<'a>),
}

impl Serialize for Answer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Page(p) => p.serialize(s),
            Answer::Single(v) => v.serialize(s),
        }
    }
}

/// `{"data": {"<key>": answer}}`.
pub(crate) struct Envelope<'a> {
    pub(crate) key: &'a str,
    pub(crate) answer: Answer<'a>,
}

impl Serialize for Envelope<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Inner<'b>(&'b str, &'b Answer<'b>);
        impl Serialize for Inner<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(self.0, self.1)?;
                m.end()
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("data", &Inner(self.key, &self.answer))?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shaped(doc: &Value, shape: Shape) -> Value {
        serde_json::to_value(DocView { doc, shape }).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn selects_fields_and_fills_missing_with_null() {
        let doc = json!({
            "_id": "1", "architecture": "amd64", "extra": 1,
            "brew": {"build": "x-1-1", "package": "x", "nvra": "x-1-1.x86_64"},
            "parsed_data": {},
            "repositories": [{"registry": "r", "repository": "n", "published": true, "push_date": "d",
                              "tags": [{"name": "latest", "added_date": "d"}]}],
            "rpm_manifest": {"rpms": [{"name": "bash", "nvra": "bash-1-1.x86_64", "srpm_name": "bash",
                                       "srpm_nevra": "bash-1-1.src", "gpg": "k"}]},
        });
        let out = shaped(
            &doc,
            Shape::Image {
                with_manifest: false,
                optional: Optional::selected_by(|name| name == "creation_date"),
            },
        );
        assert_eq!(
            out,
            json!({
                "_id": "1", "architecture": "amd64",
                "brew": {"build": "x-1-1", "package": "x"},
                "content_sets": null, "parent_brew_build": null, "creation_date": null,
                "parsed_data": {"labels": null},
                "repositories": [{"registry": "r", "repository": "n", "published": true,
                                  "tags": [{"name": "latest"}]}],
            })
        );
        let out = shaped(
            &doc,
            Shape::Image {
                with_manifest: true,
                optional: Optional::default(),
            },
        );
        assert_eq!(
            out["edges"],
            json!({"rpm_manifest": {"data": {"image_id": "1", "rpms": [
                {"name": "bash", "nvra": "bash-1-1.x86_64", "srpm_name": "bash", "srpm_nevra": "bash-1-1.src"}
            ]}, "error": null}})
        );
    }

    #[test]
    fn missing_manifest_is_a_404_edge() {
        let out = shaped(
            &json!({"_id": "2"}),
            Shape::Image {
                with_manifest: true,
                optional: Optional::default(),
            },
        );
        assert_eq!(out["edges"]["rpm_manifest"]["data"], Value::Null);
        assert_eq!(out["edges"]["rpm_manifest"]["error"]["status"], 404);
    }

    #[test]
    fn repositories_keep_only_their_fields() {
        let out = shaped(
            &json!({"_id": "r", "registry": "g", "repository": "n", "object_type": "x"}),
            Shape::Repository {
                optional: Optional::selected_by(|name| name == "vendor_label"),
            },
        );
        assert_eq!(
            out,
            json!({"_id": "r", "registry": "g", "repository": "n", "published": null,
                   "release_categories": null, "auto_rebuild_tags": null, "vendor_label": null})
        );
    }

    #[test]
    fn optional_fields_only_when_selected_at_any_depth() {
        let doc = json!({
            "_id": "1", "docker_image_digest": "sha256:a", "creation_date": "c",
            "repositories": [{"registry": "r", "manifest_schema2_digest": "sha256:b",
                              "push_date": "p", "tags": []}],
        });
        let lean = shaped(
            &doc,
            Shape::Image {
                with_manifest: false,
                optional: Optional::default(),
            },
        );
        assert!(lean.get("docker_image_digest").is_none() && lean.get("creation_date").is_none());
        assert!(
            lean["repositories"][0]
                .get("manifest_schema2_digest")
                .is_none()
        );
        assert!(lean["repositories"][0].get("push_date").is_none());
        let all = shaped(
            &doc,
            Shape::Image {
                with_manifest: false,
                optional: Optional::all(),
            },
        );
        assert_eq!(all["docker_image_digest"], "sha256:a");
        assert_eq!(
            all["repositories"][0]["manifest_schema2_digest"],
            "sha256:b"
        );
        assert_eq!(all["repositories"][0]["manifest_list_digest"], Value::Null);
        assert_eq!(all["repositories"][0]["push_date"], "p");
    }
}
