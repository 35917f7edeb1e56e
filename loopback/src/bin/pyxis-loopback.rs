//! The embedded loopback Pyxis as a process, for tests written in other languages.
//!
//! Writes the server's CA, a client certificate, its key, the two together in one PEM file, and
//! the documents it answers from (`dataset.json`: `{"repositories": [...], "images": [...]}`)
//! to a directory, prints one JSON line
//! `{"url", "ca", "cert", "key", "cert_and_key", "dataset", "dir"}`, then answers commands on
//! standard input, one a line, each with one JSON line:
//! - `stats`: `{"requests", "abandoned", "connections", "body_bytes", "gzipped"}` so far
//!   (`abandoned`: requests whose client hung up before the answer was ready; `body_bytes`: the
//!   response body bytes sent, after compression; `gzipped`: answers sent compressed);
//! - `latency MS`: the delay before each answer from now on; answers `{"latency_ms"}`.
//!
//! It stops when standard input closes.
//!
//! ```sh
//! cargo run -p pyxis-loopback --bin pyxis-loopback -- [--latency-ms MS] [--dir DIR] \
//!     [--dataset REPOSITORIES,IMAGES,RPMS_PER_IMAGE] [--bandwidth-mbit N] [--no-compression]
//! ```
//!
//! `--bandwidth-mbit N` limits what the server writes to N Mbit/s over all connections;
//! `--no-compression` answers uncompressed even to requests that accept gzip.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::Duration;

use pyxis_loopback::{DatasetSpec, LoopbackPyxis};
use serde_json::json;

fn main() {
    if let Err(message) = run() {
        eprintln!("pyxis-loopback: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut latency = Duration::ZERO;
    let mut dir = None;
    let mut spec = DatasetSpec::default();
    let mut bandwidth = None;
    let mut compression = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--latency-ms" => latency = Duration::from_millis(milliseconds(&value()?)?),
            "--dir" => dir = Some(PathBuf::from(value()?)),
            "--dataset" => spec = dataset_spec(&value()?)?,
            "--bandwidth-mbit" => bandwidth = Some(megabits(&value()?)?),
            "--no-compression" => compression = false,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let server = LoopbackPyxis::builder()
        .latency(latency)
        .dataset(spec)
        .record_requests(false)
        .compression(compression)
        .bandwidth(bandwidth)
        .start();
    let dir = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("pyxis-loopback-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |name: &str, pem: String| -> Result<String, String> {
        let path = dir.join(name);
        std::fs::write(&path, pem).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path.display().to_string())
    };
    let started = json!({
        "url": server.url(),
        "ca": write("ca.pem", server.ca_pem())?,
        "cert": write("cert.pem", server.client_cert_pem())?,
        "key": write("key.pem", server.client_key_pem())?,
        "cert_and_key": write(
            "cert-and-key.pem",
            server.client_cert_pem() + &server.client_key_pem()
        )?,
        "dataset": write(
            "dataset.json",
            json!({
                "repositories": server.dataset().repositories,
                "images": server.dataset().images,
            })
            .to_string()
        )?,
        "dir": dir.display().to_string(),
    });
    let mut out = std::io::stdout().lock();
    let mut say = |value: serde_json::Value| -> Result<(), String> {
        writeln!(out, "{value}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("stdout: {e}"))
    };
    say(started)?;
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        let mut words = line.split_whitespace();
        let reply = match (words.next(), words.next()) {
            (Some("stats"), None) => json!({
                "requests": server.request_count(),
                "abandoned": server.abandoned_count(),
                "connections": server.connection_count(),
                "body_bytes": server.body_bytes_sent(),
                "gzipped": server.gzipped_count(),
            }),
            (Some("latency"), Some(ms)) => match milliseconds(ms) {
                Ok(ms) => {
                    server.set_latency(Duration::from_millis(ms));
                    json!({ "latency_ms": ms })
                }
                Err(error) => json!({ "error": error }),
            },
            (None, _) => continue,
            _ => json!({ "error": format!("unknown command {line:?}") }),
        };
        say(reply)?;
    }
    Ok(())
}

fn dataset_spec(text: &str) -> Result<DatasetSpec, String> {
    let numbers: Vec<usize> = text
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| format!("--dataset {text:?}: want REPOSITORIES,IMAGES,RPMS_PER_IMAGE"))?;
    match numbers[..] {
        [repositories, images, rpms_per_image] => Ok(DatasetSpec {
            repositories,
            images,
            rpms_per_image,
        }),
        _ => Err(format!(
            "--dataset {text:?}: want REPOSITORIES,IMAGES,RPMS_PER_IMAGE"
        )),
    }
}

fn milliseconds(text: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number of milliseconds"))
}

/// Bytes per second for a link of `text` Mbit/s (a positive number, fractions allowed).
fn megabits(text: &str) -> Result<u64, String> {
    match text.parse::<f64>() {
        Ok(mbit) if mbit.is_finite() && mbit > 0.0 => Ok(((mbit * 125_000.0) as u64).max(1)),
        _ => Err(format!(
            "--bandwidth-mbit {text:?}: want a positive number of Mbit/s"
        )),
    }
}
