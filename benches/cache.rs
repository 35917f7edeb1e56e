//! The response cache: 1,000 repository lookups (`get_repository_by_registry_path`) of 100
//! distinct repositories, each asked for ten times in a shuffled order, through a client on the
//! tokio adapter with and without a `CachedTransport` (the rebuild-safe preset), against the
//! embedded loopback Pyxis. Reported per scenario: the requests the server saw and the wall
//! time, and the ratio of the two wall times, measured in the same run.
//!
//! Two server latencies: none (what the cache costs when the network is free) and 10 ms (a
//! nearby Pyxis). Lookups run 8 at a time (`pyxis_gql::as_completed`), so identical lookups also
//! meet in flight, where the cache sends one and shares the answer.
//!
//! Each scenario runs once untimed, then `RUNS` times with a fresh client (an empty cache);
//! medians are reported. Run with `cargo bench --bench cache` (about a minute).

#[path = "../tests/adapters/runtimes.rs"]
mod runtimes;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pyxis_gql::cache::{CacheOptions, CachedTransport};
use pyxis_gql::{Client, Config, Identity, RegistryPath, Transport};
use pyxis_gql_tokio::TokioTransport;
use pyxis_loopback::LoopbackPyxis;
use runtimes::{Runtime, Tokio};

const RUNS: usize = 5;
const DISTINCT: usize = 100;
const LOOKUPS: usize = 1_000;
const CONCURRENCY: usize = 8;

fn main() {
    let server = LoopbackPyxis::start();
    let config = Config::builder()
        .endpoint(server.url())
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .build()
        .expect("a config");
    let paths = lookups(&server);
    println!(
        "{LOOKUPS} lookups of {DISTINCT} repositories, {CONCURRENCY} at a time, tokio adapter; \
         {RUNS} timed runs after one warm-up; medians"
    );
    println!(
        "{:<10} {:<9} {:>9} {:>10} {:>8}",
        "latency", "cache", "requests", "wall", "speed-up"
    );
    for latency in [Duration::ZERO, Duration::from_millis(10)] {
        server.set_latency(latency);
        let uncached = measure(&server, &paths, || {
            Client::from_config(transport(&config, false), &config)
        });
        let cached = measure(&server, &paths, || {
            Client::from_config(transport(&config, true), &config)
        });
        for (name, (requests, wall)) in [("off", uncached), ("on", cached)] {
            println!(
                "{:<10} {name:<9} {requests:>9} {:>9.3}s {:>7.1}x",
                format!("{} ms", latency.as_millis()),
                wall.as_secs_f64(),
                uncached.1.as_secs_f64() / wall.as_secs_f64()
            );
        }
    }
}

/// A transport on tokio, behind a cache of the rebuild-safe kinds when `cached`.
fn transport(config: &Config, cached: bool) -> Box<dyn Transport> {
    let inner = TokioTransport::new(config.transport()).expect("a transport");
    if cached {
        let options = CacheOptions::builder()
            .rebuild_safe()
            .build()
            .expect("cache options");
        Box::new(CachedTransport::new(
            inner,
            options,
            Instant::now as fn() -> Instant,
        ))
    } else {
        Box::new(inner)
    }
}

/// The 1,000 paths: 100 distinct ones, ten times each, in a fixed shuffled order.
fn lookups(server: &LoopbackPyxis) -> Vec<RegistryPath> {
    let distinct: Vec<RegistryPath> = server.dataset().repositories[..DISTINCT]
        .iter()
        .map(|r| {
            RegistryPath::new(
                r["registry"].as_str().expect("a registry"),
                r["repository"].as_str().expect("a repository"),
            )
        })
        .collect();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut paths: Vec<RegistryPath> = (0..LOOKUPS)
        .map(|i| distinct[i % DISTINCT].clone())
        .collect();
    for i in (1..paths.len()).rev() {
        // xorshift64: a fixed order, the same in every run.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        paths.swap(i, (state % (i as u64 + 1)) as usize);
    }
    paths
}

/// The median requests seen by the server and wall time of `RUNS` runs, each with a new client.
fn measure(
    server: &LoopbackPyxis,
    paths: &[RegistryPath],
    client: impl Fn() -> Client<Box<dyn Transport>>,
) -> (usize, Duration) {
    let mut samples = Vec::new();
    for run in 0..=RUNS {
        let client = client();
        let before = server.request_count();
        let start = Instant::now();
        let found = Tokio::block_on(async {
            let calls = paths
                .iter()
                .map(|path| client.get_repository_by_registry_path(path));
            pyxis_gql::as_completed(calls, CONCURRENCY)
                .filter(|found| std::future::ready(matches!(found, Ok(Some(_)))))
                .count()
                .await
        });
        let wall = start.elapsed();
        assert_eq!(found, LOOKUPS, "every lookup found its repository");
        if run > 0 {
            samples.push((server.request_count() - before, wall));
        }
    }
    samples.sort_by_key(|(_, wall)| *wall);
    samples[samples.len() / 2]
}
