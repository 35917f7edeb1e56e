//! The escape hatch: any other Pyxis query, with the caller's own output type.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::decode;
use crate::error::Error;
use crate::operation::{Document, Operation, PageSize, PaginatedOperation};

/// A caller's own query, decoded from the whole GraphQL `data` member into `O`.
///
/// ```
/// use pyxis_gql::ops::CustomQuery;
/// use pyxis_gql::Operation;
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
/// let answer = op.decode(&http::Response::new(body.to_vec()), 1 << 20).unwrap();
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

impl<O: DeserializeOwned> Operation for CustomQuery<O> {
    type Output = O;

    fn document(&self) -> &Document {
        &self.document
    }

    fn variables(&self) -> Map<String, Value> {
        self.variables.clone()
    }

    fn decode(
        &self,
        response: &http::Response<Vec<u8>>,
        max_body_bytes: usize,
    ) -> Result<O, Error> {
        decode::whole_data(response, max_body_bytes)
    }
}

/// A caller's own paginated query: its document declares `$page: Int, $page_size: Int`, passes
/// them to `root_field`, and selects `page page_size total data {...}` (and `error {status
/// detail}`) there; each element of `data` decodes into `I`.
///
/// ```
/// use pyxis_gql::ops::CustomPaginatedQuery;
/// use pyxis_gql::PaginatedOperation;
///
/// let op: CustomPaginatedQuery<serde_json::Value> = CustomPaginatedQuery::new(
///     "query ($page: Int, $page_size: Int) { find_vendors(page: $page, page_size: $page_size) \
///      { error { status detail } page page_size total data { label } } }",
///     "find_vendors",
/// );
/// assert_eq!(op.document().root_field(), "find_vendors");
/// ```
#[derive(Debug)]
#[must_use]
pub struct CustomPaginatedQuery<I> {
    document: Document,
    variables: Map<String, Value>,
    page_size: PageSize,
    item: PhantomData<fn() -> I>,
}

impl<I> Clone for CustomPaginatedQuery<I> {
    fn clone(&self) -> Self {
        Self {
            document: self.document.clone(),
            variables: self.variables.clone(),
            page_size: self.page_size,
            item: PhantomData,
        }
    }
}

impl<I: DeserializeOwned> CustomPaginatedQuery<I> {
    /// A paginated query from its text and the root field that holds the pages.
    pub fn new(
        text: impl Into<Cow<'static, str>>,
        root_field: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            document: Document::new(text, "", root_field),
            variables: Map::new(),
            page_size: PageSize::Default,
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

    /// Sets one variable (not `page` or `page_size`: the crawl owns those).
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
}

impl<I: DeserializeOwned> PaginatedOperation for CustomPaginatedQuery<I> {
    type Item = I;

    fn document(&self) -> &Document {
        &self.document
    }

    fn variables(&self) -> Map<String, Value> {
        self.variables.clone()
    }

    fn page_size(&self) -> PageSize {
        self.page_size
    }
}
