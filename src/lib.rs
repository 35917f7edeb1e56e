//! A typed, sans-IO client core for Pyxis, the container-metadata GraphQL API.
//!
//! The crate is in two layers:
//!
//! - **The pure core** builds GraphQL requests as [`http::Request`] values and decodes
//!   [`http::Response`] bodies into typed results, with no IO, no runtime and no clock:
//!   operations ([`ops`], on the [`Query`] trait family), the filter builder ([`filter`]),
//!   decoding ([`decode`]), pagination ([`Pages`]) and retry decisions ([`RetryPolicy`]).
//! - **[`Client`]** drives those over any [`Transport`]: retries, timeouts, and crawls whose
//!   remaining pages are fetched concurrently. Transports for tokio, smol and async-std live in
//!   the `pyxis-gql-tokio`, `pyxis-gql-smol` and `pyxis-gql-async-std` crates.
//!
//! Each layer has its own settings, built and checked on their own: an [`Endpoint`] (where
//! requests go, with which headers), [`TransportOptions`] (TLS, connect timeout, body cap) and
//! [`ClientOptions`] (retries, timeouts, page sizes, concurrency). [`Config`] builds all three
//! from one builder.
//!
//! Without any IO at all, an operation is a request and a decoder:
//!
//! ```
//! use pyxis_gql::{ClientOptions, Endpoint, Pages, ops::FindImagesByNvrs};
//!
//! let mut crawl = Pages::new(
//!     FindImagesByNvrs::new(["foo-1-1"], false),
//!     &Endpoint::default(),
//!     &ClientOptions::default(),
//! );
//! let first = crawl.next_request().unwrap().unwrap();
//! let body: serde_json::Value = serde_json::from_slice(first.request.body()).unwrap();
//! assert_eq!(body["variables"]["filter"], serde_json::json!({"brew": {"build": {"in": ["foo-1-1"]}}}));
//!
//! // ...send `first.request` with any HTTP client, then feed the answer back:
//! let answer = br#"{"data":{"find_images":{"data":[{"brew":{"build":"foo-1-1"}}],"page":0,"page_size":200,"total":1}}}"#;
//! crawl.feed(first.page, &http::Response::new(&answer[..])).unwrap();
//! let images = crawl.pop_items().unwrap();
//! assert_eq!(images[0].nvr(), Some("foo-1-1"));
//! assert!(crawl.is_done());
//! ```
//!
//! # Tracing
//!
//! With the `tracing` feature (off by default), the client reports to `tracing` subscribers: a
//! `pyxis.call` span per call (its operation name), a `pyxis.page` span per page request (page,
//! attempt), a `WARN` event for each retry (error kind, wait) and for giving up, and an `INFO`
//! event at the end of a crawl (pages, items; the elapsed time is the call span's duration).
//! A response's `trace_id` is recorded on its span. No body, header or credential is recorded
//! at any level.
#![forbid(unsafe_code)]

pub mod cache;
mod chunks;
mod client;
mod concurrent;
mod config;
pub mod decode;
mod endpoint;
mod error;
pub mod filter;
mod lookups;
pub mod model;
pub mod nvr;
mod operation;
pub mod ops;
mod options;
mod pages;
mod retry;
mod secret;
mod seed;
mod trace;
mod transport;

/// The `bytes` crate, whose `Bytes` carries request and response bodies.
pub use bytes;
/// The `http` crate, whose request and response types are this crate's interface.
pub use http;

pub use chunks::{ChunkedOperation, merge_chunks};
pub use client::Client;
pub use concurrent::{as_completed, gather};
pub use config::{Config, ConfigBuilder};
pub use decode::Page;
pub use endpoint::{DEFAULT_ENDPOINT, Endpoint, EndpointBuilder};
pub use error::{
    ConfigError, Error, GraphQlError, Location, PaginationError, PyxisError, RetryClass,
    TimeoutScope,
};
pub use model::{RegistryPath, RegistryPathError};
pub use operation::{
    Document, Operation, OperationKind, PaginatedOperation, Query, SortBy, SortOrder,
};
pub use options::{ClientOptions, ClientOptionsBuilder, MAX_PAGE_SIZE, PageSize};
pub use pages::{PageRequest, Pages};
pub use retry::{Backoff, RetryDecision, RetryPolicy};
pub use secret::{ApiKey, Identity};
pub use transport::{
    BoxError, DEFAULT_MAX_BODY_BYTES, Transport, TransportError, TransportOptions,
    TransportOptionsBuilder,
};
pub use transport::{
    HTTPS_PROXY_VARIABLES, NO_PROXY_VARIABLES, NoProxy, Proxy, ProxyCredentials, ProxyPolicy,
};
