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
use pyxis_gql::bytes::Bytes;
use pyxis_gql::ops::{FindImagesByInstalledRpms, FindRepositories};
use pyxis_gql::{
    Client, Config, Error, RegistryPath, RetryPolicy, TimeoutScope, Transport, TransportError,
};
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
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
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
                .body(Bytes::from(serde_json::to_vec(value).unwrap()))
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
    Client::from_config(transport, &config.build().unwrap())
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
        ("HTTP 408", Reply::Json(408, json!("request timeout"))),
        ("HTTP 500", Reply::Json(500, json!("oops"))),
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
        (
            "HTTP 404",
            Reply::Json(404, json!("no such path")),
            |e| matches!(e, Error::Http { status, .. } if status.as_u16() == 404),
        ),
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
        Config::builder().attempt_timeout(Duration::from_secs(5)),
    );
    let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    assert!(
        matches!(error, Error::Timeout { scope: TimeoutScope::Attempt, after } if after == Duration::from_secs(5)),
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
                scope: TimeoutScope::Deadline,
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
    // Any request would fail the call at once (not retried), rather than hang it.
    let client = client(
        Scripted::new(|_, _| Reply::Fail(TransportError::Tls("no request expected".into()))),
        Config::builder(),
    );
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
            let page = &body["variables"]["page"];
            // One image: page 0 holds it, the pages asked for ahead are empty.
            let data = if page == 0 {
                json!([{"brew": {"build": "a-1-1"}, "edges": {"rpm_manifest": {"data": {"image_id": "i", "rpms": rpms}}}}])
            } else {
                json!([])
            };
            Reply::Json(
                200,
                json!({"data": {"find_images": {"page": page, "data": data}}}),
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

/// The root field a request asks for: the first word after the first `{` of its query.
fn root_field(body: &Value) -> String {
    let query = body["query"].as_str().unwrap();
    let after = &query[query.find('{').unwrap() + 1..];
    after
        .trim_start()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap()
        .to_owned()
}

/// Answers any image or repository query with two items whose builds (or repositories) name the
/// root field they came from, so a test sees both the items and where they were asked.
fn echo_root_field() -> Scripted {
    Scripted::new(|_, body| {
        let root = root_field(body);
        let items = if root.contains("repositor") {
            json!([{"_id": "a", "repository": format!("{root}-0"), "registry": "reg"},
                   {"_id": "b", "repository": format!("{root}-1"), "registry": "reg"}])
        } else {
            json!([{"_id": "a", "brew": {"build": format!("{root}-0")}},
                   {"_id": "b", "brew": {"build": format!("{root}-1")}}])
        };
        Reply::Json(
            200,
            json!({"data": {root: {"data": items, "page": 0, "page_size": 50, "total": 2}}}),
        )
    })
}

#[test]
fn each_convenience_method_returns_the_items_of_its_own_query() {
    use pyxis_gql::model::ContainerImage;
    use pyxis_gql::ops::FindImagesByRepository;
    let client = client(echo_root_field(), Config::builder());
    let builds = |images: Result<Vec<ContainerImage>, Error>| -> Vec<String> {
        images
            .unwrap()
            .iter()
            .map(|i| i.nvr().unwrap().to_owned())
            .collect()
    };
    let both = |root: &str| vec![format!("{root}-0"), format!("{root}-1")];

    assert_eq!(
        builds(block_on(client.find_images_by_nvr("a-1-1", true))),
        both("find_images_by_nvr")
    );
    assert_eq!(
        builds(block_on(
            client.find_images_by_nvrs(["a-1-1", "b-1-1"], false)
        )),
        both("find_images")
    );
    assert_eq!(
        builds(block_on(client.find_images_by_names(["a"]))),
        both("find_images")
    );
    assert_eq!(
        builds(block_on(client.find_images_by_repository(
            FindImagesByRepository::new("ns/r")
        ))),
        both("find_images")
    );
    assert_eq!(
        names(&block_on(client.find_repositories(FindRepositories::new())).unwrap()),
        both("find_repositories")
    );
    assert_eq!(
        names(&block_on(client.find_repositories_by_repository_name("r")).unwrap()),
        both("find_repositories")
    );
    assert_eq!(
        names(
            &block_on(client.find_repositories_by_registry_paths([RegistryPath::new("reg", "r")]))
                .unwrap()
        ),
        both("find_repositories")
    );
    assert_eq!(client.transport().calls(), 7);
}

/// The MongoDB timeout Pyxis reports inside a 200.
fn database_timeout() -> Reply {
    Reply::Json(
        200,
        json!({"data": {"find_repositories": {"data": null, "error": {"status": 500, "detail": "Pyxis API was unable to fetch data from MongoDB in time"}}}}),
    )
}

#[test]
fn each_retry_class_waits_its_own_backoff() {
    // Failures on the way and database timeouts in one call: each retry waits by the backoff
    // of its own class.
    let script = |call: usize, body: &Value| match call {
        0 => Reply::Json(503, json!("busy")),
        1 | 2 => database_timeout(),
        3 => Reply::Fail(TransportError::ConnectionClosed("reset".into())),
        _ => Reply::Json(200, repositories_page(body, 3)),
    };
    let client = client(
        Scripted::new(script),
        Config::builder().retry(
            RetryPolicy::default()
                .max_attempts(5)
                .database_timeout_backoff(pyxis_gql::Backoff::new(
                    Duration::from_secs(30),
                    Duration::from_secs(45),
                )),
        ),
    );
    let found = block_on(client.find_repositories(FindRepositories::new())).unwrap();
    assert_eq!(names(&found), expected_names(3));
    assert_eq!(client.transport().calls(), 5);
    // The n-th attempt's wait is its class's first wait doubled n - 1 times, under its cap.
    let ms = Duration::from_millis;
    assert_eq!(
        client.transport().sleeps(),
        [ms(200), ms(45_000), ms(45_000), ms(1_600)]
    );
}

#[test]
fn database_timeouts_are_retried_with_their_own_backoff_then_reported() {
    let client = client(
        Scripted::new(|_, _| database_timeout()),
        Config::builder().retry(RetryPolicy::default().database_timeout_backoff(
            pyxis_gql::Backoff::new(Duration::from_secs(20), Duration::from_secs(59)),
        )),
    );
    let error = block_on(client.find_repositories(FindRepositories::new())).unwrap_err();
    assert!(
        matches!(&error, Error::Pyxis(p) if p.detail.contains("MongoDB")),
        "{error:?}"
    );
    assert_eq!(client.transport().calls(), 3);
    assert_eq!(
        client.transport().sleeps(),
        [Duration::from_secs(20), Duration::from_secs(40)]
    );
}

#[test]
fn latest_images_are_every_image_of_the_highest_build() {
    // Builds of 1.2 out of `_id` order and across pages; `app-1.2-10` beats `app-1.2-9` by
    // rpmvercmp though not as text, and a build of another version slipped into the candidates
    // is ignored.
    let candidates = [
        ("a", "app-1.2-9"),
        ("b", "app-1.2-10"),
        ("c", "app-1.2-2"),
        ("d", "app-1.20-1"),
        ("e", "app-1.2-10"),
    ];
    let client = client(
        Scripted::new(move |_, body| {
            let filter = &body["variables"]["filter"]["and"];
            let size = body["variables"]["page_size"].as_u64().unwrap() as usize;
            let page = body["variables"]["page"].as_u64().unwrap() as usize;
            if body["operationName"] == "FindImageBuilds" {
                assert!(filter[1]["brew"]["build"]["regex"].is_string());
                let items: Vec<Value> = candidates
                    .iter()
                    .skip(page * size)
                    .take(size)
                    .map(|(id, build)| json!({"_id": id, "brew": {"build": build}}))
                    .collect();
                return Reply::Json(
                    200,
                    json!({"data": {"find_images": {"data": items, "page": page, "page_size": size, "total": candidates.len()}}}),
                );
            }
            assert_eq!(filter[1], json!({"brew": {"build": {"eq": "app-1.2-10"}}}));
            assert_eq!(body["operationName"], "FindImagesWithRpms");
            let items = json!([
                {"_id": "b", "architecture": "amd64", "brew": {"build": "app-1.2-10"}},
                {"_id": "e", "architecture": "arm64", "brew": {"build": "app-1.2-10"}}
            ]);
            Reply::Json(
                200,
                json!({"data": {"find_images": {"data": items, "page": 0, "page_size": size, "total": 2}}}),
            )
        }),
        Config::builder().page_size(2),
    );
    let images = block_on(client.find_latest_images_by_name_version(
        pyxis_gql::ops::FindLatestImagesByNameVersion::new("app", "1.2").published(true),
    ))
    .unwrap();
    let found: Vec<_> = images
        .iter()
        .map(|i| (i.nvr().unwrap(), i.architecture.as_deref().unwrap()))
        .collect();
    assert_eq!(found, [("app-1.2-10", "amd64"), ("app-1.2-10", "arm64")]);
    assert_eq!(
        client.transport().calls(),
        4,
        "3 pages of candidates, then 1 of images"
    );
}

#[test]
fn latest_images_of_a_version_without_builds_are_empty() {
    let client = client(
        Scripted::new(|_, _| {
            Reply::Json(
                200,
                json!({"data": {"find_images": {"data": [], "page": 0, "page_size": 200, "total": 0}}}),
            )
        }),
        Config::builder(),
    );
    let images = block_on(client.find_latest_images_by_name_version(
        pyxis_gql::ops::FindLatestImagesByNameVersion::new("app", "9.9"),
    ))
    .unwrap();
    assert!(images.is_empty());
    assert_eq!(client.transport().calls(), 1, "no build, no second query");
}

/// An installed-RPMs page (no `total`) out of `count` images `i0`, `i1`, ...
fn rpm_images_page(body: &Value, count: usize) -> Value {
    let page = body["variables"]["page"].as_u64().unwrap() as usize;
    let size = body["variables"]["page_size"].as_u64().unwrap() as usize;
    let items: Vec<Value> = (page * size..((page + 1) * size).min(count))
        .map(|i| json!({"_id": format!("i{i:03}"), "brew": {"build": format!("b{i}")}}))
        .collect();
    json!({"data": {"find_images": {"data": items, "page": page, "page_size": size}}})
}

#[test]
fn a_crawl_without_total_fetches_ahead_and_stops_at_the_short_page() {
    for (count, fan_out) in [(7, 4), (8, 4), (7, 1), (0, 3), (41, 3)] {
        let client = client(
            Scripted::new(move |_, body| {
                assert!(!body["query"].as_str().unwrap().contains("total"));
                Reply::Json(200, rpm_images_page(body, count))
            }),
            Config::builder()
                .small_page_size(2)
                .page_concurrency(fan_out),
        );
        let images =
            block_on(client.find_images_by_installed_rpms(FindImagesByInstalledRpms::new(["x"])))
                .unwrap();
        let builds: Vec<String> = images.iter().map(|i| i.nvr().unwrap().to_owned()).collect();
        assert_eq!(
            builds,
            (0..count).map(|i| format!("b{i}")).collect::<Vec<_>>(),
            "{count} items at fan-out {fan_out}"
        );
        // Pages 0..=last are needed (an even count needs one empty page to end); at most
        // fan_out - 1 more were asked ahead.
        let needed = count / 2 + 1;
        let sent = client.transport().calls();
        assert!(
            sent >= needed && sent < needed + fan_out,
            "{count} items at fan-out {fan_out}: {sent} requests"
        );
        let max = client.transport().max_in_flight.load(Ordering::SeqCst);
        assert_eq!(max, fan_out.min(sent), "{count} at {fan_out}");
        let mut pages = client.transport().pages_asked();
        pages.sort_unstable();
        assert_eq!(
            pages,
            (0..sent as u64).collect::<Vec<_>>(),
            "each page once"
        );
    }
}

#[test]
fn a_crawl_without_total_fails_on_a_gap_in_the_middle() {
    // Page 1 comes back empty while pages 2 and 3 hold items: never a shorter list.
    let client = client(
        Scripted::new(|_, body| {
            let mut page = rpm_images_page(body, 7);
            if body["variables"]["page"] == 1 {
                page["data"]["find_images"]["data"] = json!([]);
            }
            Reply::Json(200, page)
        }),
        Config::builder().small_page_size(2).page_concurrency(4),
    );
    let error =
        block_on(client.find_images_by_installed_rpms(FindImagesByInstalledRpms::new(["x"])))
            .unwrap_err();
    let Error::Incomplete { source, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        matches!(
            **source,
            Error::Pagination(pyxis_gql::PaginationError::ItemsAfterEnd { last: 0, .. })
        ),
        "{error:?}"
    );
}

/// Answers a `find_images` filter `{brew.build: {in: [...]}}` with one image per NVR asked,
/// whose `_id` is the NVR.
fn images_of_nvrs(body: &Value) -> Value {
    let asked: Vec<String> = body["variables"]["filter"]["brew"]["build"]["in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let mut items: Vec<Value> = asked
        .iter()
        .map(|nvr| json!({"_id": nvr, "brew": {"build": nvr}}))
        .collect();
    items.sort_by(|a, b| a["_id"].as_str().cmp(&b["_id"].as_str()));
    json!({"data": {"find_images": {"data": items, "page": 0, "page_size": 200, "total": asked.len()}}})
}

#[test]
fn long_lists_are_asked_for_in_chunks_and_merged_without_repeats() {
    let client = client(
        Scripted::new(|_, body| Reply::Json(200, images_of_nvrs(body))),
        Config::builder().chunk_size(20),
    );
    // 45 distinct NVRs and one repeated across chunks.
    let mut nvrs: Vec<String> = (0..45).map(|i| format!("n{i:02}")).collect();
    nvrs.insert(30, "n05".into());
    let images = block_on(client.find_images_by_nvrs(nvrs.clone(), false)).unwrap();
    let builds: Vec<&str> = images.iter().map(|i| i.nvr().unwrap()).collect();
    let expected: Vec<String> = (0..45).map(|i| format!("n{i:02}")).collect();
    assert_eq!(builds, expected, "chunk order, each image once");
    let mut sizes: Vec<usize> = client
        .transport()
        .bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| {
            b["variables"]["filter"]["brew"]["build"]["in"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [6, 20, 20], "46 values in chunks of 20");
}

#[test]
fn a_failed_chunk_fails_the_call_and_says_which() {
    let client = client(
        Scripted::new(|_, body| {
            let asked = &body["variables"]["filter"]["brew"]["build"]["in"];
            if asked[0] == "n10" {
                Reply::Json(400, json!("bad"))
            } else {
                Reply::Json(200, images_of_nvrs(body))
            }
        }),
        Config::builder().chunk_size(5),
    );
    let nvrs: Vec<String> = (0..17).map(|i| format!("n{i:02}")).collect();
    let error = block_on(client.find_images_by_nvrs(nvrs, false)).unwrap_err();
    assert!(
        matches!(&error, Error::Chunk { chunk: 2, chunks: 4, source } if matches!(**source, Error::Http { .. })),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("chunk 2 (of chunks 0-3) failed: HTTP 400"),
        "{error}"
    );
}

#[test]
fn a_shared_transport_is_a_transport_and_the_client_keeps_its_options() {
    let transport = std::sync::Arc::new(Scripted::new(|call, body| match call {
        0 => Reply::Json(503, json!("busy")),
        _ => Reply::Json(200, repositories_page(body, 1)),
    }));
    let options = pyxis_gql::ClientOptions::builder()
        .page_concurrency(3)
        .build()
        .unwrap();
    let client = Client::new(
        std::sync::Arc::clone(&transport),
        pyxis_gql::Endpoint::default(),
        options.clone(),
    );
    assert_eq!(client.options(), &options);
    let found = block_on(client.find_repositories(FindRepositories::new())).unwrap();
    assert_eq!(names(&found), expected_names(1));
    assert_eq!(transport.calls(), 2);
    assert_eq!(
        transport.sleeps(),
        [Duration::from_millis(200)],
        "the backoff slept through the shared transport"
    );
}

#[test]
fn the_item_cap_holds_for_a_call_split_into_chunks() {
    let client = client(
        Scripted::new(|_, body| Reply::Json(200, images_of_nvrs(body))),
        Config::builder().chunk_size(5).max_items(12),
    );
    let nvrs: Vec<String> = (0..15).map(|i| format!("n{i:02}")).collect();
    let error = block_on(client.find_images_by_nvrs(nvrs[..12].to_vec(), false));
    assert_eq!(error.unwrap().len(), 12, "exactly the cap is allowed");
    let error = block_on(client.find_images_by_nvrs(nvrs, false)).unwrap_err();
    assert!(
        matches!(
            error,
            Error::TooManyItems {
                limit: 12,
                found: 15
            }
        ),
        "{error:?}"
    );
}
