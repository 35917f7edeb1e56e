//! The built-in operations read as plain JSON, so that Python gets exactly the fields Pyxis sent
//! (a `null` list stays `None`, an absent label list stays absent).

use std::collections::HashSet;

use pyxis_gql::http;
use pyxis_gql::model::RegistryPath;
use pyxis_gql::model::Sortable;
use pyxis_gql::ops::GetRepositoryByRegistryPath;
use pyxis_gql::{
    ChunkedOperation, Document, Error, Operation, OperationKind, Page, PageSize,
    PaginatedOperation, PyxisError, Query, SortBy, decode,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// One item as the JSON text Pyxis sent, with its `_id` for the crawl's order check; it becomes
/// Python objects in one pass, under the GIL (`seed`).
#[derive(Debug)]
pub(crate) struct RawItem {
    pub(crate) json: Box<RawValue>,
    id: Option<String>,
}

impl RawItem {
    fn new(json: Box<RawValue>) -> Self {
        let id = id_of(json.get());
        Self { json, id }
    }
}

/// The `_id` of an item's JSON text. Pyxis answers fields in the order the query selects them,
/// and the built-in queries select `_id` first, so it is usually read off the front without a
/// second parse; anything else (escapes, another order) is parsed.
fn id_of(json: &str) -> Option<String> {
    if let Some(rest) = json.strip_prefix(r#"{"_id":""#)
        && let Some(end) = rest.find('"')
        && !rest[..end].contains('\\')
    {
        return Some(rest[..end].to_owned());
    }
    #[derive(Deserialize)]
    struct Id {
        #[serde(rename = "_id")]
        id: Option<String>,
    }
    serde_json::from_str::<Id>(json)
        .ok()
        .and_then(|item| item.id)
}

impl<'de> Deserialize<'de> for RawItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Self::new)
    }
}

impl Sortable for RawItem {
    fn sort_field(&self, field: &str) -> Option<&str> {
        (field == "_id").then_some(self.id.as_deref()).flatten()
    }
}

/// `O`, with each item kept as JSON text; `rpms` (when set) keeps only the RPMs of those names
/// in each image's manifest.
#[derive(Clone, Debug)]
pub(crate) struct Json<O> {
    pub(crate) operation: O,
    pub(crate) rpms: Option<HashSet<String>>,
}

impl<O> Json<O> {
    pub(crate) fn new(operation: O) -> Self {
        Self {
            operation,
            rpms: None,
        }
    }
}

impl<O: Query> Query for Json<O> {
    type Variables = O::Variables;

    fn document(&self) -> &Document {
        self.operation.document()
    }

    fn variables(&self) -> O::Variables {
        self.operation.variables()
    }

    fn kind(&self) -> OperationKind {
        self.operation.kind()
    }
}

impl<O: PaginatedOperation> PaginatedOperation for Json<O> {
    type Item = RawItem;

    fn page_size(&self) -> PageSize {
        self.operation.page_size()
    }

    fn sort_by(&self) -> &[SortBy] {
        self.operation.sort_by()
    }

    fn selects_total(&self) -> bool {
        self.operation.selects_total()
    }

    fn matches_nothing(&self) -> bool {
        self.operation.matches_nothing()
    }

    fn decode_page<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
    ) -> Result<Page<RawItem>, Error> {
        let root = self.document().root_field();
        let Some(wanted) = &self.rpms else {
            return decode::page(response, root);
        };
        // Cutting RPM lists needs the tree; the lists left are short.
        let page: Page<Value> = decode::page(response, root)?;
        let mut items = Vec::with_capacity(page.items.len());
        for mut image in page.items {
            let rpms = image
                .pointer_mut("/edges/rpm_manifest/data/rpms")
                .and_then(Value::as_array_mut);
            if let Some(rpms) = rpms {
                rpms.retain(|rpm| {
                    rpm.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|name| wanted.contains(name))
                });
            }
            let json = serde_json::value::to_raw_value(&image).map_err(Error::Encode)?;
            items.push(RawItem::new(json));
        }
        Ok(Page::new(items, page.page, page.page_size, page.total))
    }
}

impl<O: ChunkedOperation> ChunkedOperation for Json<O> {
    fn chunks(&self, size: usize) -> Vec<Self> {
        self.operation
            .chunks(size)
            .into_iter()
            .map(|operation| Self {
                operation,
                rpms: self.rpms.clone(),
            })
            .collect()
    }
}

/// One repository as JSON: `None` when Pyxis says it does not exist, unless that is an error
/// (`missing_is_error`, as the sync class has it, with Pyxis's own status and detail).
#[derive(Clone, Debug)]
pub(crate) struct RepositoryJson {
    pub(crate) operation: GetRepositoryByRegistryPath,
    pub(crate) missing_is_error: bool,
}

impl RepositoryJson {
    pub(crate) fn new(path: RegistryPath, missing_is_error: bool) -> Self {
        Self {
            operation: GetRepositoryByRegistryPath::new(path),
            missing_is_error,
        }
    }
}

impl Query for RepositoryJson {
    type Variables = <GetRepositoryByRegistryPath as Query>::Variables;

    fn document(&self) -> &Document {
        self.operation.document()
    }

    fn variables(&self) -> Self::Variables {
        self.operation.variables()
    }

    fn kind(&self) -> OperationKind {
        self.operation.kind()
    }
}

impl Operation for RepositoryJson {
    type Output = Value;

    fn decode<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> Result<Value, Error> {
        let mut answer: Value = decode::root(response, self.document().root_field())?;
        let error = answer.get("error").filter(|error| !error.is_null());
        if let Some(error) = error {
            let status = error.get("status").and_then(Value::as_i64);
            if status == Some(404) && !self.missing_is_error {
                return Ok(Value::Null);
            }
            let detail = error.get("detail").and_then(Value::as_str).unwrap_or("");
            let mut pyxis = PyxisError::new(status, detail);
            pyxis.trace_id = response
                .headers()
                .get("trace_id")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            return Err(Error::Pyxis(pyxis));
        }
        Ok(answer
            .get_mut("data")
            .map(Value::take)
            .unwrap_or(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::id_of;

    #[test]
    fn ids_are_read_off_the_front_or_parsed() {
        assert_eq!(
            id_of(r#"{"_id":"5d0a","brew":{}}"#).as_deref(),
            Some("5d0a")
        );
        assert_eq!(id_of(r#"{"brew":{},"_id":"x1"}"#).as_deref(), Some("x1"));
        assert_eq!(id_of(r#"{"_id":"a\"b","x":1}"#).as_deref(), Some("a\"b"));
        assert_eq!(id_of(r#"{ "_id" : "spaced" }"#).as_deref(), Some("spaced"));
        assert_eq!(id_of(r#"{"_id":null}"#), None);
        assert_eq!(id_of(r#"{"x":1}"#), None);
    }
}
