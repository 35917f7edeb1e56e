//! One error type for everything that can go wrong between building a request and holding typed data.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::transport::TransportError;

/// The Pyxis detail text of its transient database timeout, answered inside an HTTP 200.
const MONGODB_TIMEOUT: &str = "unable to fetch data from mongodb in time";

/// Everything that can fail in a Pyxis call.
///
/// Each variant that comes from a response keeps the `trace_id` response header, which Pyxis
/// operators ask for. [`Error::is_transient`] says whether the same call may succeed if sent
/// again; every Pyxis query is a read, so a retry never changes anything on the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx HTTP status.
    #[error("HTTP {status}{}: {body_excerpt}", TraceId(trace_id))]
    Http {
        /// The status.
        status: http::StatusCode,
        /// The first few hundred bytes of the body, lossily decoded.
        body_excerpt: String,
        /// A `Retry-After` given in seconds.
        retry_after: Option<Duration>,
        /// The `trace_id` response header.
        trace_id: Option<String>,
    },
    /// The GraphQL layer reported `errors`; any `data` that came with them is kept.
    #[error("GraphQL error{}: {}", TraceId(trace_id), GraphQlMessages(errors))]
    GraphQl {
        /// The errors as the server listed them (never empty).
        errors: Vec<GraphQlError>,
        /// The `data` member that came with the errors, if not `null`.
        partial_data: Option<serde_json::Value>,
        /// The `trace_id` response header.
        trace_id: Option<String>,
    },
    /// Pyxis answered with its own `error {status, detail}` object.
    #[error(transparent)]
    Pyxis(#[from] PyxisError),
    /// The body is not the JSON this operation expects: malformed, truncated or of the wrong
    /// shape. `path` says where in the document decoding stopped.
    #[error("cannot decode the response at {path}{}: {source}", TraceId(trace_id))]
    Decode {
        /// The JSON path where decoding failed (`data.find_images.data[3].brew`).
        path: String,
        /// The first few hundred bytes of the body, lossily decoded.
        body_excerpt: String,
        /// The `trace_id` response header.
        trace_id: Option<String>,
        /// The parser's error; its line and column point into the body.
        #[source]
        source: serde_json::Error,
    },
    /// The body is larger than the configured cap.
    #[error(
        "response body larger than the {limit}-byte limit{}",
        TraceId(trace_id)
    )]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
        /// The `trace_id` response header.
        trace_id: Option<String>,
    },
    /// The transport could not deliver a response.
    #[error("transport failure: {0}")]
    Transport(#[source] TransportError),
    /// The client gave up waiting: one attempt ran past the request timeout (whether the client's
    /// timer or the transport's fired first), or the whole call ran past its deadline.
    #[error("timed out after {after:?} ({scope})")]
    Timeout {
        /// The limit that ran out.
        after: Duration,
        /// `"request"` or `"deadline"`.
        scope: &'static str,
    },
    /// Pages of one crawl disagree with each other (the data changed under the crawl, or the
    /// server repeated a page), so the result could be silently incomplete.
    #[error("inconsistent pagination: {0}")]
    Pagination(String),
    /// A call would return more items than [`Config::max_items`](crate::Config::max_items) allows.
    #[error("{found} items match, more than the limit of {limit} per call")]
    TooManyItems {
        /// The configured limit.
        limit: u64,
        /// The total the server reported, or the items received so far.
        found: u64,
    },
    /// A crawl stopped on an error after some pages had arrived. The pages it holds and the pages
    /// it lacks are listed so that nothing is mistaken for a complete result.
    #[error(
        "crawl incomplete: page {failed_page} failed, pages {} arrived, pages {} did not: {source}",
        PageList(received),
        PageList(missing)
    )]
    Incomplete {
        /// Pages that arrived whole, in order.
        received: Vec<u32>,
        /// The page that failed.
        failed_page: u32,
        /// Pages of the list that did not arrive, in order, the failed page included: every page
        /// up to the last one once the server has told the total, otherwise (no total) the pages
        /// requested so far.
        missing: Vec<u32>,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
    /// The operation's variables could not be serialized to JSON.
    #[error("cannot encode the request variables")]
    Encode(#[source] serde_json::Error),
}

impl Error {
    /// Whether the same call may succeed if sent again: the Pyxis MongoDB timeout, HTTP
    /// 429/502/503/504, timeouts, failed connects and connections closed early.
    ///
    /// ```
    /// use pyxis_gql::{Error, PyxisError};
    /// let timeout = Error::Pyxis(PyxisError::new(Some(500), "Unable to fetch data from MongoDB in time"));
    /// assert!(timeout.is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Http { status, .. } => matches!(status.as_u16(), 429 | 502 | 503 | 504),
            Self::Pyxis(error) => error.is_transient(),
            Self::Transport(error) => error.is_transient(),
            Self::Timeout { scope, .. } => *scope == "request",
            Self::Incomplete { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    /// The `trace_id` response header of the response this error came from.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Http { trace_id, .. }
            | Self::GraphQl { trace_id, .. }
            | Self::Decode { trace_id, .. }
            | Self::BodyTooLarge { trace_id, .. } => trace_id.as_deref(),
            Self::Pyxis(error) => error.trace_id.as_deref(),
            Self::Incomplete { source, .. } => source.trace_id(),
            _ => None,
        }
    }

    /// How long the server asked to wait before retrying (`Retry-After` in seconds).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether this is a decoding failure because the body ended early.
    pub fn is_truncated_body(&self) -> bool {
        matches!(self, Self::Decode { source, .. } if source.classify() == serde_json::error::Category::Eof)
    }
}

