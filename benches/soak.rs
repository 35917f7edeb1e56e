//! Soak: the client on each adapter (tokio, smol, async-std) crawling the embedded loopback Pyxis
//! for minutes while the server faults 15 % of the requests at random and jitters its latency.
//!
//! Each adapter runs in a thread of its own against a server of its own, all three at once, for
//! the whole run: rounds of five real calls together (the RPM-heavy installed-RPMs crawl, a
//! chunked NVR crawl with full RPM manifests, a repository crawl, the latest build of a package,
//! and 16 registry-path lookups through `as_completed`). Every call's result is compared with the
//! answer of a fault-free reference run done once at the start (itself checked against the
//! server's dataset); a call that spent its retries ends in a typed error, which is allowed and
//! counted by kind. A panic inside a call is caught and counted. The process's resident memory is
//! sampled every second; progress goes to stderr every 10 s, the report to stdout at the end.
//!
//! Target: every call exact or a typed error (no wrong result, no panic), and RSS flat after the
//! warm-up (the first 10 % of the run): no later sample more than 10 % above the RSS at the end
//! of the warm-up. The exit status is 1 when a result was wrong or a call panicked; the RSS
//! verdict is printed only.
//!
//! ```sh
//! cargo bench --bench soak                          # 10 minutes
//! cargo bench --bench soak -- --duration 60s        # or --secs 60, or PYXIS_SOAK_DURATION=60s
//! cargo bench --bench soak -- --duration 2m smol    # some adapters only
//! cargo bench --bench soak -- --seed 7              # another fault sequence (default 14)
//! ```

#[path = "../tests/adapters/runtimes.rs"]
mod runtimes;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use pyxis_gql::model::{ContainerImage, ContainerRepository};
use pyxis_gql::ops::{FindImagesByInstalledRpms, FindLatestImagesByNameVersion, FindRepositories};
use pyxis_gql::{
    Backoff, Client, Config, Error, Identity, RegistryPath, RetryPolicy, TransportError,
};
use pyxis_loopback::{BUSY_PACKAGE, Dataset, LoopbackPyxis, RandomFaults};
use runtimes::{AsyncStd, Runtime, Smol, Tokio};
use serde_json::Value;

const DEFAULT_DURATION: Duration = Duration::from_secs(600);
/// The share of requests the server faults, drawn from 503s, the MongoDB timeout inside a 200,
/// bodies cut mid-way and connections closed without an answer.
const FAULT_RATE: f64 = 0.15;
const DEFAULT_SEED: u64 = 14;
/// Every answer waits `LATENCY` plus a uniform random share of `JITTER`.
const LATENCY: Duration = Duration::from_millis(2);
const JITTER: Duration = Duration::from_millis(18);
/// RSS after this share of the run is the baseline for the flatness check.
const WARM_UP_SHARE: f64 = 0.10;
const RSS_TOLERANCE: f64 = 0.10;
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Attempts per request: at a 15 % fault rate, 0.15^4 ≈ 1 request in 2,000 spends them all, so
/// most calls survive and the typed-error path is still taken now and then.
const ATTEMPTS: u32 = 4;
/// Short waits between attempts, for both retry classes, so that the soak makes many calls; the
/// client's defaults (200 ms, and 30 s after a database timeout) suit a real server.
const BACKOFF: Backoff = Backoff::new(Duration::from_millis(10), Duration::from_millis(80));
const LOOKUPS_IN_FLIGHT: usize = 8;

/// The RPM whose images the installed-RPMs crawl looks for: most images ship it.
const RPM: &str = "openssl";
/// Builds in the NVR crawl: two chunks of 20 at the default chunk size.
const NVRS: usize = 40;
/// Registry paths looked up each round, of which the last two name no repository.
const LOOKUPS: usize = 16;

