//! A [`Transport`] for the tokio runtime: reqwest over the shared rustls setup.
//!
//! [`TokioTransport`] keeps one pooled reqwest client (HTTP/1.1 keep-alive connections, the TLS
//! configuration from [`pyxis_gql_rustls::client_config`], the configured connect timeout) and
//! reads each body chunk by chunk, stopping as soon as it passes the configured cap. The time
//! allowed for a whole attempt is the [`Client`]'s to enforce.
//!
//! With [`TransportOptions::compression`] on (the default), reqwest asks for gzip and inflates
//! gzip bodies as they arrive; the cap counts the inflated bytes, so a small body that inflates
//! to gigabytes stops at the cap. A corrupt gzip body is [`TransportError::Decode`].
//!
//! Requests must be sent, and [`Transport::sleep`] awaited, inside a tokio runtime with the I/O
//! and time drivers enabled (for example under `#[tokio::main]`): reqwest opens its connections
//! with tokio, and `sleep` uses tokio's timer. Building the transport needs no runtime.
//!
//! Errors are classified for the client's retry policy: a rustls error anywhere in the source
//! chain, or a connection cut during the handshake, is [`TransportError::Tls`]; a refused or
//! unreachable address is [`TransportError::Connect`]; a reset or early close after connecting
//! (including a server that stops mid-body) is [`TransportError::ConnectionClosed`]. With TLS 1.3
//! a server that refuses the client certificate does so after the client's side of the handshake
//! is done, so that refusal arrives with the first response read, as a fatal alert: still `Tls`.
//!
//! ```no_run
//! use pyxis_gql::Transport;
//! # async fn demo() -> Result<(), pyxis_gql::TransportError> {
//! let transport = pyxis_gql_tokio::TokioTransport::new(&pyxis_gql::TransportOptions::default())?;
//! let request = http::Request::post(pyxis_gql::DEFAULT_ENDPOINT)
//!     .header("content-type", "application/json")
//!     .body(pyxis_gql::bytes::Bytes::from_static(br#"{"query":"{ __typename }"}"#))
//!     .unwrap();
//! let response = transport.send(request).await?;
//! println!("{}", response.status());
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use http::{Request, Response};
use pyxis_gql::bytes::Bytes;
use pyxis_gql::{Client, Config, Transport, TransportError, TransportOptions};
use pyxis_gql_rustls::Cause;

/// The reqwest version this crate is built on, for [`TokioTransport::from_client`].
pub use reqwest;

/// A Pyxis client on a new [`TokioTransport`] built from `config`: the shortest way to a working
/// client.
///
/// The client must be used inside a tokio runtime.
///
/// # Errors
///
/// As [`TokioTransport::new`].
pub fn client(config: &Config) -> Result<Client<TokioTransport>, TransportError> {
    let transport = TokioTransport::new(config.transport())?;
    Ok(Client::from_config(transport, config))
}

/// A [`Transport`] on a pooled reqwest client; see the [crate docs](crate).
///
/// Cloning is cheap and shares the connection pool. `Debug` shows the settings, never the client
/// identity or any header.
#[derive(Clone)]
pub struct TokioTransport {
    client: reqwest::Client,
    max_body_bytes: usize,
    connect_timeout: Option<Duration>,
}

impl TokioTransport {
    /// Builds a transport from `options`: TLS, connect timeout, body cap and compression.
    ///
    /// Redirects are not followed (a redirect comes back as the response it is), and proxies
    /// named by the usual `HTTPS_PROXY`/`NO_PROXY` environment variables are honoured.
    ///
    /// # Errors
    ///
    /// [`TransportError::Config`] when the TLS material in `options` is unusable or the HTTP
    /// client cannot be built.
    pub fn new(options: &TransportOptions) -> Result<Self, TransportError> {
        let tls = pyxis_gql_rustls::client_config(options)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(options.connect_timeout())
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .gzip(options.compression())
            .build()
            .map_err(|err| TransportError::Config(Box::new(err)))?;
        Ok(Self {
            client,
            max_body_bytes: options.max_body_bytes(),
            connect_timeout: Some(options.connect_timeout()),
        })
    }

