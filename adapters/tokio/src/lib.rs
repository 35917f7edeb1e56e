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
//! `https` requests go through an HTTP proxy when [`TransportOptions::proxy`] says so, by the
//! same rules as the other adapters: an explicit [`Proxy`], or by default the one `HTTPS_PROXY`
//! (or `https_proxy`) names, except for the hosts `NO_PROXY` (or `no_proxy`) lists; an explicit
//! setting, including [`without_proxy`](pyxis_gql::TransportOptionsBuilder::without_proxy),
//! ignores the environment. reqwest opens the `CONNECT` tunnel (with `Proxy-Authorization:
//! Basic` when the proxy URL has credentials) and runs TLS to the server inside it, client
//! certificate included. reqwest's own reading of the environment (and of the system's proxy
//! settings) is turned off, so that the three adapters agree. An unreachable proxy is
//! [`TransportError::Connect`]; a proxy that refuses the tunnel is
//! [`TransportError::ProxyRefused`], whose status reqwest tells only for 407 (any other refusal
//! comes with `status: None`).
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

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use http::{Request, Response};
use pyxis_gql::bytes::Bytes;
use pyxis_gql::{Client, Config, Proxy, Transport, TransportError, TransportOptions};
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
    /// The proxy of a transport built by [`TokioTransport::new`], to name it in errors.
    proxy: Option<Proxy>,
}

impl TokioTransport {
    /// Builds a transport from `options`: TLS, proxy, connect timeout, body cap and compression.
    /// The proxy environment variables are read here, once (see the [crate docs](crate)).
    ///
    /// Redirects are not followed (a redirect comes back as the response it is).
    ///
    /// # Errors
    ///
    /// [`TransportError::Config`] when the TLS material in `options` is unusable, the proxy
    /// policy reads an unusable proxy URL from the environment, or the HTTP client cannot be
    /// built.
    pub fn new(options: &TransportOptions) -> Result<Self, TransportError> {
        let tls = pyxis_gql_rustls::client_config(options)?;
        let proxy = options
            .proxy()
            .resolve(|name| std::env::var(name).ok())
            .map_err(|err| TransportError::Config(Box::new(err)))?;
        let builder = match &proxy {
            None => reqwest::Client::builder().no_proxy(),
            Some(proxy) => reqwest::Client::builder().proxy(reqwest_proxy(proxy)?),
        };
        let client = builder
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
            proxy,
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
            proxy: None,
        }
    }

    /// The reqwest client underneath.
    pub fn reqwest_client(&self) -> &reqwest::Client {
        &self.client
    }

    async fn exchange(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        let proxied = self
            .proxy
            .as_ref()
            .filter(|proxy| proxy.applies_to(request.uri()));
        let request = reqwest::Request::try_from(request)
            .map_err(|err| TransportError::Config(Box::new(err)))?;
        let mut response = self.client.execute(request).await.map_err(|err| {
            match (self.map_error(err), proxied) {
                // reqwest names the server, not the proxy it could not reach.
                (TransportError::Connect(source), Some(proxy)) => {
                    TransportError::Connect(Box::new(ViaProxy {
                        proxy: proxy.authority(),
                        source,
                    }))
                }
                (other, _) => other,
            }
        })?;

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
        if let Some(refused) = tunnel_refusal(&err) {
            return refused;
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
            .field("proxy", &self.proxy)
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

/// A reqwest proxy for `https` requests that `proxy` applies to (its `NO_PROXY` list decides,
/// as in the other adapters), with its credentials as basic auth.
fn reqwest_proxy(proxy: &Proxy) -> Result<reqwest::Proxy, TransportError> {
    let target = reqwest::Url::parse(&format!("http://{}", proxy.authority()))
        .map_err(|err| TransportError::Config(Box::new(err)))?;
    let rules = proxy.clone();
    let intercept = reqwest::Proxy::custom(move |url| {
        let uri = url.as_str().parse::<http::Uri>().ok()?;
        rules.applies_to(&uri).then(|| target.clone())
    });
    Ok(match proxy.credentials() {
        Some(credentials) => intercept.basic_auth(credentials.username(), credentials.password()),
        None => intercept,
    })
}

/// The proxy's refusal of a tunnel, read from the error's text: the tunnel's error type is
/// private to hyper-util, and says its status only for 407.
fn tunnel_refusal(err: &(dyn StdError + 'static)) -> Option<TransportError> {
    let mut next = Some(err);
    while let Some(err) = next {
        match err.to_string().as_str() {
            "tunnel error: proxy authorization required" => {
                return Some(TransportError::ProxyRefused {
                    status: Some(http::StatusCode::PROXY_AUTHENTICATION_REQUIRED),
                });
            }
            "tunnel error: unsuccessful" => {
                return Some(TransportError::ProxyRefused { status: None });
            }
            _ => next = err.source(),
        }
    }
    None
}

/// A connection through `proxy` that could not be made.
#[derive(Debug)]
struct ViaProxy {
    proxy: String,
    source: pyxis_gql::BoxError,
}

impl fmt::Display for ViaProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connecting through proxy {}", self.proxy)
    }
}

impl StdError for ViaProxy {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}
