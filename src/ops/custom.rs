//! The escape hatch: any other Pyxis query, with the caller's own output type.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::ser::{Error as _, SerializeMap};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::decode;
use crate::error::Error;
use crate::model::Sortable;
use crate::operation::{Document, Operation, PaginatedOperation, Query, SortBy};
use crate::options::PageSize;

/// A caller's own query, decoded from the whole GraphQL `data` member into `O`.
///
/// ```
/// use pyxis_gql::ops::CustomQuery;
/// use pyxis_gql::{Operation, Query};
///
/// #[derive(serde::Deserialize)]
/// struct Answer { get_image: Image }
/// #[derive(serde::Deserialize)]
/// struct Image { data: Option<serde_json::Value> }
///
/// let op: CustomQuery<Answer> = CustomQuery::new(
///     "query ($id: ObjectIDFilterScalar) { get_image(id: $id) { data { _id } } }",
/// )
/// .variable("id", "57ea8d0f9c624c035f96f4b0");
/// assert_eq!(op.variables()["id"], "57ea8d0f9c624c035f96f4b0");
/// let body = br#"{"data": {"get_image": {"data": {"_id": "57ea8d0f9c624c035f96f4b0"}}}}"#;
/// let answer = op.decode(&http::Response::new(&body[..])).unwrap();
/// assert!(answer.get_image.data.is_some());
/// ```
#[derive(Debug)]
#[must_use]
pub struct CustomQuery<O> {
    document: Document,
    variables: Map<String, Value>,
    output: PhantomData<fn() -> O>,
}

impl<O> Clone for CustomQuery<O> {
    fn clone(&self) -> Self {
        Self {
            document: self.document.clone(),
            variables: self.variables.clone(),
            output: PhantomData,
        }
    }
}

impl<O: DeserializeOwned> CustomQuery<O> {
    /// A query from its text (one operation, or name it with
    /// [`operation_name`](Self::operation_name)).
    pub fn new(text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            document: Document::new(text, "", ""),
            variables: Map::new(),
            output: PhantomData,
        }
    }

    /// Which operation of a multi-operation document to run.
    pub fn operation_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.document = Document::new(self.document.text().to_owned(), name, "");
        self
    }

    /// Sets one variable.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Replaces all variables.
    pub fn with_variables(mut self, variables: Map<String, Value>) -> Self {
        self.variables = variables;
        self
    }
}

impl<O> Query for CustomQuery<O> {
    type Variables = Map<String, Value>;

    fn document(&self) -> &Document {
        &self.document
    }

    fn variables(&self) -> Map<String, Value> {
        self.variables.clone()
    }
}

impl<O: DeserializeOwned> Operation for CustomQuery<O> {
    type Output = O;

    fn decode<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> Result<O, Error> {
        decode::whole_data(response)
    }
}

/// A caller's own paginated query: its document declares `$page: Int, $page_size: Int`, passes
/// them to `root_field`, and selects `page page_size total data {...}` (and `error {status
/// detail}`) there; each element of `data` decodes into `I`.
///
/// With [`sort_by`](Self::sort_by), the document also declares `$sort_by: [SortBy]`, the crawl
/// sends that order and checks the pages against it through `I`'s [`Sortable`] impl (a
/// `serde_json::Value` item reads its top-level fields). `page` and `page_size` are always the
/// crawl's variables, and `sort_by` is once [`sort_by`](Self::sort_by) is set: setting them with
/// [`variable`](Self::variable) as well fails the crawl's first request with [`Error::Encode`].
/// A `sort_by` variable of the caller's own is sent as it is, unchecked.
///
/// ```
/// use pyxis_gql::ops::CustomPaginatedQuery;
/// use pyxis_gql::{Query, SortBy};
///
/// let op: CustomPaginatedQuery<serde_json::Value> = CustomPaginatedQuery::new(
///     "query ($page: Int, $page_size: Int, $sort_by: [SortBy]) { find_vendors(page: $page, \
///      page_size: $page_size, sort_by: $sort_by) { error { status detail } page page_size total \
///      data { _id label } } }",
///     "find_vendors",
/// )
/// .sort_by([SortBy::ascending("_id")]);
/// assert_eq!(op.document().root_field(), "find_vendors");
/// ```
#[derive(Debug)]
#[must_use]
pub struct CustomPaginatedQuery<I> {
    document: Document,
    variables: Map<String, Value>,
    page_size: PageSize,
    sort_by: Vec<SortBy>,
    item: PhantomData<fn() -> I>,
}

impl<I> Clone for CustomPaginatedQuery<I> {
    fn clone(&self) -> Self {
        Self {
            document: self.document.clone(),
            variables: self.variables.clone(),
            page_size: self.page_size,
            sort_by: self.sort_by.clone(),
            item: PhantomData,
        }
    }
}

impl<I: DeserializeOwned + Sortable> CustomPaginatedQuery<I> {
    /// A paginated query from its text and the root field that holds the pages.
    pub fn new(
        text: impl Into<Cow<'static, str>>,
        root_field: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            document: Document::new(text, "", root_field),
            variables: Map::new(),
            page_size: PageSize::DEFAULT,
            sort_by: Vec::new(),
            item: PhantomData,
        }
    }

    /// Which operation of a multi-operation document to run.
    pub fn operation_name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.document = Document::new(
            self.document.text().to_owned(),
            name,
            self.document.root_field().to_owned(),
        );
        self
    }

    /// Sets one variable (not `page` or `page_size`, which the crawl owns, nor `sort_by` together
    /// with [`sort_by`](Self::sort_by)).
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Replaces all variables.
    pub fn with_variables(mut self, variables: Map<String, Value>) -> Self {
        self.variables = variables;
        self
    }

    /// The page size to crawl with.
    pub fn page_size(mut self, page_size: PageSize) -> Self {
        self.page_size = page_size;
        self
    }

    /// The order to crawl in, sent as `sort_by` and checked page against page; end it with a
    /// unique field such as `_id`.
    pub fn sort_by(mut self, order: impl IntoIterator<Item = SortBy>) -> Self {
        self.sort_by = order.into_iter().collect();
        self
    }
}

