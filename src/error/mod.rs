//! One error type for everything that can go wrong between building a request and holding typed
//! data, and the errors it is made of.

mod config;
mod pagination;
mod response;
mod transport;

use std::fmt;
use std::time::Duration;

pub use config::ConfigError;
pub use pagination::PaginationError;
pub use response::{GraphQlError, Location, PyxisError};
pub use transport::{BoxError, TransportError};

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
    /// A timer ran out; `scope` says which one.
    #[error("timed out after {after:?} ({scope})")]
    Timeout {
        /// The limit that ran out.
        after: Duration,
        /// Which timer fired.
        scope: TimeoutScope,
    },
    /// Pages of one crawl disagree with each other (the data changed under the crawl, or the
    /// server repeated a page), so the result could be silently incomplete.
    #[error("inconsistent pagination: {0}")]
    Pagination(#[from] PaginationError),
    /// A call would return more items than [`ClientOptions::max_items`](crate::ClientOptions::max_items) allows.
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
    /// One chunk of a list split into chunks ([`ChunkedOperation`](crate::ChunkedOperation))
    /// failed, so the call has no complete answer. `chunk` indexes the operation's
    /// [`chunks`](crate::ChunkedOperation::chunks) at the client's chunk size, so the chunk can
    /// be rebuilt and asked again.
    #[error("chunk {chunk} (of chunks 0-{last}) failed: {source}", last = chunks.saturating_sub(1))]
    Chunk {
        /// The 0-based index of the failed chunk.
        chunk: usize,
        /// How many chunks the list was split into.
        chunks: usize,
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
    /// 408/429/500/502/503/504, timeouts, failed connects and connections closed early.
    ///
    /// ```
    /// use pyxis_gql::{Error, PyxisError};
    /// let timeout = Error::Pyxis(PyxisError::new(Some(500), "Unable to fetch data from MongoDB in time"));
    /// assert!(timeout.is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        self.retry_class().is_some()
    }

    /// How a retry should wait for this error, or `None` when sending the same call again
    /// cannot help (GraphQL validation errors, other 4xx, bodies that do not decode, a spent
    /// deadline).
    ///
    /// ```
    /// use pyxis_gql::{Error, PyxisError, RetryClass};
    /// let timeout = Error::Pyxis(PyxisError::new(Some(500), "Unable to fetch data from MongoDB in time"));
    /// assert_eq!(timeout.retry_class(), Some(RetryClass::DatabaseTimeout));
    /// ```
    pub fn retry_class(&self) -> Option<RetryClass> {
        let transient = match self {
            // 500 is retried as Pyxis answers some transient database failures with it.
            Self::Http { status, .. } => {
                matches!(status.as_u16(), 408 | 429 | 500 | 502 | 503 | 504)
            }
            Self::Pyxis(error) if error.is_transient() => {
                return Some(RetryClass::DatabaseTimeout);
            }
            Self::Transport(error) => error.is_transient(),
            Self::Timeout { scope, .. } => scope.is_transient(),
            Self::Incomplete { source, .. } | Self::Chunk { source, .. } => {
                return source.retry_class();
            }
            _ => false,
        };
        transient.then_some(RetryClass::Transient)
    }

    /// The `trace_id` response header of the response this error came from.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Http { trace_id, .. }
            | Self::GraphQl { trace_id, .. }
            | Self::Decode { trace_id, .. }
            | Self::BodyTooLarge { trace_id, .. } => trace_id.as_deref(),
            Self::Pyxis(error) => error.trace_id.as_deref(),
            Self::Incomplete { source, .. } | Self::Chunk { source, .. } => source.trace_id(),
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
            // One timeout variant for callers to match, whichever timer fired.
            TransportError::Timeout(after) => Self::Timeout {
                after,
                scope: TimeoutScope::Transport,
            },
            other => Self::Transport(other),
        }
    }
}

/// Which timer ended a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutScope {
    /// The transport's own timer: its connect timeout, or the timeout of an HTTP client the
    /// caller configured.
    Transport,
    /// One attempt ran past [`ClientOptions::attempt_timeout`](crate::ClientOptions::attempt_timeout);
    /// the request may be sent again.
    Attempt,
    /// The whole call, retries and pages included, ran past
    /// [`ClientOptions::deadline`](crate::ClientOptions::deadline).
    Deadline,
}

impl TimeoutScope {
    /// Whether a new attempt may still succeed: yes after a transport or attempt timeout, never
    /// after the deadline.
    pub fn is_transient(self) -> bool {
        !matches!(self, Self::Deadline)
    }
}

impl fmt::Display for TimeoutScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Transport => "transport",
            Self::Attempt => "attempt",
            Self::Deadline => "deadline",
        })
    }
}

/// The kinds of transient failure, each with its own backoff in a
/// [`RetryPolicy`](crate::RetryPolicy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// A failure on the way: connects, resets, timeouts, HTTP 408/429/500/502/503/504.
    Transient,
    /// Pyxis could not read its database in time ("unable to fetch data from MongoDB in
    /// time"): the database is overloaded, so retries wait longer.
    DatabaseTimeout,
}

pub(crate) struct TraceId<'a>(pub(crate) &'a Option<String>);

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
