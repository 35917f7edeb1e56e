//! The three runtimes the suite runs on, behind one small trait.

use std::future::Future;

use pyxis_gql::{Config, Transport, TransportError};

/// A runtime and its transport.
pub(crate) trait Runtime {
    /// The adapter's transport.
    type Transport: Transport + std::fmt::Debug + 'static;
    /// Builds the transport from a config.
    fn transport(config: &Config) -> Result<Self::Transport, TransportError>;
    /// Runs a future to completion on this runtime.
    fn block_on<F: Future>(future: F) -> F::Output;
    /// The URL to reach the loopback server at.
    fn endpoint(server_url: String) -> String {
        server_url
    }
}

pub(crate) struct Tokio;

impl Runtime for Tokio {
    type Transport = pyxis_gql_tokio::TokioTransport;
    fn transport(config: &Config) -> Result<Self::Transport, TransportError> {
        pyxis_gql_tokio::TokioTransport::new(config)
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
    fn transport(config: &Config) -> Result<Self::Transport, TransportError> {
        pyxis_gql_smol::SmolTransport::new(config)
    }
    fn block_on<F: Future>(future: F) -> F::Output {
        pyxis_gql_smol::block_on(future)
    }
}

pub(crate) struct AsyncStd;

impl Runtime for AsyncStd {
    type Transport = pyxis_gql_async_std::AsyncStdTransport;
    fn transport(config: &Config) -> Result<Self::Transport, TransportError> {
        pyxis_gql_async_std::AsyncStdTransport::new(config)
    }
    fn block_on<F: Future>(future: F) -> F::Output {
        async_std::task::block_on(future)
    }
    /// Its old TLS stack verifies DNS names only, not IP addresses.
    fn endpoint(server_url: String) -> String {
        server_url.replacen("127.0.0.1", "localhost", 1)
    }
}
