//! Compression end to end: a 40-page crawl of images with their RPM manifests, with and without
//! gzip, per adapter, against the loopback Pyxis behind a 100 Mbit/s link.
//!
//! Each adapter gets one server (HTTPS, client certificate, `--bandwidth` 100 Mbit/s shared by
//! all its connections) and two clients that differ only in `Config::compression`. For each, the
//! crawl runs once untimed, then [`RUNS`] times alternating compressed and uncompressed, so both
//! see the same machine; the medians are reported, with the response body bytes the server
//! wrote (after compression) per crawl, and the ratios against the uncompressed crawl of the
//! same adapter in the same run.
//!
//! Run with `cargo bench --bench compression` (about 2 minutes); name adapters to run only
//! those: `cargo bench --bench compression -- tokio smol`.

#[path = "../tests/adapters/runtimes.rs"]
mod runtimes;

use std::time::{Duration, Instant};

use pyxis_gql::ops::FindImagesByNvrs;
use pyxis_gql::{Client, Config, ConfigBuilder, Identity, Transport};
use pyxis_loopback::{DatasetSpec, LoopbackPyxis};
use runtimes::{AsyncStd, Runtime, Smol, Tokio};
use serde_json::Value;

/// Timed runs of each crawl, after one untimed warm-up run of each.
const RUNS: usize = 3;

/// Pages per crawl and images per page.
const PAGES: usize = 40;
const PAGE_SIZE: usize = 50;

/// The link between client and server: 100 Mbit/s.
const BYTES_PER_SECOND: u64 = 100 * 125_000;

/// Images with a Pyxis-sized RPM manifest each; every image is found by its NVR.
const DATASET: DatasetSpec = DatasetSpec {
    repositories: 60,
    images: PAGES * PAGE_SIZE,
    rpms_per_image: 300,
};

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    println!(
        "{PAGES}-page crawl with RPM manifests over a {} Mbit/s loopback link; {RUNS} timed runs \
         each after one warm-up; medians",
        BYTES_PER_SECOND / 125_000
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

/// One crawl's medians.
#[derive(Clone, Copy)]
struct Crawl {
    wall: Duration,
    wire_bytes: u64,
}

struct Figures {
    adapter: &'static str,
    plain: Crawl,
    gzip: Crawl,
}

fn adapter<R: Runtime>(name: &'static str) -> Figures {
    println!("\n== {name}");
    let server = LoopbackPyxis::builder()
        .bandwidth(Some(BYTES_PER_SECOND))
        .record_requests(false)
        .dataset(DATASET)
        .start();
    let nvrs: Vec<String> = server
        .dataset()
        .images
        .iter()
        .filter_map(|image| image.pointer("/brew/build").and_then(Value::as_str))
        .map(str::to_owned)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let expected = server.dataset().images.len();
    let plain_client = client::<R>(&server, false);
    let gzip_client = client::<R>(&server, true);

    R::block_on(async {
        let mut plain = Vec::new();
        let mut gzip = Vec::new();
        for run in 0..=RUNS {
            let p = crawl(&plain_client, &server, &nvrs, expected).await;
            let g = crawl(&gzip_client, &server, &nvrs, expected).await;
            // Run 0 warms up: connections, TLS, the server's caches.
            if run > 0 {
                plain.push(p);
                gzip.push(g);
            }
        }
        let plain = median("identity", &mut plain);
        let gzip = median("gzip", &mut gzip);
        println!(
            "    gzip: {:.1}x fewer bytes, {:.1}x faster",
            plain.wire_bytes as f64 / gzip.wire_bytes as f64,
            ratio(plain.wall, gzip.wall)
        );
        Figures {
            adapter: name,
            plain,
            gzip,
        }
    })
}

/// One whole crawl: its wall time and the body bytes the server wrote for it.
async fn crawl<T: Transport>(
    client: &Client<T>,
    server: &LoopbackPyxis,
    nvrs: &[String],
    expected: usize,
) -> Crawl {
    let before_requests = server.request_count();
    let before = server.body_bytes_sent();
    let started = Instant::now();
    let images = client
        .fetch_all(FindImagesByNvrs::new(nvrs.iter().cloned(), true))
        .await
        .expect("the crawl succeeds");
    let wall = started.elapsed();
    assert_eq!(images.len(), expected, "the crawl finds every image");
    // One image in 53 has no manifest in the dataset; the rest come with all their RPMs.
    let rpms: usize = images.iter().map(|image| image.rpms().len()).sum();
    assert!(
        rpms >= (expected - expected / 50) * DATASET.rpms_per_image / 2,
        "{rpms} RPMs"
    );
    assert_eq!(server.request_count() - before_requests, PAGES);
    Crawl {
        wall,
        wire_bytes: server.body_bytes_sent() - before,
    }
}

fn median(label: &str, crawls: &mut [Crawl]) -> Crawl {
    let shown: Vec<String> = crawls
        .iter()
        .map(|c| format!("{:.0}", millis(c.wall)))
        .collect();
    crawls.sort_by_key(|c| c.wall);
    let median = crawls[crawls.len() / 2];
    println!(
        "    {label:<9} median {:>7.0} ms, {:>6.1} MB on the wire ({:.2} MB per page)  (runs: {} ms)",
        millis(median.wall),
        median.wire_bytes as f64 / 1e6,
        median.wire_bytes as f64 / 1e6 / PAGES as f64,
        shown.join(", ")
    );
    median
}

fn client<R: Runtime>(server: &LoopbackPyxis, compression: bool) -> Client<R::Transport> {
    let config: ConfigBuilder = Config::builder()
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .endpoint(R::endpoint(server.url()))
        .small_page_size(u32::try_from(PAGE_SIZE).expect("a small page size"))
        .compression(compression);
    let config = config.build().expect("a valid configuration");
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

fn summary(results: &[Figures]) {
    println!(
        "\nsummary (medians; ratios against the same adapter's uncompressed crawl)\n\
         adapter   | identity wall | identity bytes | gzip wall | gzip bytes | bytes ratio | \
         throughput ratio"
    );
    for f in results {
        println!(
            "{:<9} | {:>10.0} ms | {:>11.1} MB | {:>6.0} ms | {:>7.1} MB | {:>10.1}x | {:>15.1}x",
            f.adapter,
            millis(f.plain.wall),
            f.plain.wire_bytes as f64 / 1e6,
            millis(f.gzip.wall),
            f.gzip.wire_bytes as f64 / 1e6,
            f.plain.wire_bytes as f64 / f.gzip.wire_bytes as f64,
            ratio(f.plain.wall, f.gzip.wall),
        );
    }
}
