//! The client over a scripted in-memory transport: retries, timeouts, fan-out and page order,
//! with no network and no runtime (a thread-parking executor drives it).

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_executor::block_on;
use futures_util::StreamExt;
use pyxis_gql::ops::{FindImagesByInstalledRpms, FindRepositories};
use pyxis_gql::{Client, Config, Error, RegistryPath, RetryPolicy, Transport, TransportError};
use serde_json::{Value, json};

/// Timers this long or longer never fire in these tests; the default request timeout is 60 s.
const HORIZON: Duration = Duration::from_secs(60);

enum Reply {
    Json(u16, Value),
    WithHeader(u16, &'static str, &'static str, Value),
    Hang,
    Fail(TransportError),
}

type Handler = Box<dyn Fn(usize, &Value) -> Reply + Send + Sync>;

/// Answers each request with `handler(call number, request body)` and records what it saw.
struct Scripted {
    handler: Handler,
    calls: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    sleeps: Mutex<Vec<Duration>>,
    bodies: Mutex<Vec<Value>>,
}

impl Scripted {
    fn new(handler: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static) -> Self {
        Self {
            handler: Box::new(handler),
            calls: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            sleeps: Mutex::new(Vec::new()),
            bodies: Mutex::new(Vec::new()),
        }
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }
    fn pages_asked(&self) -> Vec<u64> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["variables"]["page"].as_u64().unwrap())
            .collect()
    }
}

/// Lets other futures run `n` times, so that concurrent requests really overlap.
struct YieldTimes(u32);
impl Future for YieldTimes {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 == 0 {
            return Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[async_trait::async_trait]
impl Transport for Scripted {
    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        self.bodies.lock().unwrap().push(body.clone());
        YieldTimes(3).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let json = |status: u16, value: &Value| {
            http::Response::builder()
                .status(status)
                .header("trace_id", format!("t{call}"))
                .body(serde_json::to_vec(value).unwrap())
                .unwrap()
        };
        match (self.handler)(call, &body) {
            Reply::Json(status, value) => Ok(json(status, &value)),
            Reply::WithHeader(status, name, value, body) => {
                let mut response = json(status, &body);
                response.headers_mut().insert(name, value.parse().unwrap());
                Ok(response)
            }
            Reply::Hang => std::future::pending().await,
            Reply::Fail(error) => Err(error),
        }
    }

