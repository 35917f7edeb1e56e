//! A [`Transport`] for smol, and for anything else on futures-io (async-std included).
//!
//! [`SmolTransport`] drives hyper's HTTP/1.1 client connections over smol's `TcpStream`, with
//! TLS from futures-rustls and the rustls configuration built by
//! [`pyxis_gql_rustls::client_config`]. Connection tasks run on smol's global executor
//! (`smol::spawn`); finished connections wait in a small keep-alive pool for the next request;
//! the connect timeout is raced against a smol [`Timer`]; the body is read frame by frame up to
//! the cap. The time allowed for a whole attempt is the [`Client`]'s to enforce.
//!
//! With [`TransportOptions::compression`] on (the default), requests ask for gzip
//! (`Accept-Encoding: gzip`, unless the request names encodings itself) and a gzip body is
//! inflated frame by frame with flate2; the cap counts the inflated bytes, so a small body that
//! inflates to gigabytes stops at the cap. A corrupt gzip body is [`TransportError::Decode`].
//!
//! Everything is written against futures-io and async-io's global reactor, so the transport runs
//! unchanged under smol, under async-std (`async_std::task::block_on`, `#[async_std::main]`),
//! or under a plain [`block_on`] from a synchronous `main`:
//!
//! ```no_run
//! use pyxis_gql::Transport;
//! let transport = pyxis_gql_smol::SmolTransport::new(&pyxis_gql::TransportOptions::default()).unwrap();
//! let request = http::Request::post(pyxis_gql::DEFAULT_ENDPOINT)
//!     .header("content-type", "application/json")
//!     .body(pyxis_gql::bytes::Bytes::from_static(br#"{"query":"{ __typename }"}"#))
//!     .unwrap();
//! let response = pyxis_gql_smol::block_on(transport.send(request)).unwrap();
//! println!("{}", response.status());
//! ```
//!
//! Errors are classified for the client's retry policy: any failure of the TLS handshake, or a
//! rustls error later on, is [`TransportError::Tls`]; a refused or unreachable address is
//! [`TransportError::Connect`]; a reset or early close after connecting (including a server that
//! stops mid-body) is [`TransportError::ConnectionClosed`]. With TLS 1.3 a server that refuses
//! the client certificate does so after the client's side of the handshake is done, so that
//! refusal arrives with the first response read, as a fatal alert: still `Tls`.
//!
//! Connections are kept alive in a small pool of hyper's own `SendRequest` handles. A connection
//! goes back to the pool as soon as its response body has been read, and the next request waits
//! for that connection to be ready rather than racing a new connection against it, so sequential
//! requests share one connection. Connections idle for a minute, or closed by the server, are
//! dropped; a request whose kept-alive connection turns out to be closed before anything was
//! written is sent once more on a new connection.
//!
//! `https` requests go through an HTTP proxy when [`TransportOptions::proxy`] says so: an
//! explicit [`Proxy`], or by default the one `HTTPS_PROXY` (or `https_proxy`)
//! names, except for the hosts `NO_PROXY` (or `no_proxy`) lists; an explicit setting, including
//! [`without_proxy`](pyxis_gql::TransportOptionsBuilder::without_proxy), ignores the environment.
//! The transport opens TCP to the proxy, asks it for a `CONNECT` tunnel to the server (with
//! `Proxy-Authorization: Basic` when the proxy URL has credentials) and runs TLS to the server
//! inside the tunnel, client certificate included; kept-alive connections keep their tunnel.
//! An unreachable proxy is [`TransportError::Connect`]; a proxy that refuses the tunnel is
//! [`TransportError::ProxyRefused`] with its status. The connect timeout covers the proxy too.
#![forbid(unsafe_code)]

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures_rustls::TlsConnector;
use http::header::{ACCEPT_ENCODING, HOST};
use http::uri::{PathAndQuery, Scheme};
use http::{HeaderValue, Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Body as _;
use hyper::client::conn::http1;
use pyxis_gql::{BoxError, Client, Config, Proxy, Transport, TransportError, TransportOptions};
use pyxis_gql_rustls::Cause;
use pyxis_gql_wire::BodyReader;
use rustls::pki_types::ServerName;
use smol::Timer;
use smol::future::FutureExt as _;
use smol::io::{AsyncRead, AsyncWrite};
use smol::net::TcpStream;

/// How long an unused connection is kept for reuse.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a future to completion on the current thread: the blocking entry point for synchronous
/// callers (what `asyncio.run(main())` is in Python, `pyxis_gql_smol::block_on(main())` is here).
///
/// This is `smol::block_on`; connection tasks keep running on smol's global executor.
pub fn block_on<F: Future>(future: F) -> F::Output {
    smol::block_on(future)
}

/// A Pyxis client on a new [`SmolTransport`] built from `config`: the shortest way to a working
/// client.
///
/// Runs under smol, async-std or [`block_on`].
///
/// # Errors
///
/// As [`SmolTransport::new`].
pub fn client(config: &Config) -> Result<Client<SmolTransport>, TransportError> {
    let transport = SmolTransport::new(config.transport())?;
    Ok(Client::from_config(transport, config))
}

/// A [`Transport`] on hyper's HTTP/1.1 client over smol; see the [crate docs](crate).
///
/// Cloning is cheap and shares the connection pool. `Debug` shows the settings, never the client
/// identity or any header.
#[derive(Clone)]
pub struct SmolTransport {
    tls: TlsConnector,
    pool: Arc<Pool>,
    proxy: Option<Proxy>,
    max_body_bytes: usize,
    connect_timeout: Duration,
    compression: bool,
}

impl SmolTransport {
    /// Builds a transport from `options`: TLS, proxy, connect timeout, body cap and compression.
    /// The proxy environment variables are read here, once.
    ///
    /// Nothing runs until the first request; `new` itself needs no runtime.
    ///
    /// # Errors
    ///
    /// [`TransportError::Config`] when the TLS material in `options` is unusable, or when the
    /// proxy policy reads an unusable proxy URL from the environment.
    pub fn new(options: &TransportOptions) -> Result<Self, TransportError> {
        let tls = pyxis_gql_rustls::client_config(options)?;
        Ok(Self {
            tls: TlsConnector::from(Arc::new(tls)),
            pool: Arc::default(),
            proxy: pyxis_gql_wire::proxy_from_env(options.proxy())?,
            max_body_bytes: options.max_body_bytes(),
            connect_timeout: options.connect_timeout(),
            compression: options.compression(),
        })
    }

    async fn exchange(
        &self,
        mut request: Request<Bytes>,
    ) -> Result<Response<Bytes>, TransportError> {
        if self.compression && !request.headers().contains_key(ACCEPT_ENCODING) {
            let gzip = HeaderValue::from_static("gzip");
            request.headers_mut().insert(ACCEPT_ENCODING, gzip);
        }
        let (key, mut request) = origin_form(request, self.proxy.as_ref())?;
        let mut pooled = self.pool.checkout(&key).await;
        let (conn, response) = loop {
            let (mut conn, reused) = match pooled.take() {
                Some(conn) => (conn, true),
                None => (self.connect(&key).await?, false),
            };
            match conn.sender.try_send_request(request).await {
                Ok(response) => break (conn, response),
                Err(mut err) => match err.take_message() {
                    // A kept-alive connection the server had closed, noticed before anything
                    // was written: the request came back untouched; send it on a new connection.
                    Some(unsent) if reused => request = unsent,
                    // A new connection that died before it could take the request (a TLS 1.3
                    // server refusing the client certificate does that): its task knows why.
                    Some(_) => {
                        return Err(match conn.task.await {
                            Err(cause) => self.map_error(cause),
                            Ok(()) => self.map_error(err.into_error()),
                        });
                    }
                    None => return Err(self.map_error(err.into_error())),
                },
            }
        };
        let (mut parts, mut body) = response.into_parts();

        let limit = self.max_body_bytes;
        let mut reader = BodyReader::new(&mut parts.headers, self.compression, limit);
        let declared = body.size_hint().lower();
        if reader.is_plain() && declared > limit as u64 {
            return Err(TransportError::BodyTooLarge { limit });
        }
        reader.reserve(usize::try_from(declared).unwrap_or(usize::MAX));
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| self.map_error(err))?;
            if let Ok(data) = frame.into_data() {
                reader.push(&data)?;
            }
        }
        let bytes = reader.finish()?;
        // The whole answer is read, so the connection can carry the next request.
        self.pool.put(key, conn);
        Ok(Response::from_parts(parts, Bytes::from(bytes)))
    }

    /// Opens a connection (TCP, then TLS for `https`) within the connect timeout and starts its
    /// task on smol's global executor.
    async fn connect(&self, key: &Key) -> Result<Conn, TransportError> {
        let limit = self.connect_timeout;
        let io = self
            .open(key)
            .or(async {
                Timer::after(limit).await;
                Err(TransportError::Timeout(limit))
            })
            .await?;
        let (sender, connection) = http1::handshake(io)
            .await
            .map_err(|err| self.map_error(err))?;
        Ok(Conn {
            sender,
            task: smol::spawn(connection),
        })
    }

    async fn open(&self, key: &Key) -> Result<FuturesIo, TransportError> {
        let host = key.host.trim_start_matches('[').trim_end_matches(']');
        let port = key.port;
        let context = |what: &str, err: io::Error| -> BoxError {
            Box::new(IoContext {
                what: format!("{what} {host}:{port}"),
                source: err,
            })
        };
        let timed_out = |err: &io::Error| {
            (pyxis_gql_rustls::classify(err) == Cause::TimedOut)
                .then_some(TransportError::Timeout(self.connect_timeout))
        };
        let tcp = match self.proxy.as_ref().filter(|_| key.proxied) {
            Some(proxy) => {
                let mut tcp = TcpStream::connect((proxy.host(), proxy.port()))
                    .await
                    .map_err(|err| {
                        timed_out(&err).unwrap_or_else(|| {
                            TransportError::Connect(pyxis_gql_wire::proxy_connect_error(proxy, err))
                        })
                    })?;
                pyxis_gql_wire::open(&mut tcp, proxy, host, port).await?;
                tcp
            }
            None => TcpStream::connect((host, port)).await.map_err(|err| {
                timed_out(&err)
                    .unwrap_or_else(|| TransportError::Connect(context("connecting to", err)))
            })?,
        };
        tcp.set_nodelay(true)
            .map_err(|err| TransportError::Connect(context("connecting to", err)))?;
        if !key.tls {
            return Ok(FuturesIo::new(Box::new(tcp)));
        }
        let name = ServerName::try_from(host.to_owned()).map_err(|err| {
            TransportError::Config(format!("{host:?} is not a TLS server name: {err}").into())
        })?;
        // Whatever cuts the handshake short (a rustls error, a reset, an early close) is a TLS
        // failure: the server would not, or could not, agree on a session.
        let stream = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(|err| TransportError::Tls(context("TLS handshake with", err)))?;
        Ok(FuturesIo::new(Box::new(stream)))
    }

    fn map_error(&self, err: hyper::Error) -> TransportError {
        match pyxis_gql_rustls::classify(&err) {
            Cause::Tls => TransportError::Tls(Box::new(err)),
            Cause::ConnectionClosed => TransportError::ConnectionClosed(Box::new(err)),
            Cause::Connect => TransportError::Connect(Box::new(err)),
            // The system gave up on a live connection (keep-alive probes unanswered): no timer
            // of this transport's, so a dead connection.
            Cause::TimedOut => TransportError::ConnectionClosed(Box::new(err)),
            _ => TransportError::Other(Box::new(err)),
        }
    }
}