fn main() {
    let args = match Args::parse() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("soak: {message}");
            eprintln!(
                "usage: cargo bench --bench soak -- [--duration 600s|10m|1h | --secs N] \
                 [--seed N] [tokio] [smol] [async-std]   (or PYXIS_SOAK_DURATION=60s)"
            );
            std::process::exit(2);
        }
    };
    let adapters: Vec<&'static str> = ["tokio", "smol", "async-std"]
        .into_iter()
        .filter(|name| args.adapters.is_empty() || args.adapters.iter().any(|a| a == name))
        .collect();
    if adapters.is_empty() {
        eprintln!(
            "soak: no adapter named {:?}: use tokio, smol or async-std",
            args.adapters
        );
        std::process::exit(2);
    }

    println!(
        "soak: {} s on {} against the loopback Pyxis; {:.0} % random faults (seeds from {}), latency \
         {} ms + 0-{} ms jitter; {ATTEMPTS} attempts per request, backoff {}-{} ms",
        args.duration.as_secs(),
        adapters.join(", "),
        FAULT_RATE * 100.0,
        args.seed,
        LATENCY.as_millis(),
        JITTER.as_millis(),
        BACKOFF.initial().as_millis(),
        BACKOFF.max().as_millis(),
    );

    let reference_server = LoopbackPyxis::builder().record_requests(false).start();
    let work = Arc::new(Work::new(reference_server.dataset()));
    let expected = Arc::new(reference(&reference_server, &work, args.seed));
    drop(reference_server);
    println!(
        "reference (fault-free, checked against the dataset): {} images with {RPM}, {} images of \
         {NVRS} builds with {} RPMs, {} repositories, {} latest images, {} of {LOOKUPS} lookups \
         found",
        expected.rpm_crawl.len(),
        expected.nvr_crawl.len(),
        expected
            .nvr_crawl
            .iter()
            .map(|image| image.rpms().len())
            .sum::<usize>(),
        expected.repositories.len(),
        expected.latest.len(),
        expected.lookups.iter().flatten().count(),
    );

    let rss = Rss::new();
    let started = Instant::now();
    let until = started + args.duration;
    let mut runs = Vec::new();
    for (&name, nth) in adapters.iter().zip(0u64..) {
        let server = Arc::new(
            LoopbackPyxis::builder()
                .record_requests(false)
                .latency(LATENCY)
                .latency_jitter(JITTER)
                // One sequence of draws per adapter, so that they do not all meet the same one.
                .random_faults(RandomFaults::transient(FAULT_RATE, args.seed + nth))
                .start(),
        );
        let tally = Arc::new(Mutex::new(Tally::default()));
        let job = Job {
            server: Arc::clone(&server),
            work: Arc::clone(&work),
            expected: Arc::clone(&expected),
            tally: Arc::clone(&tally),
            until,
            seed: args.seed,
        };
        let handle = thread::Builder::new()
            .name(format!("soak-{name}"))
            .spawn(move || match name {
                "tokio" => job.run::<Tokio>(),
                "smol" => job.run::<Smol>(),
                _ => job.run::<AsyncStd>(),
            })
            .expect("a thread per adapter");
        runs.push(Run {
            name,
            server,
            tally,
            handle: Some(handle),
        });
    }

    let mut samples = vec![(Duration::ZERO, rss.read())];
    let mut next_sample = started + Duration::from_secs(1);
    let mut next_progress = started + PROGRESS_EVERY;
    while runs
        .iter()
        .any(|run| run.handle.as_ref().is_some_and(|h| !h.is_finished()))
    {
        thread::sleep(next_sample.saturating_duration_since(Instant::now()));
        next_sample += Duration::from_secs(1);
        samples.push((started.elapsed(), rss.read()));
        if Instant::now() >= next_progress {
            next_progress += PROGRESS_EVERY;
            progress(started.elapsed(), samples.last().and_then(|s| s.1), &runs);
        }
    }
    let mut thread_panics = 0;
    for run in &mut runs {
        if let Some(handle) = run.handle.take()
            && handle.join().is_err()
        {
            eprintln!("soak: the {} thread panicked outside a call", run.name);
            thread_panics += 1;
        }
    }
    let elapsed = started.elapsed();
    samples.push((elapsed, rss.read()));

    let wrong_or_panicked = report(&runs, &samples, args.duration, elapsed) + thread_panics;
    if wrong_or_panicked > 0 {
        std::process::exit(1);
    }
}

