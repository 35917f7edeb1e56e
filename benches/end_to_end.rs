//! End-to-end: the client and each adapter (tokio, smol, async-std) against the embedded loopback
//! Pyxis (`pyxis-loopback`, TLS with a client certificate on 127.0.0.1), wall-clock time.
//!
//! Three scenarios, each measured per adapter in the same run, so that every ratio compares
//! figures taken minutes apart at most:
//!
//! - (a) `lookups`: 24 `get_repository_by_registry_path` calls with 200 ms of server latency, one
//!   after the other, then all at once through `pyxis_gql::as_completed`. Target: the
//!   sequential wall time at least 15x the concurrent one.
//! - (b) `throughput`: requests per second at zero latency, 32 in flight at a time through one
//!   shared client (its connections reused: the connections the server accepted are printed).
//! - (c) `crawl`: a 40-page `find_images` crawl (`FindImagesByNames`, no RPMs) with 50 ms of
//!   latency, by a client with `Config::page_concurrency(1)` (one page after the other) and one
//!   with `page_concurrency(4)` (the client's own fan-out). Target: at least 3x.
//! - (d) `crawl without total`: the same crawl through a query that leaves `total` out, as the
//!   installed-RPMs search does, so that no page tells where the list ends: the client asks for
//!   pages ahead of the answers. Fan-out 4 vs 1, target at least 3x; and the requests each crawl
//!   sent past its last page, at most `page_concurrency - 1`.
//!
//! Each scenario first runs once untimed (connections opened, TLS handshakes done, caches warm),
//! then `RUNS` times; the medians are reported, and every run is printed. The benchmark is a plain
//! `main` (`harness = false`): a sample takes seconds and the ratios need the two halves of a
//! scenario side by side, which divan's per-function samples do not give.
//!
//! Run with `cargo bench --bench end_to_end` (about 2.5 minutes); name adapters to run only
//! those: `cargo bench --bench end_to_end -- tokio smol`.

#[path = "../tests/adapters/runtimes.rs"]
mod runtimes;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pyxis_gql::model::ContainerImage;
use pyxis_gql::ops::{FilterVariables, FindImagesByNames};
use pyxis_gql::{
    Client, Config, ConfigBuilder, Document, Identity, PaginatedOperation, Query, RegistryPath,
    SortBy, Transport,
};
use pyxis_loopback::{DatasetSpec, LoopbackPyxis};
use runtimes::{AsyncStd, Runtime, Smol, Tokio};
use serde_json::Value;

/// Timed runs of each scenario, after one untimed warm-up run.
const RUNS: usize = 5;

/// (a): lookups, and the server's latency for them.
const LOOKUPS: usize = 24;
const LOOKUP_LATENCY: Duration = Duration::from_millis(200);

/// (b): requests per timed run, and how many are in flight at once.
const THROUGHPUT_REQUESTS: usize = 10_000;
const THROUGHPUT_CONCURRENCY: usize = 32;

/// (c): pages per crawl, the server's latency, the client's fan-out.
const CRAWL_PAGES: usize = 40;
const CRAWL_LATENCY: Duration = Duration::from_millis(50);
const FAN_OUT: usize = 4;

/// The dataset the crawl runs over: images without RPM manifests, so that a page is a few
/// dozen small documents and the crawl's time is the server's latency, not the bytes.
const CRAWL_DATASET: DatasetSpec = DatasetSpec {
    repositories: 450,
    images: 700,
    rpms_per_image: 0,
};

fn main() {
    // `cargo bench` passes `--bench`; anything else not starting with `-` names an adapter.
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    println!(
        "end-to-end over the loopback Pyxis; {RUNS} timed runs per scenario after one warm-up; \
         medians"
    );
    let mut results = Vec::new();
    if runs("tokio") {
        results.push(adapter::<Tokio>("tokio"));
    }
    if runs("smol") {
        results.push(adapter::<Smol>("smol"));
    }
    if runs("async-std") {
        results.push(adapter::<AsyncStd>("async-std"));
    }
    if results.is_empty() {
        eprintln!("no adapter named {wanted:?}: use tokio, smol or async-std");
        std::process::exit(2);
    }
    summary(&results);
}

/// One adapter's medians.
struct Figures {
    adapter: &'static str,
    lookups_sequential: Duration,
    lookups_concurrent: Duration,
    requests_per_second: f64,
    throughput_connections: usize,
    crawl_sequential: Duration,
    crawl_fan_out: Duration,
    untotalled_sequential: Duration,
    untotalled_fan_out: Duration,
    /// The most requests one fan-out crawl without total sent past its last page.
    untotalled_extra: usize,
}

