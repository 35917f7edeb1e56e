//! The fault table and the five ways each row is injected; see the crate docs.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pyxis_gql::model::ContainerRepository;
use pyxis_gql::ops::FindRepositories;
use pyxis_gql::{
    Backoff, Client, Config, Error, Identity, RegistryPath, RetryPolicy, TimeoutScope,
    TransportError,
};
use pyxis_loopback::{Fault, LoopbackPyxis};
use serde_json::Value;

use crate::runtimes::Runtime;

/// Attempts per call (the default policy's).
const ATTEMPTS: usize = 3;
/// Items per page of the crawl: 405 repositories make pages 0–8, the last one of 5.
const PAGE_SIZE: u32 = 50;
/// The page a crawl fault hits.
const FAULTY_PAGE: u32 = 3;
/// Which test runs a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Status,
    RetryAfter,
    Body,
    Connection,
    Pagination,
}

/// How a row's misbehaviour is injected.
#[derive(Clone, Debug)]
enum Inject {
    /// A loopback fault, per request.
    Fault(Fault),
    /// A connection that is accepted and never answered (not even the TLS handshake).
    StalledConnection,
}

/// The error a row must produce.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Http(u16),
    GraphQl {
        partial: bool,
    },
    PyxisTransient,
    Decode,
    DecodeEof,
    DecodeAt(&'static str),
    BodyTooLarge,
    ConnectionClosed,
    Timeout,
    /// The `PaginationError` variant, and words of its message.
    Pagination(&'static str, &'static str),
}

impl Kind {
    fn matches(self, error: &Error) -> bool {
        match (self, error) {
            (Self::Http(code), Error::Http { status, .. }) => status.as_u16() == code,
            (Self::GraphQl { partial }, Error::GraphQl { partial_data, .. }) => {
                partial_data.is_some() == partial
            }
            (Self::PyxisTransient, Error::Pyxis(pyxis)) => pyxis.is_transient(),
            (Self::Decode, Error::Decode { .. }) => true,
            (Self::DecodeEof, error) => error.is_truncated_body(),
            (Self::DecodeAt(at), Error::Decode { path, .. }) => path == at,
            (Self::BodyTooLarge, Error::BodyTooLarge { limit, .. }) => *limit == BODY_CAP,
            (Self::ConnectionClosed, Error::Transport(TransportError::ConnectionClosed(_))) => true,
            (
                Self::Timeout,
                Error::Timeout {
                    scope: TimeoutScope::Attempt,
                    ..
                },
            ) => true,
            (Self::Pagination(variant, words), Error::Pagination(pagination)) => {
                format!("{pagination:?}").starts_with(variant)
                    && pagination.to_string().contains(words)
            }
            _ => false,
        }
    }
}

/// The body cap of every client here.
const BODY_CAP: usize = 1 << 20;

/// What a row is run through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Everything,
    /// Faults only a paginated crawl can show.
    CrawlOnly,
    /// Faults that cannot be aimed at one page.
    SingleOnly,
}

struct Row {
    name: &'static str,
    group: Group,
    inject: Inject,
    kind: Kind,
    transient: bool,
    retried: bool,
    scope: Scope,
    /// The request timeout: short only where a hang is the fault, so that a slow machine never
    /// times out a good answer (which would be retried and skew the counts).
    attempt_timeout: Duration,
    /// Whether to run the persistent modes (each costs two real `Retry-After` waits).
    persistent: bool,
}

const PATIENT: Duration = Duration::from_secs(20);
const IMPATIENT: Duration = Duration::from_millis(300);

fn row(name: &'static str, group: Group, fault: Fault, kind: Kind, transient: bool) -> Row {
    Row {
        name,
        group,
        inject: Inject::Fault(fault),
        kind,
        transient,
        retried: transient,
        scope: Scope::Everything,
        attempt_timeout: PATIENT,
        persistent: true,
    }
}

fn status(code: u16, retry_after: Option<u32>) -> Fault {
    Fault::Status { code, retry_after }
}