/// The command line.
struct Args {
    duration: Duration,
    seed: u64,
    adapters: Vec<String>,
}

impl Args {
    fn parse() -> Result<Args, String> {
        let mut args = Args {
            duration: match std::env::var("PYXIS_SOAK_DURATION") {
                Ok(text) => parse_duration(&text)
                    .ok_or(format!("PYXIS_SOAK_DURATION={text:?} is not a duration"))?,
                Err(_) => DEFAULT_DURATION,
            },
            seed: DEFAULT_SEED,
            adapters: Vec::new(),
        };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value)),
                _ => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .map(str::to_owned)
                    .or_else(|| it.next())
                    .ok_or(format!("{flag} needs a value"))
            };
            match flag.as_str() {
                // `cargo bench` passes it to every bench.
                "--bench" => {}
                "--duration" => {
                    let text = value()?;
                    args.duration = parse_duration(&text)
                        .ok_or(format!("--duration {text:?} is not a duration"))?;
                }
                "--secs" => {
                    let text = value()?;
                    args.duration = text
                        .parse()
                        .map(Duration::from_secs)
                        .map_err(|_| format!("--secs {text:?} is not a number of seconds"))?;
                }
                "--seed" => {
                    let text = value()?;
                    args.seed = text
                        .parse()
                        .map_err(|_| format!("--seed {text:?} is not a number"))?;
                }
                other if other.starts_with('-') => return Err(format!("unknown flag {other}")),
                adapter => args.adapters.push(adapter.to_owned()),
            }
        }
        if args.duration.is_zero() {
            return Err("the duration must be more than zero".into());
        }
        Ok(args)
    }
}

/// `90`, `90s`, `1.5m`, `10m`, `1h`: seconds unless a unit says otherwise.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    let seconds = number.trim().parse::<f64>().ok()? * scale;
    Duration::try_from_secs_f64(seconds).ok()
}

/// What each round asks, derived from the server's dataset.
struct Work {
    nvrs: Vec<String>,
    lookups: Vec<RegistryPath>,
    /// The dataset's own answers, to check the reference run against.
    dataset_rpm_images: usize,
    dataset_nvr_images: usize,
    dataset_repositories: usize,
    dataset_latest: Vec<String>,
}

impl Work {
    fn new(dataset: &Dataset) -> Work {
        let builds: BTreeSet<&str> = dataset
            .images
            .iter()
            .filter_map(|image| image.pointer("/brew/build").and_then(Value::as_str))
            .collect();
        // Spread over the sorted builds, so that the crawl mixes packages.
        let step = (builds.len() / NVRS).max(1);
        let nvrs: Vec<String> = builds
            .iter()
            .step_by(step)
            .take(NVRS)
            .map(|nvr| (*nvr).to_owned())
            .collect();
        let step = (dataset.repositories.len() / LOOKUPS).max(1);
        let mut lookups: Vec<RegistryPath> = dataset
            .repositories
            .iter()
            .step_by(step)
            .take(LOOKUPS - 2)
            .map(|r| {
                RegistryPath::new(
                    r["registry"].as_str().expect("a registry"),
                    r["repository"].as_str().expect("a repository"),
                )
            })
            .collect();
        lookups.push(RegistryPath::new(
            "registry.access.redhat.com",
            "no/such-repository",
        ));
        lookups.push(RegistryPath::new("quay.io", "soak/absent"));

        let published = |doc: &Value| {
            doc["repositories"]
                .as_array()
                .is_some_and(|repos| repos.iter().any(|r| r["published"] == true))
        };
        let ships_rpm = |image: &Value| {
            image
                .pointer("/rpm_manifest/rpms")
                .and_then(Value::as_array)
                .is_some_and(|rpms| rpms.iter().any(|rpm| rpm["name"] == RPM))
        };
        let dataset_rpm_images = dataset
            .images
            .iter()
            .filter(|image| published(image) && ships_rpm(image))
            .count();
        let dataset_nvr_images = nvrs
            .iter()
            .map(|nvr| dataset.images_by_nvr(nvr).len())
            .sum();
        let dataset_repositories = dataset
            .repositories
            .iter()
            .filter(|r| r["vendor_label"] == "redhat" && r["published"] == true)
            .count();
        // The dataset documents `busy-container-1.2-10` as the latest build of 1.2.
        let dataset_latest = dataset
            .images_by_nvr(&format!("{BUSY_PACKAGE}-1.2-10"))
            .iter()
            .filter_map(|image| image["_id"].as_str().map(str::to_owned))
            .collect();
        Work {
            nvrs,
            lookups,
            dataset_rpm_images,
            dataset_nvr_images,
            dataset_repositories,
            dataset_latest,
        }
    }

