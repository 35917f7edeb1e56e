//! A typed, sans-IO client core for Pyxis, the container-metadata GraphQL API.
//!
//! The crate is in two layers:
//!
//! - **The pure core** builds GraphQL requests as [`http::Request`] values and decodes
//!   [`http::Response`] bodies into typed results, with no IO, no runtime and no clock:
//!   operations ([`ops`]), the filter builder ([`filter`]), decoding ([`decode`]), pagination
//!   ([`Pages`]) and retry decisions ([`RetryPolicy`]).
//! - **[`Client`]** drives those over any [`Transport`]: retries, timeouts, and crawls whose
//!   remaining pages are fetched concurrently. Transports for tokio, smol and async-std live in
//!   the `pyxis-gql-tokio`, `pyxis-gql-smol` and `pyxis-gql-async-std` crates.
//!
//! Without any IO at all, an operation is a request and a decoder:
//!
//! ```
//! use pyxis_gql::{Config, Endpoint, Pages, ops::FindImagesByNvrs};
//!
//! let config = Config::builder().build().unwrap();
//! let mut crawl = Pages::new(FindImagesByNvrs::new(["foo-1-1"], false), &Endpoint::new(&config), &config);
//! let first = crawl.next_request().unwrap().unwrap();
//! let body: serde_json::Value = serde_json::from_slice(first.request.body()).unwrap();
//! assert_eq!(body["variables"]["filter"], serde_json::json!({"brew": {"build": {"in": ["foo-1-1"]}}}));
//!
//! // ...send `first.request` with any HTTP client, then feed the answer back:
//! let answer = br#"{"data":{"find_images":{"data":[{"brew":{"build":"foo-1-1"}}],"page":0,"page_size":200,"total":1}}}"#;
//! crawl.feed(first.page, &http::Response::new(answer.to_vec())).unwrap();
//! let images = crawl.pop_items().unwrap();
//! assert_eq!(images[0].nvr(), Some("foo-1-1"));
//! assert!(crawl.is_done());
//! ```
#![forbid(unsafe_code)]

mod client;
mod concurrent;
mod config;
pub mod decode;
mod error;
pub mod filter;
pub mod model;
mod operation;
pub mod ops;
mod pages;
mod retry;
mod secret;
mod transport;

pub use client::Client;
pub use concurrent::{as_completed, gather};
pub use config::{
    Config, ConfigBuilder, ConfigError, DEFAULT_ENDPOINT, DEFAULT_MAX_BODY_BYTES, MAX_PAGE_SIZE,
};
pub use decode::Page;
pub use error::{Error, GraphQlError, Location, PyxisError};
pub use model::{RegistryPath, RegistryPathError};
pub use operation::{Document, Endpoint, Operation, PageSize, PaginatedOperation};
pub use pages::{PageRequest, Pages};
pub use retry::{RetryDecision, RetryPolicy};
pub use secret::{ApiKey, Identity};
pub use transport::{BoxError, Transport, TransportError};