fn rows() -> Vec<Row> {
    use Group::*;
    let mut rows = Vec::new();
    for (name, code) in [("HTTP 400", 400), ("HTTP 404", 404)] {
        rows.push(row(
            name,
            Status,
            status(code, None),
            Kind::Http(code),
            false,
        ));
    }
    for (name, code) in [
        ("HTTP 408", 408),
        ("HTTP 500", 500),
        ("HTTP 502", 502),
        ("HTTP 503", 503),
        ("HTTP 504", 504),
        ("HTTP 429", 429),
    ] {
        rows.push(row(
            name,
            Status,
            status(code, None),
            Kind::Http(code),
            true,
        ));
    }
    for (name, code) in [
        ("HTTP 500, Retry-After: 0", 500),
        ("HTTP 502, Retry-After: 0", 502),
        ("HTTP 503, Retry-After: 0", 503),
        ("HTTP 504, Retry-After: 0", 504),
    ] {
        rows.push(row(
            name,
            Status,
            status(code, Some(0)),
            Kind::Http(code),
            true,
        ));
    }
    rows.extend([
        // One-shot only: the persistent modes would wait 2 × 1 s each, and the rows with
        // `Retry-After: 0` show the same retries.
        Row {
            persistent: false,
            ..row(
                "HTTP 429, Retry-After: 1",
                RetryAfter,
                status(429, Some(1)),
                Kind::Http(429),
                true,
            )
        },
        Row {
            retried: false,
            ..row(
                "HTTP 503, Retry-After: 120 (over max_retry_after)",
                Status,
                status(503, Some(120)),
                Kind::Http(503),
                true,
            )
        },
        row(
            "malformed JSON",
            Body,
            Fault::MalformedJson,
            Kind::Decode,
            false,
        ),
        row(
            "truncated JSON, complete HTTP framing",
            Body,
            Fault::TruncatedJson,
            Kind::DecodeEof,
            false,
        ),
        row("empty body", Body, Fault::EmptyBody, Kind::DecodeEof, false),
        row(
            "`data` a string",
            Body,
            Fault::WrongType,
            Kind::DecodeAt("data"),
            false,
        ),
        row(
            "GraphQL errors, no data",
            Body,
            Fault::GraphQlErrors {
                with_partial_data: false,
            },
            Kind::GraphQl { partial: false },
            false,
        ),
        row(
            "GraphQL errors with partial data",
            Body,
            Fault::GraphQlErrors {
                with_partial_data: true,
            },
            Kind::GraphQl { partial: true },
            false,
        ),
        row(
            "Pyxis MongoDB timeout in a 200",
            Body,
            Fault::MongoTimeout,
            Kind::PyxisTransient,
            true,
        ),
        row(
            "1 GiB body with Content-Length",
            Body,
            Fault::HugeBody { bytes: 1 << 30 },
            Kind::BodyTooLarge,
            false,
        ),
        row(
            "1 GiB body, chunked",
            Body,
            Fault::HugeStreamedBody { bytes: 1 << 30 },
            Kind::BodyTooLarge,
            false,
        ),
        row(
            "100 000-deep arrays as the items",
            Body,
            Fault::DeepNesting {
                depth: 100_000,
                in_errors: false,
            },
            Kind::Decode,
            false,
        ),
        row(
            "100 000-deep arrays in a GraphQL error",
            Body,
            Fault::DeepNesting {
                depth: 100_000,
                in_errors: true,
            },
            Kind::Decode,
            false,
        ),
        row(
            "connection closed before the response",
            Connection,
            Fault::ConnectionReset,
            Kind::ConnectionClosed,
            true,
        ),
        row(
            "connection closed mid-body",
            Connection,
            Fault::TruncatedBody,
            Kind::ConnectionClosed,
            true,
        ),
        Row {
            attempt_timeout: IMPATIENT,
            ..row(
                "request read, never answered",
                Connection,
                Fault::NoAnswer,
                Kind::Timeout,
                true,
            )
        },
        Row {
            inject: Inject::StalledConnection,
            scope: Scope::SingleOnly,
            attempt_timeout: IMPATIENT,
            ..row(
                "connection accepted, TLS never answered",
                Connection,
                Fault::NoAnswer,
                Kind::Timeout,
                true,
            )
        },
    ]);
    let crawl_only = |name, fault, kind| Row {
        scope: Scope::CrawlOnly,
        ..row(name, Pagination, fault, kind, false)
    };
    rows.extend([
        crawl_only(
            "`total` changes at page 3",
            Fault::ChangedTotal { delta: 1 },
            Kind::Pagination(
                "TotalChanged",
                "the total changed from 405 to 406 at page 3",
            ),
        ),
        crawl_only(
            "page 3 answered with page 1",
            Fault::RepeatPage {
                page: 1,
                renumber: false,
            },
            Kind::Pagination("WrongPage", "asked for page 3, got page 1"),
        ),
        crawl_only(
            "page 3 answered with the short last page, renumbered 3",
            Fault::RepeatPage {
                page: 8,
                renumber: true,
            },
            Kind::Pagination(
                "CountDisagreesWithTotal",
                "page 3 holds 5 items where the total 405 means 50",
            ),
        ),
        crawl_only(
            "page 3 answered empty, renumbered 3",
            Fault::RepeatPage {
                page: 9,
                renumber: true,
            },
            Kind::Pagination(
                "CountDisagreesWithTotal",
                "page 3 holds 0 items where the total 405 means 50",
            ),
        ),
        // Same length, total and page number as the real page 3: only the `_id` order tells.
        crawl_only(
            "page 3 answered with page 1, renumbered 3",
            Fault::RepeatPage {
                page: 1,
                renumber: true,
            },
            Kind::Pagination("Overlap", "page 3 overlaps page 2"),
        ),
    ]);
    rows
}