    fn rpm_search(&self) -> FindImagesByInstalledRpms {
        FindImagesByInstalledRpms::new([RPM]).published(true)
    }

    fn repository_search(&self) -> FindRepositories {
        FindRepositories::new().published(true)
    }

    fn latest_search(&self) -> FindLatestImagesByNameVersion {
        FindLatestImagesByNameVersion::new(BUSY_PACKAGE, "1.2")
    }
}

/// The right answer to each call of a round.
struct Expected {
    rpm_crawl: Vec<ContainerImage>,
    nvr_crawl: Vec<ContainerImage>,
    repositories: Vec<ContainerRepository>,
    latest: Vec<ContainerImage>,
    lookups: Vec<Option<ContainerRepository>>,
}

/// One fault-free run of every call (tokio, on a server without faults), checked against the
/// dataset.
fn reference(server: &LoopbackPyxis, work: &Work, seed: u64) -> Expected {
    let client = client::<Tokio>(server, seed);
    let expected = Tokio::block_on(async {
        let lookups = futures_util::future::join_all(
            work.lookups
                .iter()
                .map(|path| client.get_repository_by_registry_path(path)),
        )
        .await;
        Expected {
            rpm_crawl: client
                .find_images_by_installed_rpms(work.rpm_search())
                .await
                .expect("the reference installed-RPMs crawl"),
            nvr_crawl: client
                .find_images_by_nvrs(work.nvrs.iter().cloned(), true)
                .await
                .expect("the reference NVR crawl"),
            repositories: client
                .find_repositories(work.repository_search())
                .await
                .expect("the reference repository crawl"),
            latest: client
                .find_latest_images_by_name_version(work.latest_search())
                .await
                .expect("the reference latest-build call"),
            lookups: lookups
                .into_iter()
                .map(|found| found.expect("a reference lookup"))
                .collect(),
        }
    });
    assert_eq!(expected.rpm_crawl.len(), work.dataset_rpm_images);
    assert!(
        expected
            .rpm_crawl
            .iter()
            .all(|image| image.rpms().iter().all(|rpm| rpm.name() == Some(RPM))),
        "the installed-RPMs crawl keeps only the RPM asked for"
    );
    assert_eq!(expected.nvr_crawl.len(), work.dataset_nvr_images);
    assert!(
        expected.nvr_crawl.iter().all(|image| image
            .nvr()
            .is_some_and(|nvr| work.nvrs.iter().any(|n| n == nvr))),
        "the NVR crawl finds only the builds asked for"
    );
    assert_eq!(expected.repositories.len(), work.dataset_repositories);
    let latest: Vec<String> = expected
        .latest
        .iter()
        .filter_map(|image| image.id.as_deref().map(str::to_owned))
        .collect();
    assert_eq!(
        latest.iter().collect::<BTreeSet<_>>(),
        work.dataset_latest.iter().collect::<BTreeSet<_>>()
    );
    for (path, found) in work.lookups.iter().zip(&expected.lookups) {
        let present = server
            .dataset()
            .repository(path.registry(), path.repository())
            .is_some();
        assert_eq!(found.is_some(), present, "{path}");
        if let Some(found) = found {
            assert_eq!(found.registry_path().as_ref(), Some(path));
        }
    }
    expected
}

