//! A [`Transport`] for smol, and for anything else on futures-io (async-std included).
//!
//! [`SmolTransport`] drives hyper's HTTP/1.1 client and its connection pool over smol's
//! `TcpStream`, with TLS from futures-rustls and the rustls configuration built by
//! [`pyxis_gql_rustls::client_config`]. Connection tasks run on smol's global executor
//! (`smol::spawn`), hyper's timers are smol [`Timer`]s, the connect timeout and the per-request
//! timeout are each raced against a `Timer`, and the body is read frame by frame up to the cap.
//!
//! Everything is written against futures-io and async-io's global reactor, so the transport runs
//! unchanged under smol, under async-std (`async_std::task::block_on`, `#[async_std::main]`),
//! or under a plain [`block_on`] from a synchronous `main`:
//!
//! ```no_run
//! use pyxis_gql::Transport;
//! let config = pyxis_gql::Config::builder().build().unwrap();
//! let transport = pyxis_gql_smol::SmolTransport::new(&config).unwrap();
//! let request = http::Request::post(config.endpoint().as_str())
//!     .header("content-type", "application/json")
//!     .body(br#"{"query":"{ __typename }"}"#.to_vec())
//!     .unwrap();
//! let response = pyxis_gql_smol::block_on(transport.send(request)).unwrap();
//! println!("{}", response.status());
//! ```
//!
//! Proxies are not supported: connections go straight to the endpoint's host.
#![forbid(unsafe_code)]

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures_rustls::TlsConnector;
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Full};
use hyper::body::Body as _;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::{Connected, Connection};
use pyxis_gql::{Client, Config, Transport, TransportError};
use pyxis_gql_rustls::Cause;
use rustls::pki_types::ServerName;
use smol::Timer;
use smol::future::FutureExt as _;
use smol::io::{AsyncRead, AsyncWrite};
use smol::net::TcpStream;

/// Runs a future to completion on the current thread: the blocking entry point for synchronous
/// callers (what `asyncio.run(main())` is in Python, `pyxis_gql_smol::block_on(main())` is here).
///
/// This is `smol::block_on`; connection tasks keep running on smol's global executor.
pub fn block_on<F: Future>(future: F) -> F::Output {
    smol::block_on(future)
}

/// A Pyxis client on a new [`SmolTransport`] built from `config`: the shortest way to a working client.
///
/// Runs under smol, async-std or [`block_on`].
///
/// # Errors
///
/// As [`SmolTransport::new`].
pub fn client(config: &Config) -> Result<Client<SmolTransport>, TransportError> {
    Ok(Client::new(SmolTransport::new(config)?, config))
}

/// A [`Transport`] on hyper's pooled HTTP/1.1 client over smol; see the [crate docs](crate).
///
/// Cloning is cheap and shares the connection pool. `Debug` shows the settings, never the client
/// identity or any header.
#[derive(Clone)]
pub struct SmolTransport {
    client: HyperClient<Connector, Full<Bytes>>,
    max_body_bytes: usize,
    request_timeout: Duration,
    connect_timeout: Duration,
}

impl SmolTransport {
    /// Builds a transport from the TLS, timeout and body-cap parts of `config`.
    ///
    /// Nothing runs until the first request; `new` itself needs no runtime.
    ///
    /// # Errors
    ///
    /// [`TransportError::Config`] when the TLS material in `config` is unusable.
    pub fn new(config: &Config) -> Result<Self, TransportError> {
        let tls = pyxis_gql_rustls::client_config(config)?;
        let connector = Connector {
            tls: TlsConnector::from(Arc::new(tls)),
            timeout: config.connect_timeout(),
        };
        let client = HyperClient::builder(SmolExecutor)
            .timer(SmolTimer)
            .pool_timer(SmolTimer)
            .pool_idle_timeout(Duration::from_secs(60))
            .build(connector);
        Ok(Self {
            client,
            max_body_bytes: config.max_body_bytes(),
            request_timeout: config.request_timeout(),
            connect_timeout: config.connect_timeout(),
        })
    }