impl From<TransportError> for Error {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::BodyTooLarge { limit } => Self::BodyTooLarge {
                limit,
                trace_id: None,
            },
            // One timeout variant for callers to match, whichever timer fired first.
            TransportError::Timeout(after) => Self::Timeout {
                after,
                scope: "request",
            },
            other => Self::Transport(other),
        }
    }
}

/// The `error {status detail}` object Pyxis puts next to (or instead of) `data`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Pyxis error{}{}: {detail}", status.map(|s| format!(" {s}")).unwrap_or_default(), TraceId(trace_id))]
#[non_exhaustive]
pub struct PyxisError {
    /// The HTTP-like status Pyxis chose (404 for "not found", 500 for its own failures).
    pub status: Option<i64>,
    /// What went wrong, in Pyxis's words.
    pub detail: String,
    /// The `trace_id` response header.
    pub trace_id: Option<String>,
}

impl PyxisError {
    /// An error with this status and detail and no trace id.
    pub fn new(status: Option<i64>, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            trace_id: None,
        }
    }

    /// Whether this is the transient "unable to fetch data from MongoDB in time" failure.
    pub fn is_transient(&self) -> bool {
        self.detail.to_ascii_lowercase().contains(MONGODB_TIMEOUT)
    }

    /// Whether Pyxis says the requested object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

/// One entry of a GraphQL `errors` list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphQlError {
    /// The message.
    #[serde(default)]
    pub message: String,
    /// Where in the query document the error points.
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub locations: Vec<Location>,
    /// The response path of the failed field (`["find_images", "data", 0]`).
    #[serde(default, deserialize_with = "crate::model::null_as_default")]
    pub path: Vec<serde_json::Value>,
    /// Server-specific details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<serde_json::Value>,
}

/// A line and column in a query document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// 1-based line.
    #[serde(default)]
    pub line: u64,
    /// 1-based column.
    #[serde(default)]
    pub column: u64,
}

struct TraceId<'a>(&'a Option<String>);

impl fmt::Display for TraceId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (trace_id {id})"),
            None => Ok(()),
        }
    }
}

/// Page numbers as ranges: `0-2, 5, 7-8`.
struct PageList<'a>(&'a [u32]);

impl fmt::Display for PageList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let mut rest = self.0;
        let mut first = true;
        while let Some((&start, tail)) = rest.split_first() {
            let run = tail
                .iter()
                .zip(1..)
                .take_while(|&(&page, step)| Some(page) == start.checked_add(step))
                .count();
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            match run {
                0 => write!(f, "{start}")?,
                _ => write!(f, "{start}-{}", tail[run - 1])?,
            }
            rest = &tail[run..];
        }
        Ok(())
    }
}

struct GraphQlMessages<'a>(&'a [GraphQlError]);

impl fmt::Display for GraphQlMessages<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            f.write_str(&error.message)?;
            if !error.path.is_empty() {
                let path: Vec<String> = error
                    .path
                    .iter()
                    .map(|p| p.to_string().trim_matches('"').to_owned())
                    .collect();
                write!(f, " at {}", path.join("."))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::PageList;

    #[test]
    fn page_lists_print_as_ranges() {
        let shown = |pages: &[u32]| PageList(pages).to_string();
        assert_eq!(shown(&[]), "none");
        assert_eq!(shown(&[4]), "4");
        assert_eq!(shown(&[0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8");
        assert_eq!(shown(&[u32::MAX - 1, u32::MAX]), "4294967294-4294967295");
    }
}