/// The variables of a [`CustomPaginatedQuery`]: the caller's own, which must leave `page`,
/// `page_size` (and `sort_by`, when the crawl sorts) to the crawl.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomVariables {
    variables: Map<String, Value>,
    crawl_sorts: bool,
}

impl CustomVariables {
    fn belongs_to_the_crawl(&self, name: &str) -> bool {
        name == "page" || name == "page_size" || (self.crawl_sorts && name == "sort_by")
    }
}

impl Serialize for CustomVariables {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.variables.len()))?;
        for (name, value) in &self.variables {
            if self.belongs_to_the_crawl(name) {
                return Err(S::Error::custom(format_args!(
                    "the variable `{name}` belongs to the crawl; use the query's own setting"
                )));
            }
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<I> Query for CustomPaginatedQuery<I> {
    type Variables = CustomVariables;

    fn document(&self) -> &Document {
        &self.document
    }

    fn variables(&self) -> CustomVariables {
        CustomVariables {
            variables: self.variables.clone(),
            crawl_sorts: !self.sort_by.is_empty(),
        }
    }
}

impl<I: DeserializeOwned + Sortable> PaginatedOperation for CustomPaginatedQuery<I> {
    type Item = I;

    fn page_size(&self) -> PageSize {
        self.page_size
    }

    fn sort_by(&self) -> &[SortBy] {
        &self.sort_by
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::PaginationError;
    use crate::{ClientOptions, Endpoint, Pages};

    const PAGED: &str = "query ($page: Int, $page_size: Int, $sort_by: [SortBy], $filter: \
        ContainerRepositoryFilter) { find_repositories(page: $page, page_size: $page_size, \
        sort_by: $sort_by, filter: $filter) { page page_size total data { _id } } }";

    fn query() -> CustomPaginatedQuery<Value> {
        CustomPaginatedQuery::new(PAGED, "find_repositories")
    }

    fn first_request(query: CustomPaginatedQuery<Value>) -> Result<Value, Error> {
        let mut pages = Pages::new(query, &Endpoint::default(), &ClientOptions::default());
        let request = pages.next_request().expect("a first page")?.request;
        Ok(serde_json::from_slice::<Value>(request.body()).unwrap()["variables"].clone())
    }

    #[test]
    fn the_callers_variables_travel_beside_the_crawls() {
        let filter = json!({"registry": {"eq": "quay.io"}});
        let sent = first_request(query().variable("filter", filter.clone())).unwrap();
        assert_eq!(sent, json!({"filter": filter, "page": 0, "page_size": 200}));
        // A caller's own order is sent as it is when the crawl has none.
        let order = json!([{"field": "creation_date", "order": "DESC"}]);
        let sent = first_request(query().variable("sort_by", order.clone())).unwrap();
        assert_eq!(sent["sort_by"], order);
        let sent = first_request(query().sort_by([SortBy::descending("_id")])).unwrap();
        assert_eq!(sent["sort_by"], json!([{"field": "_id", "order": "DESC"}]));
    }

    #[test]
    fn variables_the_crawl_owns_cannot_be_set_twice() {
        for (name, query) in [
            ("page", query().variable("page", 3)),
            ("page_size", query().variable("page_size", 3)),
            (
                "sort_by",
                query()
                    .sort_by([SortBy::ascending("_id")])
                    .variable("sort_by", json!([])),
            ),
        ] {
            match first_request(query) {
                Err(Error::Encode(error)) => {
                    assert!(error.to_string().contains(&format!("`{name}`")), "{error}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_crawl_with_an_order_checks_the_pages_against_it() {
        let options = ClientOptions::builder().page_size(2).build().unwrap();
        let ordered = query().sort_by([SortBy::ascending("_id")]);
        let mut pages = Pages::new(ordered, &Endpoint::default(), &options);
        let _ = pages.next_request().unwrap().unwrap();
        let body = json!({"data": {"find_repositories": {
            "data": [{"_id": "b"}, {"_id": "a"}], "page": 0, "page_size": 2, "total": 4}}});
        let response = http::Response::new(serde_json::to_vec(&body).unwrap());
        assert!(matches!(
            pages.feed(0, &response),
            Err(Error::Pagination(PaginationError::OutOfOrder { page: 0 }))
        ));
        // Without an order, the same page is taken as it comes.
        let mut pages = Pages::new(query(), &Endpoint::default(), &options);
        let _ = pages.next_request().unwrap().unwrap();
        pages.feed(0, &response).unwrap();
        assert_eq!(pages.pop_items().unwrap().len(), 2);
    }

    #[test]
    fn a_custom_crawl_keeps_its_page_size() {
        let query = CustomPaginatedQuery::<Value>::new("query Q { f }", "f")
            .page_size(PageSize::fixed(7).unwrap());
        assert_eq!(
            PaginatedOperation::page_size(&query),
            PageSize::fixed(7).unwrap()
        );
        let default = CustomPaginatedQuery::<Value>::new("query Q { f }", "f");
        assert_eq!(PaginatedOperation::page_size(&default), PageSize::DEFAULT);
    }
}