/// What an adapter thread needs.
struct Job {
    server: Arc<LoopbackPyxis>,
    work: Arc<Work>,
    expected: Arc<Expected>,
    tally: Arc<Mutex<Tally>>,
    until: Instant,
    seed: u64,
}

impl Job {
    /// Rounds until the end of the run; one `block_on` for all, as a tokio client's pooled
    /// connections belong to the runtime that opened them.
    fn run<R: Runtime>(self) {
        let client = client::<R>(&self.server, self.seed);
        R::block_on(async {
            while Instant::now() < self.until {
                self.round(&client).await;
            }
        });
    }

    /// Every call once, all at the same time.
    async fn round<T: pyxis_gql::Transport>(&self, client: &Client<T>) {
        let (work, expected, tally) = (&*self.work, &*self.expected, &*self.tally);
        let lookups = pyxis_gql::as_completed(
            work.lookups
                .iter()
                .zip(&expected.lookups)
                .map(|(path, want)| {
                    checked(
                        tally,
                        "lookup",
                        client.get_repository_by_registry_path(path),
                        want,
                    )
                }),
            LOOKUPS_IN_FLIGHT,
        )
        .count();
        futures_util::future::join5(
            checked(
                tally,
                "installed-RPMs crawl",
                client.find_images_by_installed_rpms(work.rpm_search()),
                &expected.rpm_crawl,
            ),
            checked(
                tally,
                "NVR crawl",
                client.find_images_by_nvrs(work.nvrs.iter().cloned(), true),
                &expected.nvr_crawl,
            ),
            checked(
                tally,
                "repository crawl",
                client.find_repositories(work.repository_search()),
                &expected.repositories,
            ),
            checked(
                tally,
                "latest build",
                client.find_latest_images_by_name_version(work.latest_search()),
                &expected.latest,
            ),
            lookups,
        )
        .await;
    }
}

/// Runs one call, catching a panic, and counts its outcome.
async fn checked<T, F>(tally: &Mutex<Tally>, operation: &'static str, call: F, want: &T)
where
    T: Compare,
    F: Future<Output = Result<T, Error>>,
{
    let outcome = AssertUnwindSafe(call).catch_unwind().await;
    let mut tally = lock(tally);
    *tally.calls.entry(operation).or_default() += 1;
    match outcome {
        Ok(Ok(got)) if got == *want => tally.exact += 1,
        Ok(Ok(got)) => {
            tally.wrong += 1;
            if tally.wrong_examples.len() < 5 {
                let difference = got.difference(want);
                tally
                    .wrong_examples
                    .push(format!("{operation}: {difference}"));
            }
        }
        Ok(Err(error)) => {
            *tally.errors.entry(kind(&error)).or_default() += 1;
            if !error.is_transient() {
                tally.not_spent_retries += 1;
            }
        }
        Err(_) => tally.panics += 1,
    }
}

/// Says how a wrong result differs from the right one, briefly.
trait Compare: PartialEq {
    fn difference(&self, want: &Self) -> String;
}

impl<T: PartialEq + Debug> Compare for Vec<T> {
    fn difference(&self, want: &Self) -> String {
        let first = self.iter().zip(want).position(|(got, want)| got != want);
        format!(
            "{} items instead of {}; first difference at {}",
            self.len(),
            want.len(),
            first.map_or_else(
                || "the end of the shorter".to_owned(),
                |i| format!("item {i}")
            ),
        )
    }
}

impl Compare for Option<ContainerRepository> {
    fn difference(&self, want: &Self) -> String {
        format!("{self:?} instead of {want:?}")
    }
}

/// The kind of a typed error, with the cause inside a crawl's or a chunk's error.
fn kind(error: &Error) -> String {
    match error {
        Error::Http { status, .. } => format!("Http({})", status.as_u16()),
        Error::Pyxis(pyxis) if pyxis.is_transient() => "Pyxis(database timeout)".into(),
        Error::Pyxis(pyxis) => format!("Pyxis({:?})", pyxis.status),
        Error::GraphQl { .. } => "GraphQl".into(),
        Error::Decode { .. } if error.is_truncated_body() => "Decode(truncated)".into(),
        Error::Decode { .. } => "Decode".into(),
        Error::BodyTooLarge { .. } => "BodyTooLarge".into(),
        Error::Transport(transport) => format!("Transport({})", transport_kind(transport)),
        Error::Timeout { scope, .. } => format!("Timeout({scope})"),
        Error::Pagination(pagination) => {
            let text = format!("{pagination:?}");
            let variant = text.split([' ', '(', '{']).next().unwrap_or_default();
            format!("Pagination({variant})")
        }
        Error::TooManyItems { .. } => "TooManyItems".into(),
        Error::Incomplete { source, .. } => format!("Incomplete > {}", kind(source)),
        Error::Chunk { source, .. } => format!("Chunk > {}", kind(source)),
        Error::Encode(_) => "Encode".into(),
        other => format!("other: {other}"),
    }
}

fn transport_kind(error: &TransportError) -> &'static str {
    match error {
        TransportError::Connect(_) => "Connect",
        TransportError::Tls(_) => "Tls",
        TransportError::Timeout(_) => "Timeout",
        TransportError::BodyTooLarge { .. } => "BodyTooLarge",
        TransportError::ConnectionClosed(_) => "ConnectionClosed",
        TransportError::Config(_) => "Config",
        TransportError::Other(_) => "Other",
        _ => "unknown",
    }
}

