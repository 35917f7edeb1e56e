//! What the client tells `tracing` subscribers, behind the default-off `tracing` feature: a span
//! per call (the operation's name), a span per page request (page, attempt), events for each
//! retry (error kind, wait), for giving up, and for the end of a crawl (pages, items; the elapsed
//! time is the call span's own duration, which subscribers measure). A response's `trace_id` is
//! recorded when it has one. Nothing else of a request or response is recorded: no body, no
//! header, no credential. Without the feature every function here is empty.

use std::future::Future;
use std::time::Duration;

use crate::error::Error;

/// The span of one call, entered around each step of the call.
#[derive(Clone, Debug)]
pub(crate) struct CallSpan(#[cfg(feature = "tracing")] tracing::Span);

impl CallSpan {
    /// A span for a call of `operation` (its GraphQL operation name).
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn new(operation: &str) -> Self {
        Self(
            #[cfg(feature = "tracing")]
            tracing::info_span!(
                "pyxis.call",
                operation,
                attempt = tracing::field::Empty,
                trace_id = tracing::field::Empty
            ),
        )
    }

    /// `step`, inside this span.
    pub(crate) fn enter<F: Future>(&self, step: F) -> impl Future<Output = F::Output> {
        #[cfg(feature = "tracing")]
        {
            tracing::Instrument::instrument(step, self.0.clone())
        }
        #[cfg(not(feature = "tracing"))]
        {
            step
        }
    }
}

/// `request`, inside a span for page `page`.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn page<F: Future>(page: u32, request: F) -> impl Future<Output = F::Output> {
    #[cfg(feature = "tracing")]
    {
        let span = tracing::debug_span!(
            "pyxis.page",
            page,
            attempt = tracing::field::Empty,
            trace_id = tracing::field::Empty
        );
        tracing::Instrument::instrument(request, span)
    }
    #[cfg(not(feature = "tracing"))]
    {
        request
    }
}

/// An attempt begins, in the current call or page span.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn attempt(attempt: u32) {
    #[cfg(feature = "tracing")]
    tracing::Span::current().record("attempt", attempt);
}

/// A response arrived carrying `trace_id`.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn answered(trace_id: Option<&str>) {
    #[cfg(feature = "tracing")]
    if let Some(trace_id) = trace_id {
        tracing::Span::current().record("trace_id", trace_id);
    }
}

/// Attempt `attempt` failed with `error`; the next one follows after `wait`.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn retrying(error: &Error, attempt: u32, wait: Duration) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        error.kind = kind(error),
        error.trace_id = error.trace_id(),
        attempt,
        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        "retrying: {error}"
    );
}

/// Attempt `attempt` failed with `error`, and no other follows.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn giving_up(error: &Error, attempt: u32) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        error.kind = kind(error),
        error.trace_id = error.trace_id(),
        attempt,
        transient = error.is_transient(),
        "giving up: {error}"
    );
}

/// A crawl ended with every page: `pages` pages, `items` items.
#[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
pub(crate) fn crawl_done(pages: usize, items: u64) {
    #[cfg(feature = "tracing")]
    tracing::info!(pages, items, "crawl done");
}

/// The variant's name, for filtering by kind.
#[cfg(feature = "tracing")]
fn kind(error: &Error) -> &'static str {
    match error {
        Error::Http { .. } => "http",
        Error::GraphQl { .. } => "graphql",
        Error::Pyxis(_) => "pyxis",
        Error::Decode { .. } => "decode",
        Error::BodyTooLarge { .. } => "body_too_large",
        Error::Transport(_) => "transport",
        Error::Timeout { .. } => "timeout",
        Error::Pagination(_) => "pagination",
        Error::TooManyItems { .. } => "too_many_items",
        Error::Incomplete { .. } => "incomplete",
        Error::Chunk { .. } => "chunk",
        Error::Encode(_) => "encode",
    }
}
