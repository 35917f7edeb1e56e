//! Responses into typed values: HTTP status, then GraphQL `errors`, then the Pyxis
//! `{data, error}` wrapper, then the data.
//!
//! The happy path parses the body once. Only when something is wrong does a slower second pass
//! find the JSON path of the failure and any GraphQL `errors` the first pass could not reach.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor,
};

use crate::error::{Error, GraphQlError, PyxisError};
use crate::model::{ResponseError, RpmNames};

mod context;

use context::{Context, Scope};
pub(crate) use context::{RpmList, intern};

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
    /// The number of matching items in all pages.
    pub total: Option<u64>,
}

#[derive(Deserialize)]
struct PaginatedResponse<T> {
    #[serde(default = "Option::default")]
    data: Option<Vec<T>>,
    #[serde(default)]
    error: Option<ResponseError>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    page_size: Option<u32>,
    #[serde(default)]
    total: Option<u64>,
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
/// let response = http::Response::new(body.to_vec());
/// let page: pyxis_gql::Page<pyxis_gql::model::ContainerRepository> =
///     pyxis_gql::decode::page(&response, "find_repositories", 1 << 20).unwrap();
/// assert_eq!(page.items[0].repository.as_deref(), Some("ubi9/ubi"));
/// assert_eq!(page.total, Some(1));
/// ```
pub fn page<T: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    root_field: &str,
    max_body_bytes: usize,
) -> Result<Page<T>, Error> {
    page_with(response, root_field, max_body_bytes, None)
}

/// [`page`], keeping only the RPMs called one of `keep_rpms` in every RPM list (`None` keeps
/// them all).
pub(crate) fn page_with<T: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    root_field: &str,
    max_body_bytes: usize,
    keep_rpms: Option<Arc<RpmNames>>,
) -> Result<Page<T>, Error> {
    let trace_id = trace_id(response);
    let wrapper: PaginatedResponse<T> = field(response, root_field, max_body_bytes, keep_rpms)?;
    if let Some(error) = wrapper.error {
        return Err(pyxis_error(error, trace_id));
    }
    Ok(Page {
        items: wrapper.data.unwrap_or_default(),
        page: wrapper.page,
        page_size: wrapper.page_size,
        total: wrapper.total,
    })
}

/// Decodes a single-object answer (`{data, error}`) under `root_field`. Pyxis's "not found"
/// (`error.status` 404) and a `null` object both read as `None`.
pub fn object<T: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    root_field: &str,
    max_body_bytes: usize,
) -> Result<Option<T>, Error> {
    let trace_id = trace_id(response);
    let wrapper: SingleResponse<T> = field(response, root_field, max_body_bytes, None)?;
    match wrapper.error {
        Some(error) if error.status == Some(404) => Ok(None),
        Some(error) => Err(pyxis_error(error, trace_id)),
        None => Ok(wrapper.data),
    }
}

/// Decodes the value of `root_field` as `T`, with no assumption about its shape.
pub fn root<T: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    root_field: &str,
    max_body_bytes: usize,
) -> Result<T, Error> {
    field(response, root_field, max_body_bytes, None)
}

fn field<T: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    root_field: &str,
    max_body_bytes: usize,
    keep_rpms: Option<Arc<RpmNames>>,
) -> Result<T, Error> {
    let field = data(
        response,
        RootField::<T> {
            name: root_field,
            item: PhantomData,
        },
        max_body_bytes,
        keep_rpms,
    )?;
    field.ok_or_else(|| decode_error(response, "data", format!("missing field `{root_field}`")))
}

/// Decodes the whole GraphQL `data` member as `T` (for a caller's own query).
pub fn whole_data<T: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
    max_body_bytes: usize,
) -> Result<T, Error> {
    data(response, PhantomData::<T>, max_body_bytes, None)
}

/// The `trace_id` response header, if present and readable.
pub fn trace_id<B>(response: &http::Response<B>) -> Option<String> {
    let value = response.headers().get("trace_id")?;
    value.to_str().ok().map(str::to_owned)
}

/// Reads `data` with `seed` after checking size, status and `errors`.
fn data<'b, S>(
    response: &'b http::Response<Vec<u8>>,
    seed: S,
    max_body_bytes: usize,
    keep_rpms: Option<Arc<RpmNames>>,
) -> Result<S::Value, Error>
where
    S: DeserializeSeed<'b> + Clone,
{
    let body = response.body().as_slice();
    if body.len() > max_body_bytes {
        return Err(Error::BodyTooLarge {
            limit: max_body_bytes,
            trace_id: trace_id(response),
        });
    }
    let status = response.status();
    if !status.is_success() {
        return Err(Error::Http {
            status,
            body_excerpt: excerpt(body),
            retry_after: retry_after(response),
            trace_id: trace_id(response),
        });
    }
    let _scope = Scope::enter(Context::new(body.len(), keep_rpms));
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
fn diagnose<'b, S: DeserializeSeed<'b>>(response: &'b http::Response<Vec<u8>>, seed: S) -> Error {
    let body = response.body().as_slice();
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

fn graphql_error(response: &http::Response<Vec<u8>>, errors: Vec<GraphQlError>) -> Error {
    #[derive(Deserialize)]
    struct PartialData {
        #[serde(default)]
        data: Option<serde_json::Value>,
    }
    let partial_data = serde_json::from_slice::<PartialData>(response.body())
        .ok()
        .and_then(|partial| partial.data)
        .filter(|data| !data.is_null());
    Error::GraphQl {
        errors,
        partial_data,
        trace_id: trace_id(response),
    }
}

fn decode_error(response: &http::Response<Vec<u8>>, path: &str, message: String) -> Error {
    Error::Decode {
        path: path.to_owned(),
        body_excerpt: excerpt(response.body()),
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
        while let Some(key) = map.next_key::<EnvelopeKey>()? {
            match (key, seed.take()) {
                (EnvelopeKey::Data, Some(data_seed)) => {
                    envelope.data = map.next_value_seed(NullOr(data_seed))?
                }
                (EnvelopeKey::Data, None) => return Err(de::Error::duplicate_field("data")),
                (EnvelopeKey::Errors, unused) => {
                    seed = unused;
                    let errors: Option<Vec<GraphQlError>> = map.next_value()?;
                    envelope.errors = errors.unwrap_or_default();
                }
                (EnvelopeKey::Other, unused) => {
                    seed = unused;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

enum EnvelopeKey {
    Data,
    Errors,
    Other,
}

impl<'de> Deserialize<'de> for EnvelopeKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = EnvelopeKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<EnvelopeKey, E> {
                Ok(match key {
                    "data" => EnvelopeKey::Data,
                    "errors" => EnvelopeKey::Errors,
                    _ => EnvelopeKey::Other,
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// `null` or whatever the inner seed reads.
struct NullOr<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for NullOr<S> {
    type Value = Option<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for NullOr<S> {
    type Value = Option<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a value")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

/// Reads `data` as an object and keeps only the value under one root field name.
struct RootField<'a, T> {
    name: &'a str,
    item: PhantomData<fn() -> T>,
}

impl<T> Clone for RootField<'_, T> {
    fn clone(&self) -> Self {
        Self {
            name: self.name,
            item: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for RootField<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for RootField<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with the field `{}`", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(is_root) = map.next_key_seed(KeyIs(self.name))? {
            if is_root && found.is_none() {
                found = Some(map.next_value::<T>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Compares a map key with a name without allocating.
struct KeyIs<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

#[cfg(test)]
mod tests;