impl fmt::Debug for SmolTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmolTransport")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .field("proxy", &self.proxy)
            .field("compression", &self.compression)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for SmolTransport {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        self.exchange(request).await
    }

    async fn sleep(&self, duration: Duration) {
        Timer::after(duration).await;
    }
}

/// An I/O error with what was being attempted, and where.
#[derive(Debug)]
struct IoContext {
    what: String,
    source: io::Error,
}

impl fmt::Display for IoContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)
    }
}

impl StdError for IoContext {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// One HTTP/1.1 connection: the handle that sends on it and the task that drives it. Dropping
/// it closes the connection.
struct Conn {
    sender: http1::SendRequest<Full<Bytes>>,
    task: smol::Task<hyper::Result<()>>,
}

/// Where a connection goes: requests to the same key may share one.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    tls: bool,
    host: String,
    port: u16,
    /// Through the transport's proxy (a tunnel), or straight to the host.
    proxied: bool,
}

/// Splits an absolute-form request into its connection key and the origin-form request
/// HTTP/1.1 sends, with a `Host` header.
fn origin_form(
    request: Request<Bytes>,
    proxy: Option<&Proxy>,
) -> Result<(Key, Request<Full<Bytes>>), TransportError> {
    let proxied = proxy.is_some_and(|proxy| proxy.applies_to(request.uri()));
    let (mut parts, body) = request.into_parts();
    let uri = &parts.uri;
    let tls = match uri.scheme() {
        Some(scheme) if *scheme == Scheme::HTTPS => true,
        Some(scheme) if *scheme == Scheme::HTTP => false,
        _ => return Err(config_error(format!("not an http(s) URL: {uri}"))),
    };
    let authority = uri
        .authority()
        .ok_or_else(|| config_error(format!("no host in {uri}")))?;
    let key = Key {
        tls,
        host: authority.host().to_owned(),
        port: authority.port_u16().unwrap_or(if tls { 443 } else { 80 }),
        proxied,
    };
    if !parts.headers.contains_key(HOST) {
        let host = match authority.port() {
            Some(_) => authority.as_str().rsplit('@').next().unwrap_or_default(),
            None => authority.host(),
        };
        let value = HeaderValue::from_str(host)
            .map_err(|_| config_error(format!("unusable host in {uri}")))?;
        parts.headers.insert(HOST, value);
    }
    let path = uri
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    parts.uri = Uri::from(path);
    Ok((key, Request::from_parts(parts, Full::new(body))))
}

