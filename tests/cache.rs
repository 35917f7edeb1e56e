//! The response cache against the loopback server, with virtual time: hits, misses, expiry,
//! eviction by size, errors never kept, identical requests in flight sent once, and answers
//! from the cache identical to answers from the server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pyxis_gql::cache::{CacheOptions, CachedTransport};
use pyxis_gql::model::ContainerRepository;
use pyxis_gql::ops::FindImagesByInstalledRpms;
use pyxis_gql::{Client, Config, Error, Identity, OperationKind, RegistryPath, RetryPolicy};
use pyxis_gql_tokio::TokioTransport;
use pyxis_loopback::{BUSY_PACKAGE, Fault, LoopbackPyxis};
use serde_json::Value;

/// A clock that moves only when told to.
#[derive(Clone)]
struct VirtualClock(Arc<Mutex<Instant>>);

impl VirtualClock {
    fn new() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }

    fn reader(&self) -> impl Fn() -> Instant + Send + Sync + 'static {
        let now = Arc::clone(&self.0);
        move || *now.lock().unwrap()
    }
}

type Cached = CachedTransport<TokioTransport, Box<dyn Fn() -> Instant + Send + Sync>>;

fn config(server: &LoopbackPyxis) -> Config {
    Config::builder()
        .endpoint(server.url())
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

fn uncached(server: &LoopbackPyxis) -> Client<TokioTransport> {
    pyxis_gql_tokio::client(&config(server)).unwrap()
}

fn cached(server: &LoopbackPyxis, options: CacheOptions, clock: &VirtualClock) -> Client<Cached> {
    let config = config(server);
    let transport = TokioTransport::new(config.transport()).unwrap();
    let clock: Box<dyn Fn() -> Instant + Send + Sync> = Box::new(clock.reader());
    Client::from_config(CachedTransport::new(transport, options, clock), &config)
}

fn rebuild_safe(ttl: Duration) -> CacheOptions {
    CacheOptions::builder()
        .rebuild_safe()
        .ttl(ttl)
        .build()
        .unwrap()
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn path_of(repository: &Value) -> RegistryPath {
    RegistryPath::new(
        repository["registry"].as_str().unwrap(),
        repository["repository"].as_str().unwrap(),
    )
}

#[test]
fn a_kept_answer_is_served_until_it_expires() {
    let server = LoopbackPyxis::start();
    let clock = VirtualClock::new();
    let client = cached(&server, rebuild_safe(Duration::from_secs(1200)), &clock);
    let path = path_of(&server.dataset().repositories[0]);
    block_on(async {
        let first = client.get_repository_by_registry_path(&path).await.unwrap();
        assert_eq!(server.request_count(), 1);
        let second = client.get_repository_by_registry_path(&path).await.unwrap();
        assert_eq!(
            server.request_count(),
            1,
            "the second answer came from the cache"
        );
        assert_eq!(first, second);
        assert!(first.is_some());

        clock.advance(Duration::from_secs(1199));
        client.get_repository_by_registry_path(&path).await.unwrap();
        assert_eq!(
            server.request_count(),
            1,
            "still fresh one second before expiry"
        );
        clock.advance(Duration::from_secs(1));
        let third = client.get_repository_by_registry_path(&path).await.unwrap();
        assert_eq!(
            server.request_count(),
            2,
            "expired answers are asked for again"
        );
        assert_eq!(third, first);
    });
    let stats = client.transport().stats();
    assert_eq!((stats.hits, stats.misses, stats.entries), (2, 2, 1));
}

#[test]
fn only_the_chosen_kinds_are_kept() {
    let server = LoopbackPyxis::start();
    let clock = VirtualClock::new();
    let client = cached(&server, rebuild_safe(Duration::from_secs(60)), &clock);
    block_on(async {
        for _ in 0..2 {
            client
                .find_images_by_installed_rpms(FindImagesByInstalledRpms::new(["openssl"]))
                .await
                .unwrap();
        }
        let crawl = server.request_count();
        assert!(
            crawl >= 2 && crawl.is_multiple_of(2),
            "both searches reached the server: {crawl}"
        );
        for _ in 0..2 {
            client.find_images_by_names([BUSY_PACKAGE]).await.unwrap();
        }
        assert!(server.request_count() >= crawl + 2);
        let before = server.request_count();
        for _ in 0..3 {
            client
                .find_images_by_nvr("busy-container-1.2-3", false)
                .await
                .unwrap();
        }
        assert_eq!(server.request_count(), before + 1, "images by NVR are kept");
    });
    let stats = client.transport().stats();
    assert_eq!((stats.hits, stats.misses), (2, 1));
    assert!(stats.passed >= 4);
}

#[test]
fn cached_answers_equal_answers_from_the_server() {
    let server = LoopbackPyxis::start();
    let clock = VirtualClock::new();
    let options = CacheOptions::builder()
        .rebuild_safe()
        .kind(OperationKind::ImagesByDigest)
        .build()
        .unwrap();
    let cached = cached(&server, options, &clock);
    let direct = uncached(&server);
    let nvrs = ["busy-container-1.2-3", "busy-container-1.2-10"];
    let digest = server.dataset().images[5]["repositories"][0]["manifest_schema2_digest"]
        .as_str()
        .unwrap()
        .to_owned();
    block_on(async {
        for _ in 0..2 {
            assert_eq!(
                cached.find_images_by_nvrs(nvrs, true).await.unwrap(),
                direct.find_images_by_nvrs(nvrs, true).await.unwrap()
            );
            assert_eq!(
                cached
                    .find_repositories_by_repository_name("ubi9/ubi")
                    .await
                    .unwrap(),
                direct
                    .find_repositories_by_repository_name("ubi9/ubi")
                    .await
                    .unwrap()
            );
            assert_eq!(
                cached.find_images_by_digest(&digest).await.unwrap(),
                direct.find_images_by_digest(&digest).await.unwrap()
            );
        }
    });
    let stats = cached.transport().stats();
    assert!(stats.hits >= 3 && stats.hits == stats.misses, "{stats:?}");
}

#[test]
fn the_least_recently_used_answers_make_room() {
    let server = LoopbackPyxis::start();
    let clock = VirtualClock::new();
    let repositories = &server.dataset().repositories;
    let paths: Vec<RegistryPath> = repositories[..3].iter().map(path_of).collect();
    // Room for two repository answers (about 1 KiB each with their requests), not three.
    let options = CacheOptions::builder()
        .rebuild_safe()
        .max_bytes(2500)
        .build()
        .unwrap();
    let client = cached(&server, options, &clock);
    block_on(async {
        client
            .get_repository_by_registry_path(&paths[0])
            .await
            .unwrap();
        client
            .get_repository_by_registry_path(&paths[1])
            .await
            .unwrap();
        client
            .get_repository_by_registry_path(&paths[0])
            .await
            .unwrap();
        assert_eq!(server.request_count(), 2);
        client
            .get_repository_by_registry_path(&paths[2])
            .await
            .unwrap();
        assert_eq!(server.request_count(), 3);
        assert!(client.transport().stats().bytes <= 2500);
        // paths[1] was the least recently used: it went, paths[0] stayed.
        client
            .get_repository_by_registry_path(&paths[0])
            .await
            .unwrap();
        assert_eq!(server.request_count(), 3);
        client
            .get_repository_by_registry_path(&paths[1])
            .await
            .unwrap();
        assert_eq!(server.request_count(), 4);
    });
    let stats = client.transport().stats();
    assert!(stats.evicted >= 2, "{stats:?}");
    assert_eq!(stats.entries, 2);
}

#[test]
fn errors_are_never_kept() {
    let server = LoopbackPyxis::start();
    let clock = VirtualClock::new();
    let client = cached(&server, rebuild_safe(Duration::from_secs(60)), &clock);
    let path = path_of(&server.dataset().repositories[0]);
    let missing = RegistryPath::new("quay.io", "no/such");
    block_on(async {
        for fault in [
            Fault::Status {
                code: 500,
                retry_after: None,
            },
            Fault::MongoTimeout,
            Fault::GraphQlErrors {
                with_partial_data: true,
            },
            Fault::MalformedJson,
        ] {
            server.push_fault(fault);
            let error = client.get_repository_by_registry_path(&path).await;
            assert!(error.is_err(), "{error:?}");
        }
        assert_eq!(server.request_count(), 4);
        assert!(
            client
                .get_repository_by_registry_path(&path)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(server.request_count(), 5, "no failed answer was kept");
        // A "not found" is Pyxis's error object: not kept either.
        for _ in 0..2 {
            assert_eq!(
                client
                    .get_repository_by_registry_path(&missing)
                    .await
                    .unwrap(),
                None
            );
        }
        assert_eq!(server.request_count(), 7);
        client.get_repository_by_registry_path(&path).await.unwrap();
        assert_eq!(server.request_count(), 7, "the good answer was kept");
    });
    assert_eq!(client.transport().stats().entries, 1);
}

/// `count` lookups of `path` at once, each in a task of its own, in the order started.
fn concurrent_lookups(
    client: &Arc<Client<Cached>>,
    path: &RegistryPath,
    count: usize,
) -> Vec<Result<Option<ContainerRepository>, Error>> {
    block_on(async {
        let calls = (0..count).map(|_| {
            let client = Arc::clone(client);
            let path = path.clone();
            tokio::spawn(async move { client.get_repository_by_registry_path(&path).await })
        });
        futures_util::future::join_all(calls)
            .await
            .into_iter()
            .map(|joined| joined.expect("the task ran to its end"))
            .collect()
    })
}

#[test]
fn identical_requests_in_flight_are_sent_once() {
    let server = LoopbackPyxis::builder()
        .latency(Duration::from_millis(300))
        .start();
    let clock = VirtualClock::new();
    let client = Arc::new(cached(
        &server,
        rebuild_safe(Duration::from_secs(60)),
        &clock,
    ));
    let path = path_of(&server.dataset().repositories[4]);
    let answers = concurrent_lookups(&client, &path, 10);
    assert_eq!(server.request_count(), 1, "ten callers, one request");
    let answers: Vec<_> = answers.into_iter().map(Result::unwrap).collect();
    assert!(answers.iter().all(|a| a == &answers[0] && a.is_some()));
    let stats = client.transport().stats();
    assert_eq!((stats.misses, stats.joined + stats.hits), (1, 9));
}

#[test]
fn a_failed_request_in_flight_leaves_its_waiters_to_ask_again() {
    let server = LoopbackPyxis::builder()
        .latency(Duration::from_millis(200))
        .start();
    let clock = VirtualClock::new();
    let client = Arc::new(cached(
        &server,
        rebuild_safe(Duration::from_secs(60)),
        &clock,
    ));
    let path = path_of(&server.dataset().repositories[5]);
    server.push_fault(Fault::ConnectionReset);
    let answers = concurrent_lookups(&client, &path, 4);
    // The first caller's request was reset: that caller sees the error (no retries here); the
    // others asked again, once between them, and got the answer.
    assert_eq!(
        answers.iter().filter(|a| a.is_err()).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .filter_map(|a| a.as_ref().ok())
            .all(Option::is_some)
    );
    assert_eq!(server.request_count(), 2);
}

#[test]
fn a_caller_that_stops_polling_does_not_hold_up_the_others() {
    let server = LoopbackPyxis::builder()
        .latency(Duration::from_millis(100))
        .start();
    let clock = VirtualClock::new();
    let client = cached(&server, rebuild_safe(Duration::from_secs(60)), &clock);
    let path = path_of(&server.dataset().repositories[6]);
    block_on(async {
        // The first caller starts the request, is polled once, then is neither polled nor
        // dropped (a stream its reader stopped reading, say).
        let mut paused = std::pin::pin!(client.get_repository_by_registry_path(&path));
        std::future::poll_fn(|cx| {
            let _ = paused.as_mut().poll(cx);
            std::task::Poll::Ready(())
        })
        .await;
        let second = tokio::time::timeout(
            Duration::from_secs(20),
            client.get_repository_by_registry_path(&path),
        )
        .await
        .expect("the second caller drives the request itself");
        assert!(second.unwrap().is_some());
        assert_eq!(server.request_count(), 1, "still one request");
        // The paused caller gets the same answer when it is polled again.
        assert_eq!(
            paused.await.unwrap(),
            client.get_repository_by_registry_path(&path).await.unwrap()
        );
    });
    assert_eq!(server.request_count(), 1);
}