    async fn exchange(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let response = self
            .client
            .request(request)
            .await
            .map_err(|err| self.map_error(err))?;
        let (parts, mut body) = response.into_parts();

        let limit = self.max_body_bytes;
        if body.size_hint().lower() > limit as u64 {
            return Err(TransportError::BodyTooLarge { limit });
        }
        let mut bytes = Vec::with_capacity((body.size_hint().lower() as usize).min(limit));
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|err| self.map_error(err))?;
            if let Ok(data) = frame.into_data() {
                if bytes.len() + data.len() > limit {
                    return Err(TransportError::BodyTooLarge { limit });
                }
                bytes.extend_from_slice(&data);
            }
        }
        Ok(Response::from_parts(parts, bytes))
    }

    fn map_error(&self, err: impl StdError + Send + Sync + 'static) -> TransportError {
        let mut next: Option<&(dyn StdError + 'static)> = Some(&err);
        while let Some(cause) = next {
            if let Some(connect) = cause.downcast_ref::<ConnectError>() {
                return match connect {
                    ConnectError::Timeout(limit) => TransportError::Timeout(*limit),
                    ConnectError::Tcp(io) if io.kind() == io::ErrorKind::TimedOut => {
                        TransportError::Timeout(self.connect_timeout)
                    }
                    ConnectError::Tcp(_) => TransportError::Connect(Box::new(err)),
                    ConnectError::Tls(_) => TransportError::Tls(Box::new(err)),
                    ConnectError::Uri(_) => TransportError::Config(Box::new(err)),
                };
            }
            next = cause.source();
        }
        match classify(&err) {
            Cause::Tls => TransportError::Tls(Box::new(err)),
            Cause::ConnectionClosed => TransportError::ConnectionClosed(Box::new(err)),
            Cause::Connect => TransportError::Connect(Box::new(err)),
            Cause::TimedOut => TransportError::Timeout(self.request_timeout),
            _ => TransportError::Other(Box::new(err)),
        }
    }
}

/// The shared source-chain reading, plus what only hyper can tell: a connection that closed
/// before the whole message arrived, or a request dropped because its connection went away.
fn classify(err: &(dyn StdError + 'static)) -> Cause {
    match pyxis_gql_rustls::classify(err) {
        Cause::Unknown => {}
        cause => return cause,
    }
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(hyper) = err.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() || hyper.is_canceled() || hyper.is_closed() {
                return Cause::ConnectionClosed;
            }
            if hyper.is_timeout() {
                return Cause::TimedOut;
            }
        }
        next = err.source();
    }
    Cause::Unknown
}

impl fmt::Debug for SmolTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmolTransport")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for SmolTransport {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        let limit = self.request_timeout;
        self.exchange(request)
            .or(async {
                Timer::after(limit).await;
                Err(TransportError::Timeout(limit))
            })
            .await
    }

    async fn sleep(&self, duration: Duration) {
        Timer::after(duration).await;
    }
}

/// Runs hyper's background tasks (connections, pool upkeep) on smol's global executor.
#[derive(Clone, Copy, Debug)]
struct SmolExecutor;

impl<F> hyper::rt::Executor<F> for SmolExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        smol::spawn(future).detach();
    }
}

/// hyper's timer, on smol's [`Timer`].
#[derive(Clone, Copy, Debug)]
struct SmolTimer;

impl hyper::rt::Timer for SmolTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(SmolSleep(Timer::after(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(SmolSleep(Timer::at(deadline)))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<SmolSleep>() {
            Some(mut ours) => ours.0.set_at(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

struct SmolSleep(Timer);

impl Future for SmolSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.0).poll(cx).map(drop)
    }
}

impl hyper::rt::Sleep for SmolSleep {}

/// Opens TCP connections, with TLS for `https` URIs, within the connect timeout.
#[derive(Clone)]
struct Connector {
    tls: TlsConnector,
    timeout: Duration,
}

impl tower_service::Service<Uri> for Connector {
    type Response = FuturesIo;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<FuturesIo, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        let limit = self.timeout;
        Box::pin(this.connect(uri).or(async move {
            Timer::after(limit).await;
            Err(ConnectError::Timeout(limit))
        }))
    }
}

impl Connector {
    async fn connect(self, uri: Uri) -> Result<FuturesIo, ConnectError> {
        let tls = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => {
                return Err(ConnectError::Uri(format!(
                    "unsupported URI scheme in {uri}"
                )));
            }
        };
        let host = uri
            .host()
            .ok_or_else(|| ConnectError::Uri(format!("no host in {uri}")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(ConnectError::Tcp)?;
        tcp.set_nodelay(true).map_err(ConnectError::Tcp)?;
        if !tls {
            return Ok(FuturesIo::new(Box::new(tcp)));
        }
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| ConnectError::Uri(format!("{host:?} is not a valid TLS server name")))?;
        let stream = self
            .tls
            .connect(name, tcp)
            .await
            .map_err(ConnectError::Tls)?;
        Ok(FuturesIo::new(Box::new(stream)))
    }
}

/// Why the connector could not hand hyper a connection.
#[derive(Debug)]
enum ConnectError {
    Timeout(Duration),
    Tcp(io::Error),
    Tls(io::Error),
    Uri(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(limit) => write!(f, "connecting took longer than {limit:?}"),
            Self::Tcp(_) => f.write_str("TCP connect failed"),
            Self::Tls(_) => f.write_str("TLS handshake failed"),
            Self::Uri(reason) => f.write_str(reason),
        }
    }
}

impl StdError for ConnectError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::Tcp(err) | Self::Tls(err) => Some(err),
            Self::Timeout(_) | Self::Uri(_) => None,
        }
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

impl Connection for FuturesIo {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}
