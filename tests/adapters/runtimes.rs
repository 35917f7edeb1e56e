//! The three runtimes the suite runs on, behind one small trait.
#![allow(dead_code)] // Each user of these runtimes needs a different part of them.

use std::future::Future;

use pyxis_gql::{Client, Config, Transport, TransportError, TransportOptions};

/// A runtime and its transport.
pub(crate) trait Runtime {
    /// The adapter's transport.
    type Transport: Transport + std::fmt::Debug + 'static;
    /// The adapter's name, as its transport's `Debug` starts.
    const NAME: &'static str;
    /// The module `suite_for!` puts this runtime's tests in, which names them for a child
    /// process (`tunnel`).
    const MODULE: &'static str;
    /// Whether a proxy's refusal of CONNECT comes with its status, whatever the status.
    const REPORTS_PROXY_STATUS: bool = true;
    /// Builds the transport from its options.
    fn transport(options: &TransportOptions) -> Result<Self::Transport, TransportError>;
    /// The adapter's one-call client.
    fn client(config: &Config) -> Result<Client<Self::Transport>, TransportError>;
    /// Runs a future to completion on this runtime.
    fn block_on<F: Future>(future: F) -> F::Output;
    /// How to reach a local server given as `127.0.0.1`, in a URL or a `host:port`.
    fn endpoint(server_url: String) -> String {
        server_url
    }
}

pub(crate) struct Tokio;

impl Runtime for Tokio {
    type Transport = pyxis_gql_tokio::TokioTransport;
    const NAME: &'static str = "TokioTransport";
    const MODULE: &'static str = "tokio";
    /// reqwest tells the status of a refusal only for 407.
    const REPORTS_PROXY_STATUS: bool = false;
    fn transport(options: &TransportOptions) -> Result<Self::Transport, TransportError> {
        pyxis_gql_tokio::TokioTransport::new(options)
    }
    fn client(config: &Config) -> Result<Client<Self::Transport>, TransportError> {
        pyxis_gql_tokio::client(config)
    }
    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
            .block_on(future)
    }
}

pub(crate) struct Smol;

impl Runtime for Smol {
    type Transport = pyxis_gql_smol::SmolTransport;
    const NAME: &'static str = "SmolTransport";
    const MODULE: &'static str = "smol";
    fn transport(options: &TransportOptions) -> Result<Self::Transport, TransportError> {
        pyxis_gql_smol::SmolTransport::new(options)
    }
    fn client(config: &Config) -> Result<Client<Self::Transport>, TransportError> {
        pyxis_gql_smol::client(config)
    }
    fn block_on<F: Future>(future: F) -> F::Output {
        pyxis_gql_smol::block_on(future)
    }
}

pub(crate) struct AsyncStd;

impl Runtime for AsyncStd {
    type Transport = pyxis_gql_async_std::AsyncStdTransport;
    const NAME: &'static str = "AsyncStdTransport";
    const MODULE: &'static str = "async_std";
    fn transport(options: &TransportOptions) -> Result<Self::Transport, TransportError> {
        pyxis_gql_async_std::AsyncStdTransport::new(options)
    }
    fn client(config: &Config) -> Result<Client<Self::Transport>, TransportError> {
        pyxis_gql_async_std::client(config)
    }
    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }
    /// Its old TLS stack verifies DNS names only, not IP addresses.
    fn endpoint(server_url: String) -> String {
        server_url.replacen("127.0.0.1", "localhost", 1)
    }
}
