//! `pyxis`: every pyxis-gql operation from the shell.
//!
//! A consumer of the library like any other: it parses the command line into an operation
//! ([`plan`]), builds a [`Config`] and a [`Client`] on the transport of the chosen runtime, and
//! prints what comes back ([`run`], [`output`]). Failures end as one line on stderr naming their
//! kind and exit status 1; command-line mistakes exit with status 2.
//!
//! ```sh
//! cargo run --bin pyxis -- --output table repos-by-name ubi9/ubi
//! ```

mod args;
mod failure;
mod input;
mod output;
mod plan;
mod run;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use std::time::Instant;

use pyxis_gql::cache::{CacheOptions, CachedTransport};
use pyxis_gql::{Client, Config, Transport};

use crate::args::{Cli, Command, Runtime};
use crate::failure::Failure;
use crate::plan::Job;
use crate::run::Settings;

fn main() -> ExitCode {
    let cli = Cli::parse();
    report_on_stderr(cli.verbose);
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(shell, &mut Cli::command(), "pyxis", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let job = match Job::from_command(&cli.command) {
        Ok(job) => job,
        Err(failure) => return fail(failure, &[]),
    };
    let (config, secrets) = match plan::config(&cli, &job) {
        Ok(built) => built,
        Err(failure) => return fail(failure, &[]),
    };
    let cache = match plan::cache(&cli) {
        Ok(cache) => cache,
        Err(failure) => return fail(failure, &[]),
    };
    let settings = Settings {
        format: cli.output,
        concurrency: usize::from(cli.concurrency),
        batch_size: usize::from(cli.batch_size),
    };
    let layers = Layers { config, cache };
    let outcome = match cli.runtime {
        Runtime::Tokio => on_tokio(&layers, job, settings),
        Runtime::Smol => pyxis_gql_smol::block_on(async {
            let transport = pyxis_gql_smol::SmolTransport::new(layers.config.transport())?;
            run::run(&layers.client(transport), job, settings).await
        }),
        Runtime::AsyncStd => async_std::task::block_on(async {
            let transport = pyxis_gql_async_std::AsyncStdTransport::new(layers.config.transport())?;
            run::run(&layers.client(transport), job, settings).await
        }),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(failure, &secrets),
    }
}

/// Sends the client's spans and events to stderr: at `-v` its retries, give-ups and crawl ends,
/// at `-vv` its calls and pages with their durations; `RUST_LOG` overrides both.
fn report_on_stderr(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::fmt::format::FmtSpan;
    let filter = match std::env::var("RUST_LOG") {
        Ok(_) => EnvFilter::from_default_env(),
        Err(_) if verbose == 0 => return,
        Err(_) if verbose == 1 => EnvFilter::new("pyxis_gql=info"),
        Err(_) => EnvFilter::new("pyxis_gql=debug"),
    };
    let spans = if verbose >= 2 {
        FmtSpan::CLOSE
    } else {
        FmtSpan::NONE
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

/// What a client is built from: the configuration, and the cache `--cache-ttl` asks for.
struct Layers {
    config: Config,
    cache: Option<CacheOptions>,
}

impl Layers {
    /// A client on `transport`, behind the cache when there is one.
    fn client<T: Transport + 'static>(&self, transport: T) -> Client<Box<dyn Transport>> {
        let transport: Box<dyn Transport> = match &self.cache {
            Some(options) => Box::new(CachedTransport::new(
                transport,
                options.clone(),
                Instant::now as fn() -> Instant,
            )),
            None => Box::new(transport),
        };
        Client::from_config(transport, &self.config)
    }
}

/// Runs the job on a single-threaded tokio runtime: the client spawns nothing, so one thread
/// drives every request in flight.
fn on_tokio(layers: &Layers, job: Job, settings: Settings) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::Setup(format!("cannot start the tokio runtime: {error}")))?;
    runtime.block_on(async {
        let transport = pyxis_gql_tokio::TokioTransport::new(layers.config.transport())?;
        run::run(&layers.client(transport), job, settings).await
    })
}

/// Reports a failure: clap's usage message and status 2 for usage errors, one line and status
/// 1 for the rest, nothing when the reader of standard output went away.
fn fail(failure: Failure, secrets: &[String]) -> ExitCode {
    if let Failure::Usage(message) = &failure {
        Cli::command()
            .error(ErrorKind::ValueValidation, message)
            .exit();
    }
    if failure.is_broken_pipe() {
        return ExitCode::SUCCESS;
    }
    eprintln!("pyxis: {}", failure.line(secrets));
    ExitCode::FAILURE
}
