//! An operation is a value: query text, variables, and how to read its answer.

use std::borrow::Cow;

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderValue, Method, Request, Uri};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::Config;
use crate::decode::{self, Page};
use crate::error::Error;

/// A GraphQL query document with its operation name and the root field its answer sits under.
///
/// The ten built-in operations keep theirs in statics, built once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    text: Cow<'static, str>,
    operation_name: Cow<'static, str>,
    root_field: Cow<'static, str>,
}

impl Document {
    /// A document. `operation_name` must name an operation defined in `text` (or be empty when
    /// the text holds exactly one anonymous operation); `root_field` is the top-level field whose
    /// value is decoded.
    pub fn new(
        text: impl Into<Cow<'static, str>>,
        operation_name: impl Into<Cow<'static, str>>,
        root_field: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            text: text.into(),
            operation_name: operation_name.into(),
            root_field: root_field.into(),
        }
    }

    /// The query text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The operation name sent as `operationName` (empty means none is sent).
    pub fn operation_name(&self) -> &str {
        &self.operation_name
    }

    /// The root field the answer is read from.
    pub fn root_field(&self) -> &str {
        &self.root_field
    }
}

/// Turns documents and variables into HTTP requests for one endpoint.
///
/// ```
/// use pyxis_gql::{Config, Document, Endpoint};
///
/// let endpoint = Endpoint::new(&Config::builder().build().unwrap());
/// let document = Document::new("query Q { ping }", "Q", "ping");
/// let request = endpoint.request(&document, &serde_json::json!({})).unwrap();
/// assert_eq!(request.method(), http::Method::POST);
/// assert_eq!(request.headers()["content-type"], "application/json");
/// assert_eq!(
///     std::str::from_utf8(request.body()).unwrap(),
///     r#"{"query":"query Q { ping }","variables":{},"operationName":"Q"}"#
/// );
/// ```
#[derive(Clone, Debug)]
pub struct Endpoint {
    uri: Uri,
    user_agent: HeaderValue,
    api_key: Option<HeaderValue>,
    max_body_bytes: usize,
}

impl Endpoint {
    /// The endpoint a config describes.
    pub fn new(config: &Config) -> Self {
        // The config checked both header values and the URL when it was built.
        let uri = config
            .endpoint()
            .as_str()
            .parse()
            .unwrap_or_else(|_| Uri::from_static("https://invalid.invalid/"));
        let user_agent = HeaderValue::from_str(config.user_agent())
            .unwrap_or_else(|_| HeaderValue::from_static("pyxis-gql"));
        let api_key = config.api_key().and_then(|key| {
            let mut value = HeaderValue::from_str(key.expose()).ok()?;
            value.set_sensitive(true);
            Some(value)
        });
        Self {
            uri,
            user_agent,
            api_key,
            max_body_bytes: config.max_body_bytes(),
        }
    }

    /// The largest body the decoders accept.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// A POST request carrying `{query, variables, operationName}` as JSON.
    pub fn request<V: Serialize + ?Sized>(
        &self,
        document: &Document,
        variables: &V,
    ) -> Result<Request<Vec<u8>>, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a, V: ?Sized> {
            query: &'a str,
            variables: &'a V,
            #[serde(skip_serializing_if = "str::is_empty")]
            operation_name: &'a str,
        }
        let body = serde_json::to_vec(&Body {
            query: document.text(),
            variables,
            operation_name: document.operation_name(),
        })
        .map_err(Error::Encode)?;
        let mut request = Request::new(body);
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, self.user_agent.clone());
        if let Some(key) = &self.api_key {
            headers.insert("x-api-key", key.clone());
        }
        Ok(request)
    }
}

/// Which configured page size an operation uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageSize {
    /// [`Config::page_size`] (200 by default).
    Default,
    /// [`Config::small_page_size`] (50 by default), for large items.
    Small,
    /// Exactly this many.
    Fixed(u32),
}

impl PageSize {
    /// The number of items per page under `config`.
    pub fn resolve(self, config: &Config) -> u32 {
        match self {
            Self::Default => config.page_size(),
            Self::Small => config.small_page_size(),
            Self::Fixed(size) => size.max(1),
        }
    }
}

/// A call answered by one response.
pub trait Operation {
    /// The typed answer.
    type Output;

    /// The query document.
    fn document(&self) -> &Document;

    /// The GraphQL variables.
    fn variables(&self) -> Map<String, Value>;

    /// Reads the answer out of a response.
    fn decode(
        &self,
        response: &http::Response<Vec<u8>>,
        max_body_bytes: usize,
    ) -> Result<Self::Output, Error>;
}

/// A call whose answer is a list served in pages (`page`, `page_size`, `total`).
///
/// Its document must declare `$page: Int` and `$page_size: Int` and select `page page_size
/// total` and `data` under its root field; [`Pages`](crate::Pages) supplies both variables.
pub trait PaginatedOperation {
    /// One element of the list.
    type Item: DeserializeOwned;

    /// The query document.
    fn document(&self) -> &Document;

    /// The GraphQL variables except `page` and `page_size`.
    fn variables(&self) -> Map<String, Value>;

    /// Which page size to use.
    fn page_size(&self) -> PageSize {
        PageSize::Default
    }

    /// Whether the answer is known to be empty without asking (e.g. an empty list of names),
    /// so that no request is sent.
    fn matches_nothing(&self) -> bool {
        false
    }

    /// The item's key in the crawl's sort order, when the operation sorts by a field it also
    /// selects (the built-in crawls sort by `_id`). With keys, [`Pages`](crate::Pages) checks
    /// that pages follow each other in order, which catches a page the server repeated under
    /// another page's number. The default has no keys and skips that check.
    fn sort_key<'a>(&self, item: &'a Self::Item) -> Option<&'a str> {
        let _ = item;
        None
    }

    /// Reads one page; the default decodes the standard paginated response.
    fn decode_page(
        &self,
        response: &http::Response<Vec<u8>>,
        max_body_bytes: usize,
    ) -> Result<Page<Self::Item>, Error> {
        decode::page(response, self.document().root_field(), max_body_bytes)
    }
}

impl<O: PaginatedOperation + ?Sized> PaginatedOperation for std::sync::Arc<O> {
    type Item = O::Item;

    fn document(&self) -> &Document {
        (**self).document()
    }

    fn variables(&self) -> Map<String, Value> {
        (**self).variables()
    }

    fn page_size(&self) -> PageSize {
        (**self).page_size()
    }

    fn matches_nothing(&self) -> bool {
        (**self).matches_nothing()
    }

    fn sort_key<'a>(&self, item: &'a Self::Item) -> Option<&'a str> {
        (**self).sort_key(item)
    }

    fn decode_page(
        &self,
        response: &http::Response<Vec<u8>>,
        max_body_bytes: usize,
    ) -> Result<Page<Self::Item>, Error> {
        (**self).decode_page(response, max_body_bytes)
    }
}
