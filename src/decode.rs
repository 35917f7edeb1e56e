//! Responses into typed values: HTTP status, then GraphQL `errors`, then the Pyxis
//! `{data, error}` wrapper, then the data.
//!
//! The happy path parses the body once. Only when something is wrong does a slower second pass
//! find the JSON path of the failure and any GraphQL `errors` the first pass could not reach.
//!
//! Every decoder takes the response by reference with any body that is bytes (`Vec<u8>`,
//! [`bytes::Bytes`], `&[u8]`), and decodes what its type or seed says: what a decode keeps is
//! never decided by anything else. The body size is the transport's to cap.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};

use crate::error::{Error, GraphQlError, PyxisError};
use crate::model::ResponseError;
use crate::model::shared::Scope;
use crate::seed::{KeyOf, NullOr, Seen};

/// How much of a bad body an error keeps.
const EXCERPT_BYTES: usize = 512;

/// One page of a paginated answer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items, in server order (`null` data reads as no items).
    pub items: Vec<T>,
    /// The page number the server says it served.
    pub page: Option<u32>,
    /// The page size the server says it used.
    pub page_size: Option<u32>,
    /// The number of matching items in all pages, when the query asked for it.
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// A page, for callers that decode pages their own way and feed them to a crawl with
    /// [`Pages::feed_decoded`](crate::Pages::feed_decoded).
    pub fn new(
        items: Vec<T>,
        page: Option<u32>,
        page_size: Option<u32>,
        total: Option<u64>,
    ) -> Self {
        Self {
            items,
            page,
            page_size,
            total,
        }
    }
}

#[derive(Deserialize)]
struct SingleResponse<T> {
    #[serde(default = "Option::default")]
    data: Option<T>,
    #[serde(default)]
    error: Option<ResponseError>,
}

/// Decodes a paginated answer under `root_field` (`find_images`, `find_repositories`, ...).
///
/// ```
/// let body = br#"{"data":{"find_repositories":{"data":[{"repository":"ubi9/ubi"}],
///     "error":null,"page":0,"page_size":50,"total":1}}}"#;
/// let response = http::Response::new(&body[..]);
/// let page: pyxis_gql::Page<pyxis_gql::model::ContainerRepository> =
///     pyxis_gql::decode::page(&response, "find_repositories").unwrap();
/// assert_eq!(page.items[0].repository.as_deref(), Some("ubi9/ubi"));
/// assert_eq!(page.total, Some(1));
/// ```
///
/// # Errors
///
/// Every failure of the response as an [`Error`]: its HTTP status, GraphQL `errors`, the Pyxis
/// `error` object, or a body that is not the JSON of a page of `T`.
pub fn page<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: &http::Response<B>,
    root_field: &str,
) -> Result<Page<T>, Error> {
    page_seeded(response, root_field, PhantomData::<T>)
}

/// [`page`], reading each item with `item` (e.g. an [`ImageSeed`](crate::model::ImageSeed)
/// that keeps only some RPMs).
///
/// # Errors
///
/// As [`page`].
pub fn page_seeded<S, T, B>(
    response: &http::Response<B>,
    root_field: &str,
    item: S,
) -> Result<Page<T>, Error>
where
    S: for<'de> DeserializeSeed<'de, Value = T> + Clone,
    B: AsRef<[u8]>,
{
    let trace_id = trace_id(response);
    let answer = field(response, root_field, PageSeed(item))?;
    if let Some(error) = answer.error {
        return Err(pyxis_error(error, trace_id));
    }
    Ok(answer.page)
}

/// Decodes a single-object answer (`{data, error}`) under `root_field`. Pyxis's "not found"
/// (`error.status` 404) and a `null` object both read as `None`.
///
/// # Errors
///
/// As [`page`], for any other Pyxis `error`.
pub fn object<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: &http::Response<B>,
    root_field: &str,
) -> Result<Option<T>, Error> {
    let trace_id = trace_id(response);
    let wrapper: SingleResponse<T> = field(response, root_field, PhantomData)?;
    match wrapper.error {
        Some(error) if error.status == Some(404) => Ok(None),
        Some(error) => Err(pyxis_error(error, trace_id)),
        None => Ok(wrapper.data),
    }
}

/// Decodes the value of `root_field` as `T`, with no assumption about its shape.
///
/// # Errors
///
/// As [`page`], without looking for a Pyxis `error` object.
pub fn root<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: &http::Response<B>,
    root_field: &str,
) -> Result<T, Error> {
    field(response, root_field, PhantomData)
}