/// One adapter's outcomes so far.
#[derive(Default)]
struct Tally {
    calls: BTreeMap<&'static str, u64>,
    exact: u64,
    wrong: u64,
    wrong_examples: Vec<String>,
    errors: BTreeMap<String, u64>,
    /// Typed errors whose cause is not one a retry could fix (so not a spent retry budget).
    not_spent_retries: u64,
    panics: u64,
}

impl Tally {
    fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }

    fn total_errors(&self) -> u64 {
        self.errors.values().sum()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic is caught and counted inside `checked`, never while the lock is held; should one
    // poison it all the same, the counts are still the ones to report.
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// An adapter's thread, server and counts.
struct Run {
    name: &'static str,
    server: Arc<LoopbackPyxis>,
    tally: Arc<Mutex<Tally>>,
    handle: Option<thread::JoinHandle<()>>,
}

/// A client of runtime `R` for `server`, with retries for a faulty server.
fn client<R: Runtime>(server: &LoopbackPyxis, seed: u64) -> Client<R::Transport> {
    let retry = RetryPolicy::default()
        .max_attempts(ATTEMPTS)
        .initial_backoff(BACKOFF.initial())
        .max_backoff(BACKOFF.max())
        .database_timeout_backoff(BACKOFF)
        .jitter(seed);
    let config = Config::builder()
        .endpoint(R::endpoint(server.url()))
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .retry(retry)
        // Bounds on a call that hangs, so that one would show as a typed error, not a stuck run.
        .attempt_timeout(Duration::from_secs(10))
        .deadline(Duration::from_secs(60))
        // Smaller pages than the defaults, for more pages (and faults) per crawl.
        .page_size(50)
        .small_page_size(25)
        .build()
        .expect("a valid configuration");
    Client::from_config(
        R::transport(config.transport()).expect("the transport builds"),
        &config,
    )
}

/// The process's resident set, from `/proc/self/status` (Linux).
struct Rss {
    available: bool,
}

impl Rss {
    fn new() -> Rss {
        let rss = Rss { available: true };
        Rss {
            available: rss.read().is_some(),
        }
    }

    /// Resident set size in KiB, or `None` where `/proc` does not tell.
    fn read(&self) -> Option<u64> {
        if !self.available {
            return None;
        }
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn show(rss: Option<u64>) -> String {
    rss.map_or_else(|| "unavailable".to_owned(), mib)
}

/// One line on stderr: time, RSS, and per adapter calls, exact results and errors so far.
fn progress(elapsed: Duration, rss: Option<u64>, runs: &[Run]) {
    let adapters: Vec<String> = runs
        .iter()
        .map(|run| {
            let tally = lock(&run.tally);
            format!(
                "{} {} calls, {} exact, {} wrong, {} errors",
                run.name,
                tally.total_calls(),
                tally.exact,
                tally.wrong,
                tally.total_errors()
            )
        })
        .collect();
    eprintln!(
        "[{:>5.0} s] rss {} | {}",
        elapsed.as_secs_f64(),
        show(rss),
        adapters.join(" | ")
    );
}

/// The final report on stdout; returns the wrong results and panics, which fail the run.
fn report(
    runs: &[Run],
    samples: &[(Duration, Option<u64>)],
    planned: Duration,
    elapsed: Duration,
) -> u64 {
    println!("\nran {:.1} s", elapsed.as_secs_f64());
    println!(
        "adapter   |   calls |   exact | wrong | errors | not spent retries | panics | requests \
         | random faults"
    );
    let mut failures = 0;
    for run in runs {
        let tally = lock(&run.tally);
        let requests = run.server.request_count();
        let faults = run.server.random_fault_count();
        println!(
            "{:<9} | {:>7} | {:>7} | {:>5} | {:>6} | {:>17} | {:>6} | {:>8} | {:>7} ({:.1} %)",
            run.name,
            tally.total_calls(),
            tally.exact,
            tally.wrong,
            tally.total_errors(),
            tally.not_spent_retries,
            tally.panics,
            requests,
            faults,
            100.0 * faults as f64 / requests.max(1) as f64,
        );
        failures += tally.wrong + tally.panics;
    }
    for run in runs {
        let tally = lock(&run.tally);
        let calls: Vec<String> = tally
            .calls
            .iter()
            .map(|(operation, n)| format!("{operation} {n}"))
            .collect();
        println!("\n{}: calls: {}", run.name, calls.join(", "));
        if tally.errors.is_empty() {
            println!("  errors: none");
        }
        for (kind, n) in &tally.errors {
            println!("  error {kind}: {n}");
        }
        for example in &tally.wrong_examples {
            println!("  WRONG {example}");
        }
    }

    let warm_up = planned.mul_f64(WARM_UP_SHARE);
    let start = samples.first().and_then(|s| s.1);
    let end = samples.last().and_then(|s| s.1);
    let max = samples.iter().filter_map(|s| s.1).max();
    let warmed = samples.iter().find(|s| s.0 >= warm_up);
    let after: Vec<u64> = samples
        .iter()
        .filter(|s| s.0 >= warm_up)
        .filter_map(|s| s.1)
        .collect();
    println!(
        "\nRSS (sampled every second, {} samples): start {}, after warm-up ({:.0} s) {}, max \
         after warm-up {}, min after warm-up {}, end {}, max overall {}",
        samples.len(),
        show(start),
        warmed.map_or(warm_up, |s| s.0).as_secs_f64(),
        show(warmed.and_then(|s| s.1)),
        show(after.iter().copied().max()),
        show(after.iter().copied().min()),
        show(end),
        show(max),
    );

    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let wrong: u64 = runs.iter().map(|run| lock(&run.tally).wrong).sum();
    let panics: u64 = runs.iter().map(|run| lock(&run.tally).panics).sum();
    println!(
        "target: every result exact or a typed error: {} ({wrong} wrong, {panics} panics)",
        met(wrong == 0 && panics == 0)
    );
    match (warmed.and_then(|s| s.1), after.iter().copied().max()) {
        (Some(base), Some(top)) => {
            let growth = top as f64 / base as f64 - 1.0;
            println!(
                "target: RSS flat within {:.0} % after warm-up: {} (max {:+.1} % of the RSS at \
                 the end of warm-up; end {:+.1} %)",
                RSS_TOLERANCE * 100.0,
                met(growth <= RSS_TOLERANCE),
                growth * 100.0,
                end.map_or(0.0, |end| (end as f64 / base as f64 - 1.0) * 100.0),
            );
        }
        _ => println!("target: RSS flat after warm-up: unavailable (no RSS on this system)"),
    }
    failures
}