/// Runs every row of `group` on runtime `R` and prints its outcomes as a table.
pub(crate) fn run<R: Runtime>(runtime: &str, group: Group) {
    let mut table = String::from(
        "| fault | transient | single, persistent (attempts) | single, one-shot (attempts) | \
         crawl, persistent at page 3: fetch_all (attempts at page 3) | crawl, persistent: stream | \
         crawl, one-shot at page 3 |\n|---|---|---|---|---|---|---|\n",
    );
    for row in rows().into_iter().filter(|row| row.group == group) {
        let case = Case::<R> {
            runtime,
            row: &row,
            marker: std::marker::PhantomData,
        };
        let cells = [
            case.single_persistent(),
            case.single_one_shot(),
            case.crawl_persistent(),
            case.stream_persistent(),
            case.crawl_one_shot(),
        ];
        let transient = if row.transient { "yes" } else { "no" };
        let _ = writeln!(
            table,
            "| {} | {transient} | {} |",
            row.name,
            cells.join(" | ")
        );
    }
    eprintln!("\nfault table, {runtime}, {group:?}:\n{table}");
}

struct Case<'a, R> {
    runtime: &'a str,
    row: &'a Row,
    marker: std::marker::PhantomData<R>,
}

impl<R: Runtime> Case<'_, R> {
    fn context(&self, mode: &str) -> String {
        format!("{} / {} / {mode}", self.runtime, self.row.name)
    }

    fn client(&self, server: &LoopbackPyxis) -> Client<R::Transport> {
        let config = Config::builder()
            .endpoint(R::endpoint(server.url()))
            .add_root_certificate_pem(server.ca_pem())
            .identity(Identity::from_pem(
                server.client_cert_pem().into(),
                server.client_key_pem().into(),
            ))
            .retry(
                RetryPolicy::default()
                    .initial_backoff(Duration::from_millis(10))
                    .database_timeout_backoff(Backoff::new(
                        Duration::from_millis(20),
                        Duration::from_millis(40),
                    )),
            )
            .attempt_timeout(self.row.attempt_timeout)
            .max_body_bytes(BODY_CAP)
            .page_size(PAGE_SIZE)
            .page_concurrency(4)
            .build()
            .expect("a valid config");
        Client::from_config(
            R::transport(config.transport()).expect("a transport"),
            &config,
        )
    }

    /// Injects the row's fault `times` times: into any request, or into page `page` of the
    /// crawl.
    fn inject(&self, server: &LoopbackPyxis, times: usize, page: Option<u32>) {
        for _ in 0..times {
            match (&self.row.inject, page) {
                (Inject::Fault(fault), None) => server.push_fault(fault.clone()),
                (Inject::Fault(fault), Some(page)) => {
                    server.push_fault_for_page("find_repositories", page.into(), fault.clone())
                }
                (Inject::StalledConnection, _) => server.stall_connections(1),
            }
        }
    }

    /// Attempts the server saw: requests, or for a stalled connection, connections.
    fn attempts(&self, server: &LoopbackPyxis) -> usize {
        match self.row.inject {
            Inject::Fault(_) => server.request_count(),
            Inject::StalledConnection => server.connection_count(),
        }
    }

    fn expected_attempts(&self) -> usize {
        if self.row.retried { ATTEMPTS } else { 1 }
    }

    fn check_error(&self, mode: &str, error: &Error) {
        let context = self.context(mode);
        assert!(
            self.row.kind.matches(error),
            "{context}: expected {:?}, got {error:?}",
            self.row.kind
        );
        assert_eq!(
            error.is_transient(),
            self.row.transient,
            "{context}: {error:?}"
        );
    }

    fn single_persistent(&self) -> String {
        if self.row.scope == Scope::CrawlOnly || !self.row.persistent {
            return "n/a".into();
        }
        let server = LoopbackPyxis::start();
        let client = self.client(&server);
        self.inject(&server, ATTEMPTS, None);
        let path = some_repository(&server);
        let error = R::block_on(client.get_repository_by_registry_path(&path))
            .expect_err(&self.context("single, persistent"));
        self.check_error("single, persistent", &error);
        let attempts = self.attempts(&server);
        assert_eq!(
            attempts,
            self.expected_attempts(),
            "{}: attempts",
            self.context("single, persistent")
        );
        format!("{} ({attempts})", describe(&error))
    }

    fn single_one_shot(&self) -> String {
        if self.row.scope == Scope::CrawlOnly {
            return "n/a".into();
        }
        let server = LoopbackPyxis::start();
        let client = self.client(&server);
        self.inject(&server, 1, None);
        let path = some_repository(&server);
        let started = Instant::now();
        let found = R::block_on(client.get_repository_by_registry_path(&path));
        let context = self.context("single, one-shot");
        let outcome = match found {
            Ok(found) => {
                assert!(self.row.retried, "{context}: succeeded without a retry");
                assert_eq!(
                    found.and_then(|r| r.registry_path()),
                    Some(path),
                    "{context}"
                );
                if let Inject::Fault(Fault::Status {
                    retry_after: Some(wait),
                    ..
                }) = self.row.inject
                {
                    // The lower bound only: a wait is never shorter than asked.
                    let asked = Duration::from_secs(wait.into());
                    assert!(started.elapsed() >= asked, "{context}: Retry-After ignored");
                }
                "Ok".to_owned()
            }
            Err(error) => {
                assert!(!self.row.retried, "{context}: a retried fault must recover");
                self.check_error("single, one-shot", &error);
                describe(&error)
            }
        };
        let attempts = self.attempts(&server);
        let expected = if self.row.retried { 2 } else { 1 };
        assert_eq!(attempts, expected, "{context}: attempts");
        format!("{outcome} ({attempts})")
    }

    fn crawl_persistent(&self) -> String {
        if self.row.scope == Scope::SingleOnly || !self.row.persistent {
            return "n/a".into();
        }
        let server = LoopbackPyxis::start();
        let client = self.client(&server);
        self.inject(&server, ATTEMPTS, Some(FAULTY_PAGE));
        let context = self.context("crawl, persistent, fetch_all");
        let result = R::block_on(client.find_repositories(FindRepositories::new()));
        let error = result.expect_err(&context);
        self.check_incomplete(&server, &context, &error);
        let attempts = page_requests(&server, FAULTY_PAGE);
        assert_eq!(attempts, self.expected_attempts(), "{context}: attempts");
        format!("{} ({attempts} at page {FAULTY_PAGE})", describe(&error))
    }

    fn stream_persistent(&self) -> String {
        if self.row.scope == Scope::SingleOnly || !self.row.persistent {
            return "n/a".into();
        }
        let server = LoopbackPyxis::start();
        let client = self.client(&server);
        self.inject(&server, ATTEMPTS, Some(FAULTY_PAGE));
        let context = self.context("crawl, persistent, stream");
        let items: Vec<Result<ContainerRepository, Error>> =
            R::block_on(client.stream(FindRepositories::new()).collect());
        let ok = items.iter().take_while(|item| item.is_ok()).count();
        let before = (FAULTY_PAGE * PAGE_SIZE) as usize;
        assert_eq!(ok, before, "{context}: the items of the pages before");
        assert_eq!(
            items.len(),
            before + 1,
            "{context}: one error, then the end"
        );
        let good: Vec<ContainerRepository> = items[..ok]
            .iter()
            .map(|item| item.as_ref().expect("ok").clone())
            .collect();
        assert_eq!(paths(&good), redhat_paths(&server)[..before], "{context}");
        let error = items[ok].as_ref().expect_err(&context);
        self.check_incomplete(&server, &context, error);
        format!("{ok} items, then Err")
    }

    fn crawl_one_shot(&self) -> String {
        if self.row.scope == Scope::SingleOnly {
            return "n/a".into();
        }
        let server = LoopbackPyxis::start();
        let client = self.client(&server);
        self.inject(&server, 1, Some(FAULTY_PAGE));
        let context = self.context("crawl, one-shot");
        let result = R::block_on(client.find_repositories(FindRepositories::new()));
        let attempts = page_requests(&server, FAULTY_PAGE);
        let outcome = match result {
            Ok(found) => {
                assert!(self.row.retried, "{context}: succeeded without a retry");
                assert_eq!(paths(&found), redhat_paths(&server), "{context}");
                format!("Ok, all {} items", found.len())
            }
            Err(error) => {
                assert!(!self.row.retried, "{context}: a retried fault must recover");
                self.check_incomplete(&server, &context, &error);
                describe(&error)
            }
        };
        let expected = if self.row.retried { 2 } else { 1 };
        assert_eq!(
            attempts, expected,
            "{context}: attempts at page {FAULTY_PAGE}"
        );
        format!("{outcome} ({attempts} at page {FAULTY_PAGE})")
    }

    /// A crawl interrupted at [`FAULTY_PAGE`]: which pages it had, which it did not, and why.
    fn check_incomplete(&self, server: &LoopbackPyxis, context: &str, error: &Error) {
        let total = u32::try_from(redhat(server).count()).expect("a small dataset");
        let last = total.div_ceil(PAGE_SIZE) - 1;
        match error {
            Error::Incomplete {
                received,
                failed_page,
                missing,
                source,
            } => {
                assert_eq!(*received, (0..FAULTY_PAGE).collect::<Vec<_>>(), "{context}");
                assert_eq!(*failed_page, FAULTY_PAGE, "{context}");
                assert_eq!(
                    *missing,
                    (FAULTY_PAGE..=last).collect::<Vec<_>>(),
                    "{context}"
                );
                self.check_error(context, source);
                assert_eq!(error.is_transient(), source.is_transient(), "{context}");
                let shown = error.to_string();
                assert!(
                    shown.contains(&format!(
                        "page {FAULTY_PAGE} failed, pages 0-{} arrived, pages {FAULTY_PAGE}-{last} did not",
                        FAULTY_PAGE - 1
                    )),
                    "{context}: {shown}"
                );
            }
            other => panic!("{context}: expected Incomplete, got {other:?}"),
        }
    }
}