/// Decodes the whole GraphQL `data` member as `T` (for a caller's own query).
///
/// # Errors
///
/// As [`root`].
pub fn whole_data<T: DeserializeOwned, B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<T, Error> {
    data(response, PhantomData::<T>)
}

/// The `trace_id` response header, if present and readable.
pub fn trace_id<B>(response: &http::Response<B>) -> Option<String> {
    let value = response.headers().get("trace_id")?;
    value.to_str().ok().map(str::to_owned)
}

fn field<S, T, B>(response: &http::Response<B>, root_field: &str, seed: S) -> Result<T, Error>
where
    S: for<'de> DeserializeSeed<'de, Value = T> + Clone,
    B: AsRef<[u8]>,
{
    let field = data(
        response,
        RootField {
            name: root_field,
            seed,
        },
    )?;
    field.ok_or_else(|| decode_error(response, "data", format!("missing field `{root_field}`")))
}

/// Reads `data` with `seed` after checking the status and `errors`.
fn data<S, T, B>(response: &http::Response<B>, seed: S) -> Result<T, Error>
where
    S: for<'de> DeserializeSeed<'de, Value = T> + Clone,
    B: AsRef<[u8]>,
{
    let body = response.body().as_ref();
    let status = response.status();
    if !status.is_success() {
        return Err(Error::Http {
            status,
            body_excerpt: excerpt(body),
            retry_after: retry_after(response),
            trace_id: trace_id(response),
        });
    }
    // A pure cache: equal strings and RPMs of this body become one shared value.
    let _sharing = Scope::enter(body.len());
    // Checking UTF-8 once over the whole body is several times faster than serde_json checking
    // each string as it reads it. A body that is not UTF-8 goes the byte way, which accepts
    // exactly what it accepted before (bad bytes inside ignored values) and fails as before.
    let parsed = match std::str::from_utf8(body) {
        Ok(text) => parse(serde_json::Deserializer::from_str(text), seed.clone()),
        Err(_) => parse(serde_json::Deserializer::from_slice(body), seed.clone()),
    };
    match parsed {
        Ok(Envelope { errors, .. }) if !errors.is_empty() => Err(graphql_error(response, errors)),
        Ok(Envelope {
            data: Some(data), ..
        }) => Ok(data),
        Ok(Envelope { data: None, .. }) => Err(decode_error(
            response,
            "data",
            "neither `data` nor `errors` in the response".into(),
        )),
        Err(_) => Err(diagnose(response, seed)),
    }
}

/// Reads a whole body: the envelope, then nothing but whitespace.
fn parse<'b, R, S>(
    mut deserializer: serde_json::Deserializer<R>,
    seed: S,
) -> Result<Envelope<S::Value>, serde_json::Error>
where
    R: serde_json::de::Read<'b>,
    S: DeserializeSeed<'b>,
{
    let envelope = EnvelopeSeed(seed).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(envelope)
}