/// [`FindImagesByNames`] asked without `total`: the crawl learns the end only from a short page.
struct WithoutTotal {
    names: FindImagesByNames,
    document: Document,
}

impl WithoutTotal {
    fn new(names: &[String]) -> Self {
        let names = FindImagesByNames::new(names.iter().cloned());
        let text = names.document().text().replace(" total ", " ");
        assert!(!text.contains("total"));
        Self {
            document: Document::new(text, "FindImages", "find_images"),
            names,
        }
    }
}

impl Query for WithoutTotal {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &self.document
    }

    fn variables(&self) -> FilterVariables {
        self.names.variables()
    }

    fn kind(&self) -> pyxis_gql::OperationKind {
        self.names.kind()
    }
}

impl PaginatedOperation for WithoutTotal {
    type Item = ContainerImage;

    fn sort_by(&self) -> &[SortBy] {
        self.names.sort_by()
    }

    fn selects_total(&self) -> bool {
        false
    }
}

/// Runs the three scenarios on runtime `R`, each against a server of its own.
fn adapter<R: Runtime>(name: &'static str) -> Figures {
    println!("\n== {name}");
    let lookups = LoopbackPyxis::builder()
        .latency(LOOKUP_LATENCY)
        .record_requests(false)
        .start();
    let throughput = LoopbackPyxis::builder().record_requests(false).start();
    let crawl = LoopbackPyxis::builder()
        .latency(CRAWL_LATENCY)
        .record_requests(false)
        .dataset(CRAWL_DATASET)
        .start();

    let paths = registry_paths(&lookups);
    let crawl_names = package_names(&crawl);
    let crawl_images = matching_images(&crawl, &crawl_names);
    let page_size = crawl_images.div_ceil(CRAWL_PAGES);
    assert_eq!(
        crawl_images.div_ceil(page_size),
        CRAWL_PAGES,
        "{crawl_images} images do not make exactly {CRAWL_PAGES} pages of any one size: \
         change CRAWL_DATASET.images"
    );

    let lookup_client = client::<R>(&lookups, config(&lookups));
    let throughput_client = client::<R>(&throughput, config(&throughput));
    let crawl_config = |fan_out| {
        config(&crawl)
            .page_size(u32::try_from(page_size).expect("a small page size"))
            .page_concurrency(fan_out)
    };
    let sequential_crawler = client::<R>(&crawl, crawl_config(1));
    let fan_out_crawler = client::<R>(&crawl, crawl_config(FAN_OUT));

    // One `block_on` for everything: a tokio client's pooled connections belong to the runtime
    // they were opened on.
    R::block_on(async {
        println!(
            "(a) {LOOKUPS} lookups, {} ms latency",
            LOOKUP_LATENCY.as_millis()
        );
        let sequential =
            time_runs("sequential", || lookups_sequential(&lookup_client, &paths)).await;
        let concurrent = time_runs("as_completed", || {
            lookups_concurrent(&lookup_client, &paths)
        })
        .await;
        println!(
            "    ratio {:.1}x; {} connections opened",
            ratio(sequential, concurrent),
            lookups.connection_count()
        );

        println!(
            "(b) {THROUGHPUT_REQUESTS} lookups per run, {THROUGHPUT_CONCURRENCY} in flight, \
             no latency"
        );
        let elapsed = time_runs("burst", || burst(&throughput_client, &paths)).await;
        let requests_per_second = THROUGHPUT_REQUESTS as f64 / elapsed.as_secs_f64();
        let throughput_connections = throughput.connection_count();
        println!(
            "    {requests_per_second:.0} requests/s; {} requests over {throughput_connections} \
             connections",
            throughput.request_count()
        );

        println!(
            "(c) crawl of {crawl_images} images in {CRAWL_PAGES} pages of {page_size}, {} ms \
             latency",
            CRAWL_LATENCY.as_millis()
        );
        let before = crawl.request_count();
        let crawl_sequential = time_runs("page_concurrency(1)", || {
            crawl_once(&sequential_crawler, &crawl_names, crawl_images)
        })
        .await;
        let crawl_fan_out = time_runs("page_concurrency(4)", || {
            crawl_once(&fan_out_crawler, &crawl_names, crawl_images)
        })
        .await;
        assert_eq!(
            crawl.request_count() - before,
            2 * (RUNS + 1) * CRAWL_PAGES,
            "every crawl takes exactly {CRAWL_PAGES} requests"
        );
        println!(
            "    ratio {:.1}x; {} connections opened",
            ratio(crawl_sequential, crawl_fan_out),
            crawl.connection_count()
        );

        println!("(d) the same crawl without total");
        // Pages 0 to the last are needed; one more when the last page is full.
        let needed = crawl_images / page_size + 1;
        let extra = Cell::new(0);
        let untotalled_sequential = time_runs("page_concurrency(1)", || {
            crawl_without_total(
                &sequential_crawler,
                &crawl,
                &crawl_names,
                crawl_images,
                needed,
                &extra,
            )
        })
        .await;
        assert_eq!(extra.get(), 0, "one page at a time never asks past the end");
        let untotalled_fan_out = time_runs("page_concurrency(4)", || {
            crawl_without_total(
                &fan_out_crawler,
                &crawl,
                &crawl_names,
                crawl_images,
                needed,
                &extra,
            )
        })
        .await;
        let untotalled_extra = extra.get();
        assert!(
            untotalled_extra < FAN_OUT,
            "{untotalled_extra} requests past the end"
        );
        println!(
            "    ratio {:.1}x; at most {untotalled_extra} requests past the last page (page {})",
            ratio(untotalled_sequential, untotalled_fan_out),
            needed - 1
        );

        Figures {
            adapter: name,
            lookups_sequential: sequential,
            lookups_concurrent: concurrent,
            requests_per_second,
            throughput_connections,
            crawl_sequential,
            crawl_fan_out,
            untotalled_sequential,
            untotalled_fan_out,
            untotalled_extra,
        }
    })
}

