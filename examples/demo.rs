//! The seed example: look up 24 repositories by registry path, keep the published ones, and
//! compare doing it one at a time with doing it concurrently (`as_completed`), on tokio, smol and
//! async-std.
//!
//! ```sh
//! cargo run --example demo                      # against the embedded loopback Pyxis, 200 ms latency
//! cargo run --example demo -- --runtime smol    # one runtime only
//! cargo run --example demo -- --url https://pyxis.example.com/graphql/ --cert c.pem --key k.pem
//! ```

#[path = "../tests/adapters/runtimes.rs"]
mod runtimes;

use std::error::Error;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pyxis_gql::model::ContainerRepository;
use pyxis_gql::{Config, ConfigBuilder, Identity, RegistryPath};
use pyxis_loopback::LoopbackPyxis;
use runtimes::{AsyncStd, Runtime, Smol, Tokio};

/// Well-known repositories, for runs against a real Pyxis.
const PUBLIC_PATHS: [&str; 24] = [
    "registry.access.redhat.com/ubi8/ubi",
    "registry.access.redhat.com/ubi8/ubi-minimal",
    "registry.access.redhat.com/ubi8/ubi-micro",
    "registry.access.redhat.com/ubi8/ubi-init",
    "registry.access.redhat.com/ubi9/ubi",
    "registry.access.redhat.com/ubi9/ubi-minimal",
    "registry.access.redhat.com/ubi9/ubi-micro",
    "registry.access.redhat.com/ubi9/ubi-init",
    "registry.access.redhat.com/ubi8/python-39",
    "registry.access.redhat.com/ubi8/nodejs-18",
    "registry.access.redhat.com/ubi8/openjdk-17",
    "registry.access.redhat.com/ubi8/go-toolset",
    "registry.access.redhat.com/ubi9/python-311",
    "registry.access.redhat.com/ubi9/nodejs-20",
    "registry.access.redhat.com/ubi9/openjdk-21",
    "registry.access.redhat.com/ubi9/go-toolset",
    "registry.access.redhat.com/ubi9/httpd-24",
    "registry.access.redhat.com/ubi9/nginx-122",
    "registry.access.redhat.com/ubi9/postgresql-15",
    "registry.access.redhat.com/ubi9/redis-7",
    "registry.access.redhat.com/ubi9/ruby-33",
    "registry.access.redhat.com/ubi9/php-82",
    "registry.access.redhat.com/rhel7/rhel",
    "registry.access.redhat.com/ubi9/does-not-exist",
];

struct Args {
    url: Option<String>,
    cert: Option<String>,
    key: Option<String>,
    ca: Vec<String>,
    runtime: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: None,
        cert: None,
        key: None,
        ca: Vec::new(),
        runtime: "all".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => args.url = Some(value()?),
            "--cert" => args.cert = Some(value()?),
            "--key" => args.key = Some(value()?),
            "--ca" => args.ca.push(value()?),
            "--runtime" => args.runtime = value()?,
            "-h" | "--help" => {
                return Err("usage: demo [--url URL [--cert PEM --key PEM] [--ca PEM]...] [--runtime tokio|smol|async-std|all]".into());
            }
            other => return Err(format!("unknown argument {other}; try --help")),
        }
    }
    Ok(args)
}

/// Where to look things up: the loopback server (kept alive here) or a real Pyxis.
struct Target {
    url: String,
    config: ConfigBuilder,
    paths: Vec<RegistryPath>,
    _server: Option<LoopbackPyxis>,
}

fn target(args: &Args) -> Result<Target, Box<dyn Error>> {
    let Some(url) = &args.url else {
        let server = LoopbackPyxis::builder()
            .latency(Duration::from_millis(200))
            .start();
        let identity = Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        );
        let paths = server.dataset().repositories.iter().take(24).map(|r| {
            RegistryPath::new(
                r["registry"].as_str().unwrap_or_default(),
                r["repository"].as_str().unwrap_or_default(),
            )
        });
        println!(
            "embedded loopback Pyxis at {} (200 ms per request)",
            server.url()
        );
        return Ok(Target {
            url: server.url(),
            config: Config::builder()
                .add_root_certificate_pem(server.ca_pem())
                .identity(identity),
            paths: paths.collect(),
            _server: Some(server),
        });
    };
    let mut config = Config::builder();
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        config = config.identity(Identity::from_pem(
            std::fs::read(cert)?,
            std::fs::read(key)?,
        ));
    }
    for ca in &args.ca {
        config = config.add_root_certificate_pem(std::fs::read(ca)?);
    }
    let paths = PUBLIC_PATHS
        .iter()
        .map(|p| p.parse())
        .collect::<Result<_, _>>()?;
    Ok(Target {
        url: url.clone(),
        config,
        paths,
        _server: None,
    })
}

/// The wanted result: a repository that exists and is published.
fn wanted(
    found: Result<Option<ContainerRepository>, pyxis_gql::Error>,
) -> Option<ContainerRepository> {
    match found {
        Ok(Some(repository)) if repository.published == Some(true) => Some(repository),
        Ok(_) => None,
        Err(error) => {
            eprintln!("  lookup failed: {error}");
            None
        }
    }
}

fn run<R: Runtime>(name: &str, target: &Target) -> Result<(), Box<dyn Error>> {
    let config = target
        .config
        .clone()
        .endpoint(R::endpoint(target.url.clone()))
        .build()?;
    let client = R::client(&config)?;
    let paths = &target.paths;
    let (sequential, concurrent, found) = R::block_on(async {
        let started = Instant::now();
        let mut one_by_one = Vec::new();
        for path in paths {
            one_by_one.extend(wanted(client.get_repository_by_registry_path(path).await));
        }
        let sequential = started.elapsed();

        let started = Instant::now();
        let lookups = paths
            .iter()
            .map(|path| client.get_repository_by_registry_path(path));
        let at_once: Vec<ContainerRepository> = pyxis_gql::as_completed(lookups, paths.len())
            .filter_map(|found| async { wanted(found) })
            .collect()
            .await;
        let concurrent = started.elapsed();
        assert_eq!(
            one_by_one.len(),
            at_once.len(),
            "both ways find the same repositories"
        );
        (sequential, concurrent, at_once.len())
    });
    println!(
        "{name:>9}: {} lookups, {found} published kept, {} skipped | sequential {:>6.0} ms | as_completed {:>5.0} ms | {:.1}x",
        paths.len(),
        paths.len() - found,
        sequential.as_secs_f64() * 1e3,
        concurrent.as_secs_f64() * 1e3,
        sequential.as_secs_f64() / concurrent.as_secs_f64(),
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args().map_err(|message| {
        eprintln!("{message}");
        std::process::exit(2)
    })?;
    let target = target(&args)?;
    let all = args.runtime == "all";
    let mut ran = false;
    if all || args.runtime == "tokio" {
        run::<Tokio>("tokio", &target)?;
        ran = true;
    }
    if all || args.runtime == "smol" {
        run::<Smol>("smol", &target)?;
        ran = true;
    }
    if all || args.runtime == "async-std" {
        run::<AsyncStd>("async-std", &target)?;
        ran = true;
    }
    if !ran {
        eprintln!(
            "unknown runtime {:?}: use tokio, smol, async-std or all",
            args.runtime
        );
        std::process::exit(2);
    }
    Ok(())
}