    /// Virtual time: short waits (backoff, short timeouts) pass at once; waits at or past the
    /// horizon never end, so the default request timeout never fires by accident.
    async fn sleep(&self, duration: Duration) {
        if duration >= HORIZON {
            return std::future::pending().await;
        }
        self.sleeps.lock().unwrap().push(duration);
    }
}

/// A `find_repositories` page out of `total` repositories named `r0`, `r1`, ...
fn repositories_page(body: &Value, total: usize) -> Value {
    let page = body["variables"]["page"].as_u64().unwrap() as usize;
    let size = body["variables"]["page_size"].as_u64().unwrap() as usize;
    let items: Vec<Value> = (page * size..((page + 1) * size).min(total))
        .map(|i| json!({"repository": format!("r{i}"), "registry": "reg"}))
        .collect();
    json!({"data": {"find_repositories": {"data": items, "page": page, "page_size": size, "total": total}}})
}

fn client(transport: Scripted, config: pyxis_gql::ConfigBuilder) -> Client<Scripted> {
    Client::new(transport, &config.build().unwrap())
}

fn names(repositories: &[pyxis_gql::model::ContainerRepository]) -> Vec<String> {
    repositories
        .iter()
        .map(|r| r.repository.clone().unwrap().into())
        .collect()
}

fn expected_names(total: usize) -> Vec<String> {
    (0..total).map(|i| format!("r{i}")).collect()
}

#[test]
fn a_crawl_fetches_the_rest_concurrently_and_keeps_page_order() {
    // Later pages answer faster than earlier ones would, so order must come from the client.
    let client = client(
        Scripted::new(|_, body| Reply::Json(200, repositories_page(body, 28))),
        Config::builder().page_size(3).page_concurrency(4),
    );
    let found = block_on(client.find_repositories(FindRepositories::new())).unwrap();
    assert_eq!(names(&found), expected_names(28));
    let transport = client.transport();
    assert_eq!(transport.calls(), 10, "ceil(28 / 3) pages, each asked once");
    let mut asked = transport.pages_asked();
    asked.sort();
    assert_eq!(asked, (0..10).collect::<Vec<_>>());
    let overlap = transport.max_in_flight.load(Ordering::SeqCst);
    assert_eq!(overlap, 4, "pages 1.. are fetched four at a time");
}

#[test]
fn the_stream_yields_items_in_page_order_and_ends() {
    let client = client(
        Scripted::new(|_, body| Reply::Json(200, repositories_page(body, 7))),
        Config::builder().page_size(2),
    );
    let streamed: Vec<String> = block_on(
        client
            .stream(FindRepositories::new())
            .map(|item| item.unwrap().repository.unwrap().into())
            .collect(),
    );
    assert_eq!(streamed, expected_names(7));
}

#[test]
fn transient_failures_are_retried_with_backoff() {
    let cases: Vec<(&str, Reply)> = vec![
        ("HTTP 503", Reply::Json(503, json!("busy"))),
        ("HTTP 429", Reply::Json(429, json!("slow down"))),
        (
            "MongoDB timeout inside a 200",
            Reply::Json(
                200,
                json!({"data": {"find_repositories": {"data": null, "error": {"status": 500, "detail": "Unable to fetch data from MongoDB in time"}}}}),
            ),
        ),
        (
            "connection reset",
            Reply::Fail(TransportError::ConnectionClosed("reset".into())),
        ),
        (
            "connect refused",
            Reply::Fail(TransportError::Connect("refused".into())),
        ),
    ];
    for (case, failure) in cases {
        let failure = Mutex::new(Some(failure));
        let client = client(
            Scripted::new(move |call, body| match call {
                0 => failure.lock().unwrap().take().unwrap(),
                _ => Reply::Json(200, repositories_page(body, 2)),
            }),
            Config::builder(),
        );
        let found = block_on(client.find_repositories(FindRepositories::new())).unwrap();
        assert_eq!(names(&found), expected_names(2), "{case}");
        assert_eq!(client.transport().calls(), 2, "{case}: retried once");
        assert_eq!(
            client.transport().sleeps(),
            [Duration::from_millis(200)],
            "{case}"
        );
    }
}

#[test]
fn non_transient_failures_are_not_retried() {
    type Check = fn(&Error) -> bool;
    let cases: Vec<(&str, Reply, Check)> = vec![
        (
            "HTTP 400",
            Reply::Json(400, json!("bad")),
            |e| matches!(e, Error::Http { status, .. } if status.as_u16() == 400),
        ),
        ("HTTP 500", Reply::Json(500, json!("oops")), |e| {
            matches!(e, Error::Http { .. })
        }),
        (
            "GraphQL errors",
            Reply::Json(200, json!({"errors": [{"message": "no"}], "data": null})),
            |e| matches!(e, Error::GraphQl { .. }),
        ),
        (
            "Pyxis 400",
            Reply::Json(
                200,
                json!({"data": {"find_repositories": {"error": {"status": 400, "detail": "bad filter"}}}}),
            ),
            |e| matches!(e, Error::Pyxis(p) if p.detail == "bad filter" && p.trace_id.as_deref() == Some("t0")),
        ),
        ("malformed JSON", Reply::Json(200, json!("{")), |e| {
            matches!(e, Error::Decode { .. })
        }),
        (
            "TLS",
            Reply::Fail(TransportError::Tls("bad cert".into())),
            |e| matches!(e, Error::Transport(TransportError::Tls(_))),
        ),
        (
            "body cap",
            Reply::Fail(TransportError::BodyTooLarge { limit: 10 }),
            |e| matches!(e, Error::BodyTooLarge { limit: 10, .. }),
        ),
    ];
    for (case, failure, check) in cases {
        let failure = Mutex::new(Some(failure));
        let client = client(
            Scripted::new(move |_, _| failure.lock().unwrap().take().unwrap()),
            Config::builder(),
        );
        let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
        assert!(check(&error), "{case}: {error:?}");
        assert_eq!(client.transport().calls(), 1, "{case}: sent once");
        assert!(client.transport().sleeps().is_empty(), "{case}");
    }
}

#[test]
fn retries_stop_after_the_last_attempt_and_honour_retry_after() {
    let client = client(
        Scripted::new(|_, _| Reply::WithHeader(503, "retry-after", "7", json!("busy"))),
        Config::builder().retry(RetryPolicy::default().max_attempts(4)),
    );
    let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    assert!(
        matches!(error, Error::Http { ref trace_id, .. } if trace_id.as_deref() == Some("t3")),
        "{error:?}"
    );
    assert_eq!(client.transport().calls(), 4);
    assert_eq!(client.transport().sleeps(), [Duration::from_secs(7); 3]);
}

#[test]
fn a_hanging_request_times_out_and_is_retried() {
    let client = client(
        Scripted::new(|_, _| Reply::Hang),
        Config::builder().request_timeout(Duration::from_secs(5)),
    );
    let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    assert!(
        matches!(error, Error::Timeout { scope: "request", after } if after == Duration::from_secs(5)),
        "{error:?}"
    );
    assert_eq!(client.transport().calls(), 3);
    let sleeps = client.transport().sleeps();
    let timeouts = sleeps
        .iter()
        .filter(|d| **d == Duration::from_secs(5))
        .count();
    assert_eq!(timeouts, 3, "each attempt raced a 5 s timer: {sleeps:?}");
}

#[test]
fn the_deadline_bounds_the_whole_call() {
    let client = client(
        Scripted::new(|_, _| Reply::Hang),
        Config::builder().deadline(Duration::from_secs(1)),
    );
    let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                scope: "deadline",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_transient());
}