/// Runs `scenario` once untimed and then [`RUNS`] times, prints every time, returns the median.
async fn time_runs<F, Fut>(label: &str, mut scenario: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    scenario().await;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        scenario().await;
        times.push(started.elapsed());
    }
    let shown: Vec<String> = times.iter().map(|t| format!("{:.1}", millis(*t))).collect();
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "    {label:<20} median {:>8.1} ms  (runs: {} ms)",
        millis(median),
        shown.join(", ")
    );
    median
}

/// (a), one after the other.
async fn lookups_sequential<T: Transport>(client: &Client<T>, paths: &[RegistryPath]) {
    for path in &paths[..LOOKUPS] {
        let found = client.get_repository_by_registry_path(path).await;
        assert!(matches!(found, Ok(Some(_))), "{path}: {found:?}");
    }
}

/// (a), all at once.
async fn lookups_concurrent<T: Transport>(client: &Client<T>, paths: &[RegistryPath]) {
    let lookups = paths[..LOOKUPS]
        .iter()
        .map(|path| client.get_repository_by_registry_path(path));
    let found = pyxis_gql::as_completed(lookups, LOOKUPS)
        .filter(|found| std::future::ready(matches!(found, Ok(Some(_)))))
        .count()
        .await;
    assert_eq!(found, LOOKUPS, "every lookup finds its repository");
}

/// (b): [`THROUGHPUT_REQUESTS`] lookups over every repository of the dataset, in turn.
async fn burst<T: Transport>(client: &Client<T>, paths: &[RegistryPath]) {
    let lookups = paths
        .iter()
        .cycle()
        .take(THROUGHPUT_REQUESTS)
        .map(|path| client.get_repository_by_registry_path(path));
    let found = pyxis_gql::as_completed(lookups, THROUGHPUT_CONCURRENCY)
        .filter(|found| std::future::ready(matches!(found, Ok(Some(_)))))
        .count()
        .await;
    assert_eq!(
        found, THROUGHPUT_REQUESTS,
        "every lookup finds its repository"
    );
}

/// (c): the whole crawl, checked for size.
async fn crawl_once<T: Transport>(client: &Client<T>, names: &[String], expected: usize) {
    let images = client
        .fetch_all(FindImagesByNames::new(names.iter().cloned()))
        .await
        .expect("the crawl succeeds");
    assert_eq!(images.len(), expected, "the crawl finds every image");
}

/// (d): the whole crawl without total, checked for size; keeps in `extra` the most requests
/// one crawl sent past the `needed` pages.
async fn crawl_without_total<T: Transport>(
    client: &Client<T>,
    server: &LoopbackPyxis,
    names: &[String],
    expected: usize,
    needed: usize,
    extra: &Cell<usize>,
) {
    let before = server.request_count();
    let images = client
        .fetch_all(WithoutTotal::new(names))
        .await
        .expect("the crawl succeeds");
    assert_eq!(images.len(), expected, "the crawl finds every image");
    let sent = server.request_count() - before;
    assert!(sent >= needed, "{sent} requests for {needed} pages");
    extra.set(extra.get().max(sent - needed));
}

