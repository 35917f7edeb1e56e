//! Fault injection, table-driven, on every runtime adapter against the embedded loopback Pyxis
//! (HTTPS with a required client certificate).
//!
//! Every row of the table in `table.rs` is injected five ways, each against a fresh server:
//!
//! - **single, persistent**: `get_repository_by_registry_path` while every attempt is faulted:
//!   the error kind, whether it is transient, and how many attempts the server saw (3 when
//!   retried, 1 when not);
//! - **single, one-shot**: one faulted attempt, then good answers: a retried fault recovers
//!   (`Ok` after 2 requests), any other fails after 1;
//! - **crawl, persistent, `fetch_all`**: `find_repositories` (405 repositories, pages of 50, so
//!   pages 0–8) with every attempt at page 3 faulted: always `Err(Error::Incomplete { received:
//!   [0, 1, 2], failed_page: 3, missing: [3..=8], source })`, never a shorter `Ok`;
//! - **crawl, persistent, `stream`**: exactly the 150 items of pages 0–2, then one `Err`, then
//!   the end;
//! - **crawl, one-shot**: a retried fault recovers with all 405 items, in order; any other fails
//!   as above.
//!
//! Outcomes (run with `--nocapture` for each adapter's own, fuller table). They are the same on
//! tokio (reqwest), smol (hyper) and async-std (surf): when a request is never answered, the
//! client's attempt timer (the only one; transports time connecting alone) gives
//! `Error::Timeout { scope: TimeoutScope::Attempt }`, a transient timeout. "Partial result as complete" means a shorter or
//! otherwise wrong `Ok`: under every fault, `fetch_all` returns
//! `Err(Incomplete { received: [0, 1, 2], failed_page: 3, missing: [3..=8], .. })` and the
//! stream yields the 150 items of pages 0–2, then that error, then ends.
//!
//! | fault | error kind | transient | retried? (attempts when persistent; one-shot) | partial result as complete? |
//! |---|---|---|---|---|
//! | HTTP 400 / 404 | `Http` 400 / 404 | no | no (1) | no |
//! | HTTP 408 / 500 / 502 / 503 / 504 / 429 | `Http` 408 / 500 / 502 / 503 / 504 / 429 | yes | yes (3; one-shot recovers after 2) | no |
//! | HTTP 500 / 502 / 503 / 504, `Retry-After: 0` | `Http`, `retry_after` 0 s | yes | yes (3; recovers after 2) | no |
//! | HTTP 429, `Retry-After: 1` (one-shot only) | `Http` 429, `retry_after` 1 s | yes | yes, after waiting ≥ 1 s (recovers after 2) | no |
//! | HTTP 503, `Retry-After: 120` | `Http` 503, `retry_after` 120 s | yes | no (1): over `max_retry_after` (60 s) | no |
//! | malformed JSON | `Decode` | no | no (1) | no |
//! | truncated JSON, complete HTTP framing | `Decode`, EOF (`is_truncated_body`) | no | no (1) | no |
//! | empty body | `Decode` at `.`, EOF | no | no (1) | no |
//! | `data` a string | `Decode` at `data` | no | no (1) | no |
//! | GraphQL `errors`, `data: null` | `GraphQl`, `partial_data: None` | no | no (1) | no |
//! | GraphQL `errors` + partial data | `GraphQl`, `partial_data: Some` | no | no (1) | no |
//! | Pyxis MongoDB timeout (inside a 200) | `Pyxis` 500 | yes | yes (3; recovers after 2) | no |
//! | 1 GiB body with `Content-Length` | `BodyTooLarge` (refused at the header) | no | no (1) | no |
//! | 1 GiB body, chunked | `BodyTooLarge` (refused after 1 MiB read) | no | no (1) | no |
//! | 100 000-deep arrays as the items | `Decode` (type error at the first level) | no | no (1) | no |
//! | 100 000-deep arrays in `errors[0].extensions` | `Decode` (recursion limit at depth 128) | no | no (1) | no |
//! | connection closed before the response | `Transport(ConnectionClosed)` | yes | yes (3; recovers after 2) | no |
//! | connection closed mid-body | `Transport(ConnectionClosed)` | yes | yes (3; recovers after 2) | no |
//! | request read, never answered (300 ms timeout) | `Timeout { scope: Attempt }` | yes | yes (3; recovers after 2) | no |
//! | connection accepted, TLS never answered (single call only) | as above | yes | yes (3 connections, 0 requests; recovers after 2) | n/a |
//! | `total` changes at page 3 (crawl only) | `Pagination` ("the total changed from 405 to 406 at page 3") | no | no (1) | no |
//! | page 3 answered with page 1, saying page 1 | `Pagination` ("asked for page 3, got page 1") | no | no (1) | no |
//! | page 3 answered with the short last page, saying page 3 | `Pagination` ("page 3 holds 5 items where the total 405 means 50") | no | no (1) | no |
//! | page 3 answered with an empty page, saying page 3 | `Pagination` ("page 3 holds 0 items ...") | no | no (1) | no |
//! | page 3 answered with page 1, saying page 3 | `Pagination` ("page 3 overlaps page 2": the `_id` order) | no | no (1) | no |

#[path = "../adapters/runtimes.rs"]
mod runtimes;
mod table;

/// Instantiates the fault table for one runtime, one test per group of rows so that they run
/// in parallel.
macro_rules! faults_for {
    ($module:ident, $runtime:ty) => {
        mod $module {
            use super::table::{self, Group};

            #[test]
            fn http_status_faults() {
                table::run::<$runtime>(stringify!($module), Group::Status);
            }
            #[test]
            fn retry_after_is_honoured() {
                table::run::<$runtime>(stringify!($module), Group::RetryAfter);
            }
            #[test]
            fn body_faults() {
                table::run::<$runtime>(stringify!($module), Group::Body);
            }
            #[test]
            fn connection_faults() {
                table::run::<$runtime>(stringify!($module), Group::Connection);
            }
            #[test]
            fn pagination_faults() {
                table::run::<$runtime>(stringify!($module), Group::Pagination);
            }
        }
    };
}

faults_for!(tokio, crate::runtimes::Tokio);
faults_for!(smol, crate::runtimes::Smol);
faults_for!(async_std, crate::runtimes::AsyncStd);