fn config_error(message: String) -> TransportError {
    TransportError::Config(message.into())
}

/// Connections waiting for their next request, newest last.
#[derive(Default)]
struct Pool {
    idle: Mutex<Vec<(Key, Conn, Instant)>>,
}

impl Pool {
    /// The most recently used live connection for `key`, once it is ready for a request.
    ///
    /// A connection goes back to the pool as soon as its response has been read, maybe before
    /// its task has noticed; waiting for `ready` here (rather than racing a new connection
    /// against it) is what makes sequential requests share one connection.
    async fn checkout(&self, key: &Key) -> Option<Conn> {
        loop {
            let mut conn = {
                let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
                idle.retain(|(_, conn, since)| {
                    !conn.sender.is_closed() && since.elapsed() < IDLE_TIMEOUT
                });
                let position = idle.iter().rposition(|(k, _, _)| k == key)?;
                idle.remove(position).1
            };
            if conn.sender.ready().await.is_ok() {
                return Some(conn);
            }
        }
    }

    fn put(&self, key: Key, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.push((key, conn, Instant::now()));
    }
}

/// Anything readable and writable through futures-io.
trait AsyncReadWrite: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncReadWrite for T {}

/// A futures-io stream seen through hyper's I/O traits.
///
/// hyper hands out a possibly uninitialised buffer that safe code cannot fill directly, so reads
/// go through a small scratch buffer and are copied in with `put_slice`.
struct FuturesIo {
    inner: Box<dyn AsyncReadWrite>,
    scratch: Box<[u8]>,
}

impl FuturesIo {
    const SCRATCH: usize = 16 * 1024;

    fn new(inner: Box<dyn AsyncReadWrite>) -> Self {
        Self {
            inner,
            scratch: vec![0; Self::SCRATCH].into_boxed_slice(),
        }
    }
}

impl hyper::rt::Read for FuturesIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let len = buf.remaining().min(this.scratch.len());
        let read = Pin::new(&mut this.inner).poll_read(cx, &mut this.scratch[..len]);
        read.map_ok(|n| buf.put_slice(&this.scratch[..n]))
    }
}

impl hyper::rt::Write for FuturesIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}