/// The registry path of every repository in the server's dataset.
fn registry_paths(server: &LoopbackPyxis) -> Vec<RegistryPath> {
    server
        .dataset()
        .repositories
        .iter()
        .map(|r| {
            RegistryPath::new(
                r["registry"].as_str().expect("a registry"),
                r["repository"].as_str().expect("a repository"),
            )
        })
        .collect()
}

/// Every package name in the server's dataset, once each.
fn package_names(server: &LoopbackPyxis) -> Vec<String> {
    let names: BTreeSet<&str> = server
        .dataset()
        .images
        .iter()
        .filter_map(|image| image.pointer("/brew/package").and_then(Value::as_str))
        .collect();
    names.into_iter().map(str::to_owned).collect()
}

/// How many images `FindImagesByNames` with `names` finds: those of one of the packages that
/// are published in at least one repository.
fn matching_images(server: &LoopbackPyxis, names: &[String]) -> usize {
    server
        .dataset()
        .images
        .iter()
        .filter(|image| {
            let package = image.pointer("/brew/package").and_then(Value::as_str);
            let published = image["repositories"]
                .as_array()
                .is_some_and(|repos| repos.iter().any(|r| r["published"] == true));
            published && package.is_some_and(|p| names.iter().any(|n| n == p))
        })
        .count()
}

/// The configuration to reach `server`: its CA trusted, its client identity presented.
fn config(server: &LoopbackPyxis) -> ConfigBuilder {
    Config::builder()
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
}

/// A client of runtime `R` for `server`.
fn client<R: Runtime>(server: &LoopbackPyxis, config: ConfigBuilder) -> Client<R::Transport> {
    let config = config
        .endpoint(R::endpoint(server.url()))
        .build()
        .expect("a valid configuration");
    Client::from_config(
        R::transport(config.transport()).expect("the transport builds"),
        &config,
    )
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn ratio(slow: Duration, fast: Duration) -> f64 {
    slow.as_secs_f64() / fast.as_secs_f64()
}

/// The medians of every adapter, with the targets.
fn summary(results: &[Figures]) {
    println!(
        "\nsummary (medians)\n\
         adapter   | (a) sequential | (a) as_completed | (a) ratio | (b) req/s | (b) conns \
         | (c) fan-out 1 | (c) fan-out {FAN_OUT} | (c) ratio | (d) fan-out 1 | (d) fan-out \
         {FAN_OUT} | (d) ratio | (d) past the end"
    );
    for f in results {
        let lookups = ratio(f.lookups_sequential, f.lookups_concurrent);
        let crawl = ratio(f.crawl_sequential, f.crawl_fan_out);
        let untotalled = ratio(f.untotalled_sequential, f.untotalled_fan_out);
        println!(
            "{:<9} | {:>11.0} ms | {:>13.0} ms | {:>8.1}x | {:>9.0} | {:>9} | {:>10.0} ms \
             | {:>10.0} ms | {:>8.1}x | {:>10.0} ms | {:>10.0} ms | {:>8.1}x | {:>15}",
            f.adapter,
            millis(f.lookups_sequential),
            millis(f.lookups_concurrent),
            lookups,
            f.requests_per_second,
            f.throughput_connections,
            millis(f.crawl_sequential),
            millis(f.crawl_fan_out),
            crawl,
            millis(f.untotalled_sequential),
            millis(f.untotalled_fan_out),
            untotalled,
            f.untotalled_extra,
        );
    }
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let all = |target: f64, pick: fn(&Figures) -> f64| results.iter().all(|f| pick(f) >= target);
    println!(
        "targets: (a) >= 15x: {}; (c) >= 3x: {}; (d) >= 3x: {}, at most {} past the end: {}",
        met(all(15.0, |f| ratio(
            f.lookups_sequential,
            f.lookups_concurrent
        ))),
        met(all(3.0, |f| ratio(f.crawl_sequential, f.crawl_fan_out))),
        met(all(3.0, |f| ratio(
            f.untotalled_sequential,
            f.untotalled_fan_out
        ))),
        FAN_OUT - 1,
        met(results.iter().all(|f| f.untotalled_extra < FAN_OUT)),
    );
}