/// The error's kind and what matters about it, for the table.
fn describe(error: &Error) -> String {
    match error {
        Error::Http {
            status,
            retry_after,
            ..
        } => match retry_after {
            Some(wait) => format!("Http {} (retry_after {wait:?})", status.as_u16()),
            None => format!("Http {}", status.as_u16()),
        },
        Error::GraphQl { partial_data, .. } => match partial_data {
            Some(_) => "GraphQl + partial_data".into(),
            None => "GraphQl".into(),
        },
        Error::Pyxis(pyxis) => format!("Pyxis {:?} (transient)", pyxis.status.unwrap_or(0)),
        Error::Decode { path, .. } => {
            let eof = if error.is_truncated_body() {
                " (EOF)"
            } else {
                ""
            };
            match path.char_indices().nth(40) {
                Some((cut, _)) => format!("Decode at {}…{eof}", &path[..cut]),
                None => format!("Decode at {path}{eof}"),
            }
        }
        Error::BodyTooLarge { .. } => "BodyTooLarge".into(),
        Error::Transport(transport) => {
            let debug = format!("{transport:?}");
            let variant = debug.split(['(', ' ', '{']).next().unwrap_or("?");
            format!("Transport::{variant}")
        }
        Error::Timeout { scope, .. } => format!("Timeout {{ scope: {scope:?} }}"),
        Error::Pagination(_) => "Pagination".into(),
        Error::Incomplete { source, .. } => format!("Incomplete({})", describe(source)),
        other => format!("{other:?}"),
    }
}

