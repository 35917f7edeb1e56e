//! Fault injection, table-driven, on every runtime adapter against the embedded loopback Pyxis
//! (HTTPS with a required client certificate).
//!
//! Every row of [`table::rows`] is injected five ways, each against a fresh server:
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
//! Outcomes, identical on tokio (reqwest), smol (hyper) and async-std (surf) except where noted
//! (run with `--nocapture` to see each adapter's own table):
//!
//! | fault | error kind | transient | retried? (attempts) | partial result returned as complete? |
//! |---|---|---|---|---|
//! | HTTP 500 | `Http` 500 | no | no (1) | no: `Incomplete`, stream 150 items + `Err` |
//! | HTTP 500, `Retry-After: 0` | `Http` 500 | no | no (1) | no |
//! | HTTP 502 / 503 / 504 | `Http` 502 / 503 / 504 | yes | yes (3); one-shot recovers | no |
//! | HTTP 502 / 503 / 504, `Retry-After: 0` | `Http`, `retry_after` 0 s | yes | yes (3) | no |
//! | HTTP 429 | `Http` 429 | yes | yes (3) | no |
//! | HTTP 429, `Retry-After: 1` | `Http` 429, `retry_after` 1 s | yes | yes (3), waits ≥ 1 s | no |
//! | HTTP 503, `Retry-After: 120` | `Http` 503 | yes | no (1): over `max_retry_after` | no |
//! | malformed JSON | `Decode` | no | no (1) | no |
//! | truncated JSON (complete HTTP framing) | `Decode`, EOF (`is_truncated_body`) | no | no (1) | no |
//! | empty body | `Decode`, EOF | no | no (1) | no |
//! | `data` a string | `Decode` at `data` | no | no (1) | no |
//! | GraphQL `errors`, no data | `GraphQl`, `partial_data: None` | no | no (1) | no |
//! | GraphQL `errors` + partial data | `GraphQl`, `partial_data: Some` | no | no (1) | no |
//! | Pyxis MongoDB timeout (in a 200) | `Pyxis` 500 | yes | yes (3) | no |
//! | connection closed before the response | `Transport(ConnectionClosed)` | yes | yes (3) | no |
//! | connection closed mid-body | `Transport(ConnectionClosed)` | yes | yes (3) | no |
//! | request read, never answered (300 ms timeout) | `Timeout` (client's `request` timer or the adapter's, whichever fires first) | yes | yes (3) | no |
//! | connection accepted, TLS never answered | `Timeout` | yes | yes (3 connections, 0 requests) | n/a (not page-targetable) |
//! | 1 GiB body, `Content-Length` | `BodyTooLarge` (refused at the header) | no | no (1) | no |
//! | 1 GiB body, chunked | `BodyTooLarge` (refused after 1 MiB read) | no | no (1) | no |
//! | 100 000-deep arrays as the items | `Decode` | no | no (1) | no |
//! | 100 000-deep arrays in `errors[0].extensions` | `Decode` (recursion limit) | no | no (1) | no |
//! | `total` changes at page 3 | `Pagination` | no | no (1) | no (crawl only) |
//! | page 3 answered with page 1, saying page 1 | `Pagination` ("asked for page 3, got page 1") | no | no (1) | no (crawl only) |
//! | page 3 answered with the short last page, renumbered 3 | `Pagination` (5 items where 50 are due) | no | no (1) | no (crawl only) |
//! | page 3 answered with page 1, renumbered 3 | **not detected** | – | – | **yes: `Ok` with 405 items, page 1 twice, page 3 missing** (see [`table::KNOWN_GAP`]) |

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
