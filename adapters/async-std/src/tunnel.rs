//! surf has no proxy support, so this is an HTTP client for surf that reaches `https` servers
//! through a proxy's `CONNECT` tunnel: TCP to the proxy, the tunnel (`pyxis-gql-wire`), then
//! TLS with the same rustls 0.18 configuration and HTTP/1.1 exchange (`async-h1`) that surf's own
//! h1 client uses. Requests the proxy does not apply to go to that h1 client unchanged.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use async_std::net::TcpStream;
use async_tls::client::TlsStream;
use futures_lite::future::poll_once;
use futures_lite::io::{AsyncRead, AsyncReadExt as _, AsyncWrite};
use http_client::h1::H1Client;
use pyxis_gql::{Proxy, TransportError};
use surf::http::{Request, Response};

/// How long an unused tunnel is kept for reuse.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

type Idle = Mutex<Vec<(Target, TlsStream<TcpStream>, Instant)>>;

/// The server end of a tunnel: requests to the same target may share one.
type Target = (String, u16);

/// surf's HTTP client with `https` requests sent through `proxy`.
pub(crate) struct TunnelClient {
    proxy: Proxy,
    config: http_client::Config,
    direct: H1Client,
    idle: Arc<Idle>,
}

impl TunnelClient {
    pub(crate) fn new(proxy: Proxy, config: http_client::Config) -> Self {
        let direct = H1Client::try_from(config.clone()).unwrap_or_else(|never| match never {});
        Self {
            proxy,
            config,
            direct,
            idle: Arc::default(),
        }
    }

    /// The newest idle tunnel to `target` that is still open, if any.
    async fn checkout(&self, target: &Target) -> Option<TlsStream<TcpStream>> {
        loop {
            let mut stream = {
                let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
                idle.retain(|(_, _, since)| since.elapsed() < IDLE_TIMEOUT);
                let position = idle.iter().rposition(|(t, _, _)| t == target)?;
                idle.remove(position).1
            };
            // An idle connection has nothing to read: a ready read means the server closed it
            // (or sent something unasked), so it cannot carry a request.
            let mut probe = [0u8; 1];
            if poll_once(stream.read(&mut probe)).await.is_none() {
                return Some(stream);
            }
        }
    }

    /// TCP to the proxy, the tunnel to `target`, then TLS to the server inside it.
    async fn open(&self, target: &Target) -> Result<TlsStream<TcpStream>, TransportError> {
        let (host, port) = (target.0.as_str(), target.1);
        let proxy = &self.proxy;
        let mut tcp = TcpStream::connect((proxy.host(), proxy.port()))
            .await
            .map_err(|err| {
                TransportError::Connect(pyxis_gql_wire::proxy_connect_error(proxy, err))
            })?;
        tcp.set_nodelay(self.config.tcp_no_delay)
            .map_err(|err| TransportError::Connect(Box::new(err)))?;
        pyxis_gql_wire::open(&mut tcp, proxy, host, port).await?;
        let connector = match &self.config.tls_config {
            Some(tls) => async_tls::TlsConnector::from(Arc::clone(tls)),
            None => async_tls::TlsConnector::default(),
        };
        // Whatever cuts the handshake short is a TLS failure, as on a direct connection: the
        // server would not, or could not, agree on a session.
        connector
            .connect(host, tcp)
            .await
            .map_err(|err| TransportError::Tls(Box::new(err)))
    }
}

impl fmt::Debug for TunnelClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TunnelClient")
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl surf::HttpClient for TunnelClient {
    async fn send(&self, mut request: Request) -> Result<Response, surf::Error> {
        let uri = request.url().as_str().parse::<http::Uri>();
        if !uri.is_ok_and(|uri| self.proxy.applies_to(&uri)) {
            return self.direct.send(request).await;
        }
        let url = request.url();
        let target = match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => (host.to_owned(), port),
            _ => return Err(surf::Error::from_str(400, "no host in the request URL")),
        };
        request.insert_header("Connection", "keep-alive");
        let stream = match self.checkout(&target).await {
            Some(stream) => stream,
            None => self
                .open(&target)
                .await
                .map_err(|err| surf::Error::new(400, err))?,
        };
        let conn = Pooled {
            stream: Some(stream),
            target,
            idle: Arc::clone(&self.idle),
        };
        async_h1::client::connect(conn, request).await
    }
}

/// A tunnel lent to one exchange; it goes back to the idle list when the exchange drops it (the
/// transport retires the whole client when an exchange ends early, as with surf's own pool).
struct Pooled {
    stream: Option<TlsStream<TcpStream>>,
    target: Target,
    idle: Arc<Idle>,
}

impl Pooled {
    fn stream(&mut self) -> io::Result<Pin<&mut TlsStream<TcpStream>>> {
        self.stream
            .as_mut()
            .map(Pin::new)
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            let target = std::mem::take(&mut self.target);
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.push((target, stream, Instant::now()));
        }
    }
}

impl AsyncRead for Pooled {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().stream() {
            Ok(stream) => stream.poll_read(cx, buf),
            Err(err) => Poll::Ready(Err(err)),
        }
    }
}

impl AsyncWrite for Pooled {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut().stream() {
            Ok(stream) => stream.poll_write(cx, buf),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stream() {
            Ok(stream) => stream.poll_flush(cx),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut().stream() {
            Ok(stream) => stream.poll_close(cx),
            Err(err) => Poll::Ready(Err(err)),
        }
    }
}