#[test]
fn a_failed_page_reports_which_pages_arrived() {
    let client = client(
        Scripted::new(
            |_, body| match body["variables"]["page"].as_u64().unwrap() {
                2 => Reply::Json(400, json!("bad page")),
                _ => Reply::Json(200, repositories_page(body, 10)),
            },
        ),
        Config::builder().page_size(2).page_concurrency(2),
    );
    let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    match error {
        Error::Incomplete {
            received,
            failed_page,
            source,
            ..
        } => {
            assert_eq!(received, [0, 1]);
            assert_eq!(failed_page, 2);
            assert!(matches!(*source, Error::Http { .. }));
        }
        other => panic!("{other:?}"),
    }

    // The stream hands out what it had, then the error, then ends.
    let items: Vec<Result<_, _>> = block_on(client.stream(FindRepositories::new()).collect());
    assert_eq!(items.len(), 5);
    assert!(items[..4].iter().all(Result::is_ok));
    assert!(matches!(
        items[4],
        Err(Error::Incomplete { failed_page: 2, .. })
    ));
}

#[test]
fn a_total_that_changes_mid_crawl_fails_the_crawl() {
    let client = client(
        Scripted::new(|call, body| {
            Reply::Json(200, repositories_page(body, if call == 0 { 6 } else { 7 }))
        }),
        Config::builder().page_size(2),
    );
    let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    assert!(
        matches!(&error, Error::Incomplete { source, .. } if matches!(**source, Error::Pagination(_))),
        "{error:?}"
    );
}

#[test]
fn nothing_is_sent_for_an_empty_list() {
    let client = client(Scripted::new(|_, _| Reply::Hang), Config::builder());
    assert!(
        block_on(client.find_repositories_by_registry_paths([]))
            .unwrap()
            .is_empty()
    );
    assert!(
        block_on(client.find_images_by_nvrs(Vec::<String>::new(), true))
            .unwrap()
            .is_empty()
    );
    assert!(
        block_on(client.find_images_by_names(Vec::<String>::new()))
            .unwrap()
            .is_empty()
    );
    assert_eq!(client.transport().calls(), 0);
}

#[test]
fn missing_repositories_are_none() {
    let client = client(
        Scripted::new(|_, body| {
            let found = body["variables"]["repository"] == "there";
            Reply::Json(
                200,
                if found {
                    json!({"data": {"get_repository_by_registry_path": {"data": {"repository": "there"}, "error": null}}})
                } else {
                    json!({"data": {"get_repository_by_registry_path": {"data": null, "error": {"status": 404, "detail": "Not found"}}}})
                },
            )
        }),
        Config::builder(),
    );
    let get = |name: &str| {
        block_on(client.get_repository_by_registry_path(&RegistryPath::new("r", name))).unwrap()
    };
    assert_eq!(get("there").unwrap().repository.as_deref(), Some("there"));
    assert_eq!(get("gone"), None);
}

#[test]
fn rpm_searches_keep_only_the_rpms_asked_for() {
    let client = client(
        Scripted::new(|_, body| {
            assert_eq!(
                body["variables"]["page_size"], 50,
                "RPM searches use the small page size"
            );
            let rpms = json!([{"name": "openssl"}, {"name": "bash"}, {"name": "openssl-libs"}, {"name": null}]);
            Reply::Json(
                200,
                json!({"data": {"find_images": {"total": 1, "page": 0, "data": [
                    {"brew": {"build": "a-1-1"}, "edges": {"rpm_manifest": {"data": {"image_id": "i", "rpms": rpms}}}}
                ]}}}),
            )
        }),
        Config::builder(),
    );
    let images = block_on(
        client.find_images_by_installed_rpms(FindImagesByInstalledRpms::new([
            "openssl",
            "openssl-libs",
        ])),
    )
    .unwrap();
    let kept: Vec<_> = images[0].rpms().iter().map(|r| r.name().unwrap()).collect();
    assert_eq!(kept, ["openssl", "openssl-libs"]);
}

#[test]
fn gather_keeps_input_order_over_a_shared_client() {
    let client = client(
        Scripted::new(|_, body| {
            let repository = body["variables"]["repository"].as_str().unwrap().to_owned();
            Reply::Json(
                200,
                json!({"data": {"get_repository_by_registry_path": {"data": {"repository": repository}}}}),
            )
        }),
        Config::builder(),
    );
    let paths: Vec<RegistryPath> = (0..12)
        .map(|i| RegistryPath::new("reg", format!("repo-{i}")))
        .collect();
    let found = block_on(pyxis_gql::gather(
        paths
            .iter()
            .map(|p| client.get_repository_by_registry_path(p)),
        5,
    ));
    let got: Vec<String> = found
        .into_iter()
        .map(|r| r.unwrap().unwrap().repository.unwrap().into())
        .collect();
    assert_eq!(
        got,
        paths
            .iter()
            .map(|p| p.repository().to_owned())
            .collect::<Vec<_>>()
    );
    assert_eq!(client.transport().max_in_flight.load(Ordering::SeqCst), 5);
}