fn some_repository(server: &LoopbackPyxis) -> RegistryPath {
    redhat_paths(server)[0].parse().expect("a registry path")
}

fn redhat(server: &LoopbackPyxis) -> impl Iterator<Item = &Value> {
    server
        .dataset()
        .repositories
        .iter()
        .filter(|r| r["vendor_label"] == "redhat")
}

/// The vendor's repositories, as `registry/repository`, in crawl (`_id`) order.
fn redhat_paths(server: &LoopbackPyxis) -> Vec<String> {
    redhat(server)
        .map(|r| {
            format!(
                "{}/{}",
                r["registry"].as_str().unwrap_or_default(),
                r["repository"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

fn paths(found: &[ContainerRepository]) -> Vec<String> {
    found
        .iter()
        .map(|r| r.registry_path().expect("both parts").to_string())
        .collect()
}

/// How many requests asked for `page` of the crawl.
fn page_requests(server: &LoopbackPyxis, page: u32) -> usize {
    server
        .requests()
        .iter()
        .filter(|seen| seen.root_field.as_deref() == Some("find_repositories"))
        .filter(|seen| {
            seen.json
                .as_ref()
                .and_then(|json| json.pointer("/variables/page"))
                .and_then(Value::as_u64)
                == Some(page.into())
        })
        .count()
}