    /// Wraps a client the caller configured (pool, TLS, proxies, timeouts) with a body cap.
    ///
    /// The client's own settings apply as they are (redirects, proxies, TLS, and compression:
    /// this crate's reqwest has its `gzip` feature, so a client decodes gzip unless built with
    /// `.gzip(false)`; the cap counts the decoded bytes either way); to share the rustls
    /// setup of the other adapters, give its builder
    /// `tls_backend_preconfigured(pyxis_gql_rustls::client_config(&options)?)`.
    ///
    /// The transport adds no timeout of its own; a timeout the client reports comes back as
    /// [`TransportError::Timeout`] with a zero duration, since the transport does not know the
    /// value. The [`Client`]'s attempt timeout applies as with any transport.
    pub fn from_client(client: reqwest::Client, max_body_bytes: usize) -> Self {
        Self {
            client,
            max_body_bytes,
            connect_timeout: None,
        }
    }

    /// The reqwest client underneath.
    pub fn reqwest_client(&self) -> &reqwest::Client {
        &self.client
    }

    async fn exchange(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        let request = reqwest::Request::try_from(request)
            .map_err(|err| TransportError::Config(Box::new(err)))?;
        let mut response = self
            .client
            .execute(request)
            .await
            .map_err(|err| self.map_error(err))?;

        let limit = self.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(TransportError::BodyTooLarge { limit });
        }
        let capacity = response
            .content_length()
            .map_or(0, |len| len as usize)
            .min(limit);
        let mut body = Vec::with_capacity(capacity);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.map_body_error(err))?
        {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::BodyTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }

        let mut out = Response::new(Bytes::from(body));
        *out.status_mut() = response.status();
        *out.version_mut() = response.version();
        *out.headers_mut() = std::mem::take(response.headers_mut());
        Ok(out)
    }

    /// Classifies a failure while reading the body, where reqwest reports every failure as a
    /// decode error: only one that the connection does not explain, and that comes from the
    /// gzip decoder, is a corrupt body.
    fn map_body_error(&self, err: reqwest::Error) -> TransportError {
        let corrupt =
            matches!(pyxis_gql_rustls::classify(&err), Cause::Unknown) && from_gzip_decoder(&err);
        if corrupt {
            return TransportError::Decode(Box::new(err));
        }
        self.map_error(err)
    }

    fn map_error(&self, err: reqwest::Error) -> TransportError {
        // The only timer this transport sets is the connect timeout; any other timeout is a
        // caller-built client's own, of a length the transport does not know.
        let timeout = |connect: bool| {
            let known = self.connect_timeout.filter(|_| connect);
            TransportError::Timeout(known.unwrap_or_default())
        };
        if err.is_timeout() {
            return timeout(err.is_connect());
        }
        match pyxis_gql_rustls::classify(&err) {
            Cause::Tls => TransportError::Tls(Box::new(err)),
            // Closed while connecting: TCP is up, so the TLS handshake was cut short.
            Cause::ConnectionClosed if err.is_connect() => TransportError::Tls(Box::new(err)),
            Cause::ConnectionClosed => TransportError::ConnectionClosed(Box::new(err)),
            Cause::Connect => TransportError::Connect(Box::new(err)),
            Cause::TimedOut => timeout(err.is_connect()),
            _ if err.is_connect() => TransportError::Connect(Box::new(err)),
            _ if err.is_builder() => TransportError::Config(Box::new(err)),
            _ => TransportError::Other(Box::new(err)),
        }
    }
}

/// Whether the chain holds what the gzip decoder reports: deflate's own error for corrupt
/// data, or an `io::Error` of kind `InvalidData` (a bad header, a checksum that does not match).
fn from_gzip_decoder(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        if err.is::<flate2::DecompressError>() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::InvalidData {
                return true;
            }
            // An io::Error's `source` skips the wrapped error itself.
            if let Some(inner) = io.get_ref() {
                next = Some(inner as &(dyn std::error::Error + 'static));
                continue;
            }
        }
        next = err.source();
    }
    false
}

impl fmt::Debug for TokioTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioTransport")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for TokioTransport {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        self.exchange(request).await
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}