/// The slow path: finds GraphQL errors hidden behind undecodable data, or the JSON path of the
/// failure.
fn diagnose<S, B>(response: &http::Response<B>, seed: S) -> Error
where
    S: for<'de> DeserializeSeed<'de>,
    B: AsRef<[u8]>,
{
    let body = response.body().as_ref();
    #[derive(Deserialize)]
    struct Lenient {
        #[serde(default)]
        errors: Option<Vec<GraphQlError>>,
    }
    if let Ok(Lenient {
        errors: Some(errors),
    }) = serde_json::from_slice::<Lenient>(body)
        && !errors.is_empty()
    {
        return graphql_error(response, errors);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let mut track = serde_path_to_error::Track::new();
    let result = EnvelopeSeed(seed)
        .deserialize(serde_path_to_error::Deserializer::new(
            &mut deserializer,
            &mut track,
        ))
        .and_then(|_| deserializer.end());
    let source = match result {
        Err(source) => source,
        // Cannot happen (the fast path failed on the same bytes); stay typed all the same.
        Ok(()) => <serde_json::Error as de::Error>::custom("undecodable response"),
    };
    let path = track.path().to_string();
    Error::Decode {
        path: if path == "?" || path.is_empty() {
            ".".to_owned()
        } else {
            path
        },
        body_excerpt: excerpt(body),
        trace_id: trace_id(response),
        source,
    }
}

fn graphql_error<B: AsRef<[u8]>>(response: &http::Response<B>, errors: Vec<GraphQlError>) -> Error {
    #[derive(Deserialize)]
    struct PartialData {
        #[serde(default)]
        data: Option<serde_json::Value>,
    }
    let partial_data = serde_json::from_slice::<PartialData>(response.body().as_ref())
        .ok()
        .and_then(|partial| partial.data)
        .filter(|data| !data.is_null());
    Error::GraphQl {
        errors,
        partial_data,
        trace_id: trace_id(response),
    }
}

fn decode_error<B: AsRef<[u8]>>(
    response: &http::Response<B>,
    path: &str,
    message: String,
) -> Error {
    Error::Decode {
        path: path.to_owned(),
        body_excerpt: excerpt(response.body().as_ref()),
        trace_id: trace_id(response),
        source: <serde_json::Error as de::Error>::custom(message),
    }
}

fn pyxis_error(error: ResponseError, trace_id: Option<String>) -> Error {
    Error::Pyxis(PyxisError {
        status: error.status,
        detail: error.detail.unwrap_or_default(),
        trace_id,
    })
}

fn retry_after<B>(response: &http::Response<B>) -> Option<Duration> {
    let value = response.headers().get(http::header::RETRY_AFTER)?;
    // Only the delay-seconds form: the HTTP-date form would need a clock.
    let seconds: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The first bytes of a body, lossily decoded, cut at a character boundary.
fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(EXCERPT_BYTES)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if body.len() > EXCERPT_BYTES {
        text.push('…');
    }
    text
}

struct Envelope<D> {
    data: Option<D>,
    errors: Vec<GraphQlError>,
}

#[derive(Clone)]
struct EnvelopeSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for EnvelopeSeed<S> {
    type Value = Envelope<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for EnvelopeSeed<S> {
    type Value = Envelope<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GraphQL response object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seed = Some(self.0);
        let mut envelope = Envelope {
            data: None,
            errors: Vec::new(),
        };
        while let Some(key) = map.next_key_seed(KeyOf(&["data", "errors"]))? {
            match (key, seed.take()) {
                (Some(0), Some(data_seed)) => {
                    envelope.data = map.next_value_seed(NullOr(data_seed))?
                }
                (Some(0), None) => return Err(de::Error::duplicate_field("data")),
                (Some(_), unused) => {
                    seed = unused;
                    let errors: Option<Vec<GraphQlError>> = map.next_value()?;
                    envelope.errors = errors.unwrap_or_default();
                }
                (None, unused) => {
                    seed = unused;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

/// The Pyxis page wrapper `{data, error, page, page_size, total}`, each item read with `S`.
#[derive(Clone)]
struct PageSeed<S>(S);

struct PageAnswer<T> {
    page: Page<T>,
    error: Option<ResponseError>,
}

const PAGE_FIELDS: &[&str] = &["data", "error", "page", "page_size", "total"];

impl<'de, S: DeserializeSeed<'de> + Clone> DeserializeSeed<'de> for PageSeed<S> {
    type Value = PageAnswer<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: DeserializeSeed<'de> + Clone> Visitor<'de> for PageSeed<S> {
    type Value = PageAnswer<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page of results")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut answer = PageAnswer {
            page: Page::new(Vec::new(), None, None, None),
            error: None,
        };
        let mut seen = Seen::default();
        while let Some(key) = map.next_key_seed(KeyOf(PAGE_FIELDS))? {
            let Some(index) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            seen.first(index, PAGE_FIELDS)?;
            match index {
                0 => {
                    let items = map.next_value_seed(NullOr(Items(self.0.clone())))?;
                    answer.page.items = items.unwrap_or_default();
                }
                1 => answer.error = map.next_value()?,
                2 => answer.page.page = map.next_value()?,
                3 => answer.page.page_size = map.next_value()?,
                _ => answer.page.total = map.next_value()?,
            }
        }
        Ok(answer)
    }
}

/// A list, each element read with `S`.
struct Items<S>(S);

impl<'de, S: DeserializeSeed<'de> + Clone> DeserializeSeed<'de> for Items<S> {
    type Value = Vec<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, S: DeserializeSeed<'de> + Clone> Visitor<'de> for Items<S> {
    type Value = Vec<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(self.0.clone())? {
            items.push(item);
        }
        Ok(items)
    }
}

/// Reads `data` as an object and keeps only the value under one root field name, read with the
/// seed.
#[derive(Clone)]
struct RootField<'a, S> {
    name: &'a str,
    seed: S,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for RootField<'_, S> {
    type Value = Option<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for RootField<'_, S> {
    type Value = Option<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with the field `{}`", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut seed = Some(self.seed);
        let mut found = None;
        while let Some(key) = map.next_key_seed(KeyOf(&[self.name]))? {
            match (key, seed.take()) {
                (Some(_), Some(seed)) => found = Some(map.next_value_seed(seed)?),
                (_, unused) => {
                    seed = unused;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests;
