//! An async-std [`Transport`] for `pyxis-gql`, built on surf's HTTP/1.1 client.
//!
//! **This adapter is kept for code that already has a `surf::Client`.** surf (last release 2021)
//! is unmaintained, its TLS backend is a 2020 TLS stack (`rustls` 0.18, `ring` 0.16,
//! `webpki` 0.21, a 2020 root bundle) and async-std itself is discontinued. New code on async-std
//! should use **`pyxis-gql-smol`** instead: it runs unchanged under async-std, since both drive the
//! same executor and reactor, and it is maintained.
//!
//! ```no_run
//! # async_std::task::block_on(async {
//! let config = pyxis_gql::Config::builder().build()?;
//! let client = pyxis_gql_async_std::client(&config)?;
//! let path = "registry.access.redhat.com/ubi9/ubi".parse()?;
//! if let Some(repository) = client.get_repository_by_registry_path(&path).await? {
//!     println!("{:?}", repository.repository);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! Limits of this TLS stack, reported as [`TransportError::Config`] (by
//! [`AsyncStdTransport::new`] for keys, by each request for its URL):
//! - the server must be reached by a DNS name (`https://localhost:8443/`, not
//!   `https://127.0.0.1:8443/`): its certificate verifier knows no IP-address names;
//! - the client key must be PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`);
//!   SEC1 (`BEGIN EC PRIVATE KEY`) keys must be converted to PKCS#8 first.
//!
//! Server certificates are always verified; nothing here can turn that off.
//!
//! Requests ask for gzip (`Accept-Encoding: gzip`, unless the request names encodings itself)
//! unless [`TransportOptions::compression`] is off, and a gzip body is inflated with flate2 as
//! it is read; the body cap counts the inflated bytes, so a small body that inflates to
//! gigabytes stops at the cap. A corrupt gzip body is [`TransportError::Decode`].
//!
//! `https` requests go through an HTTP proxy when [`TransportOptions::proxy`] says so, by the
//! same rules as the other adapters: an explicit [`Proxy`], or by default the
//! one `HTTPS_PROXY` (or `https_proxy`) names, except for the hosts `NO_PROXY` (or `no_proxy`)
//! lists; an explicit setting, including
//! [`without_proxy`](pyxis_gql::TransportOptionsBuilder::without_proxy), ignores the environment.
//! surf itself knows no proxies, so a transport from [`AsyncStdTransport::new`] with a proxy
//! gives surf an HTTP client of its own that opens TCP to the proxy, asks it for a `CONNECT`
//! tunnel (with `Proxy-Authorization: Basic` when the proxy URL has credentials), and runs the
//! same TLS (client certificate included) and HTTP/1.1 exchange as surf's client inside it;
//! tunnels are kept alive for the next request. An unreachable proxy is
//! [`TransportError::Connect`]; a proxy that refuses the tunnel is
//! [`TransportError::ProxyRefused`] with its status. Transports from
//! [`AsyncStdTransport::from_surf_config`] and [`AsyncStdTransport::from_client`] use the
//! caller's surf setup as it is, without a proxy.

mod tunnel;

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use async_std::io::ReadExt as _;
use async_trait::async_trait;
use pyxis_gql::bytes::Bytes;
use pyxis_gql::{BoxError, Client, Config, Proxy, Transport, TransportError, TransportOptions};
use rustls_018 as tls;
use surf::http::url as url_crate;

use pyxis_gql_wire::BodyReader;

/// A [`Client`] for `config` over a new [`AsyncStdTransport`].
///
/// ```no_run
/// # async_std::task::block_on(async {
/// let config = pyxis_gql::Config::builder().build()?;
/// let client = pyxis_gql_async_std::client(&config)?;
/// let path = "registry.access.redhat.com/ubi9/ubi".parse()?;
/// let repository = client.get_repository_by_registry_path(&path).await?;
/// # let _ = repository;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub fn client(config: &Config) -> Result<Client<AsyncStdTransport>, TransportError> {
    let transport = AsyncStdTransport::new(config.transport())?;
    Ok(Client::from_config(transport, config))
}

/// A [`Transport`] sending requests with a pooled, keep-alive `surf::Client` and sleeping with
/// async-std's timer.
///
/// Share it (or the [`Client`] over it) behind an `Arc`: every request through it uses the same
/// connection pool. `Debug` shows no headers, certificates or keys.
///
/// A connection whose exchange did not finish (a timeout, a body over the cap, a dropped
/// `send` future, an error) is never used again: the HTTP client under surf would put it back in
/// its pool with the rest of that response still unread, so the next request on it could read
/// the wrong answer. A transport from [`new`](Self::new) or
/// [`from_surf_config`](Self::from_surf_config) therefore retires the whole pool after such an
/// exchange and starts a fresh one; one from [`from_client`](Self::from_client) cannot.
pub struct AsyncStdTransport {
    current: Mutex<Arc<Pool>>,
    /// How to build a fresh pool; `None` when the caller handed in a finished client.
    fresh: Option<surf::Config>,
    /// The connect timeout of a transport that built its own HTTP client.
    connect_timeout: Option<Duration>,
    /// The proxy of a transport that built its own HTTP client; each fresh pool gets its own
    /// tunnelling client.
    proxy: Option<Proxy>,
    max_body_bytes: usize,
    compression: bool,
}

impl AsyncStdTransport {
    /// A transport for `options`: its CA roots (the bundled 2020 roots plus
    /// [`TransportOptions::extra_root_certificates`]), client identity, connect timeout and
    /// body cap, and whether to ask for gzip.
    ///
    /// The connect timeout runs until a pooled or new connection (TCP and TLS) is ready to take
    /// the request; the time for the rest of the attempt is the [`Client`]'s to enforce.
    ///
    /// The proxy environment variables are read here, once (see the [crate docs](crate)).
    ///
    /// # Errors
    ///
    /// [`TransportError::Config`] on unusable PEM, on a key format this TLS stack cannot load,
    /// or when the proxy policy reads an unusable proxy URL from the environment. (A request to
    /// an `https://` URL whose host is an IP address fails with `Config` too.)
    pub fn new(options: &TransportOptions) -> Result<Self, TransportError> {
        let proxy = pyxis_gql_wire::proxy_from_env(options.proxy())?;
        let surf_config = surf::Config::new()
            .set_http_keep_alive(true)
            .set_tcp_no_delay(true)
            // The transport times requests itself (see `within`): the HTTP client's own timeout
            // covers neither connecting nor the body, and abandons connections in its pool.
            .set_timeout(None)
            .set_tls_config(Some(Arc::new(tls_config(options)?)));
        let mut transport = Self::from_parts(
            Some(surf_config),
            None,
            Some(options.connect_timeout()),
            options.max_body_bytes(),
        );
        transport.compression = options.compression();
        if proxy.is_some() {
            transport.proxy = proxy;
            let fresh = transport.fresh_client();
            transport.current = Mutex::new(Arc::new(Pool::new(fresh)));
        }
        Ok(transport)
    }

    /// A transport building its pools from the caller's `surf::Config` (TLS config, limits,
    /// default headers), reading at most `max_body_bytes` of each response body. It asks for
    /// gzip and inflates it, as with the default [`TransportOptions`].
    ///
    /// The config's own timeout (`surf::Config::set_timeout`) is the only one applied, and only
    /// covers sending and the response head. If the config names an `http_client`, that client
    /// is used as is and behaves as with [`from_client`](Self::from_client).
    pub fn from_surf_config(config: surf::Config, max_body_bytes: usize) -> Self {
        if config.http_client.is_some() {
            let client = surf::Client::try_from(config).unwrap_or_else(|never| match never {});
            return Self::from_client(client, max_body_bytes);
        }
        Self::from_parts(Some(config), None, None, max_body_bytes)
    }

    /// A transport sending through a `surf::Client` the caller built, reading at most
    /// `max_body_bytes` of each response body. It asks for gzip and inflates it, as with the
    /// default [`TransportOptions`].
    ///
    /// The client's own settings (TLS, timeout, middleware) apply; this transport adds no
    /// timeouts. Because it cannot replace the client's connection pool, a connection abandoned
    /// mid-response goes back into that pool (see [`AsyncStdTransport`]): give such a client
    /// `set_http_keep_alive(false)`, or prefer [`from_surf_config`](Self::from_surf_config).
    pub fn from_client(client: surf::Client, max_body_bytes: usize) -> Self {
        Self::from_parts(None, Some(client), None, max_body_bytes)
    }

    fn from_parts(
        fresh: Option<surf::Config>,
        client: Option<surf::Client>,
        connect_timeout: Option<Duration>,
        max_body_bytes: usize,
    ) -> Self {
        let client = match (client, &fresh) {
            (Some(client), _) => client,
            (None, Some(config)) => new_client(config),
            (None, None) => new_client(&surf::Config::new()),
        };
        Self {
            current: Mutex::new(Arc::new(Pool::new(client))),
            fresh,
            connect_timeout,
            proxy: None,
            max_body_bytes,
            compression: true,
        }
    }

    /// A client with a pool of its own, built from the transport's config (and proxy).
    fn fresh_client(&self) -> surf::Client {
        let config = self.fresh.clone().unwrap_or_default();
        match &self.proxy {
            Some(proxy) => {
                let tunnels = tunnel::TunnelClient::new(proxy.clone(), config.http_config.clone());
                new_client(&config.set_http_client(tunnels))
            }
            None => new_client(&config),
        }
    }

    fn pool(&self) -> Arc<Pool> {
        lock(&self.current).clone()
    }

    /// Keeps an unfinished exchange's connection out of every pool still in use.
    fn abandon(&self, pool: &Arc<Pool>, leftover: Leftover) {
        if self.fresh.is_none() {
            // A caller's client: its pool cannot be replaced, so the connection goes back.
            return;
        };
        // Parked in the retired pool until its last in-flight request ends; by then no request
        // can take a connection from that pool any more.
        if leftover.is_some() {
            lock(&pool.abandoned).push(leftover);
        }
        let mut current = lock(&self.current);
        if Arc::ptr_eq(&current, pool) {
            *current = Arc::new(Pool::new(self.fresh_client()));
        }
    }
}

impl fmt::Debug for AsyncStdTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncStdTransport")
            .field("connect_timeout", &self.connect_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("compression", &self.compression)
            .field("owns_pool", &self.fresh.is_some())
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for AsyncStdTransport {
    async fn send(
        &self,
        mut request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let accept = http::header::ACCEPT_ENCODING;
        if self.compression && !request.headers().contains_key(&accept) {
            let gzip = http::HeaderValue::from_static("gzip");
            request.headers_mut().insert(accept, gzip);
        }
        let connected = Arc::new(OnceLock::new());
        let has_body = !request.body().is_empty();
        let https = request.uri().scheme() == Some(&http::uri::Scheme::HTTPS);
        let pool = self.pool();
        let client = pool.client.clone();
        let request = to_surf(request, &connected, client.config())?;
        let mut exchange = Exchange {
            transport: self,
            pool,
            leftover: Leftover {
                sending: Some(Box::pin(async move { client.send(request).await })),
                body: None,
            },
            https,
            finished: false,
        };
        let work = exchange.run(self.max_body_bytes);
        let result = match self.connect_timeout.filter(|_| has_body) {
            Some(limit) => connecting_within(limit, &connected, work).await,
            // Without a body there is no signal for "connected": the client's attempt timeout
            // is the only one.
            None => work.await,
        };
        exchange.finished = result.is_ok();
        result
    }

    async fn sleep(&self, duration: Duration) {
        async_std::task::sleep(duration).await;
    }
}

/// One generation of the connection pool.
struct Pool {
    // Dropped before `abandoned`, so parked connections close instead of rejoining it.
    client: surf::Client,
    abandoned: Mutex<Vec<Leftover>>,
}

impl Pool {
    fn new(client: surf::Client) -> Self {
        Self {
            client,
            abandoned: Mutex::new(Vec::new()),
        }
    }
}

type Sending = Pin<Box<dyn Future<Output = surf::Result<surf::Response>> + Send>>;

/// Whatever still holds an exchange's connection.
struct Leftover {
    sending: Option<Sending>,
    body: Option<surf::Body>,
}

impl Leftover {
    fn is_some(&self) -> bool {
        self.sending.is_some() || self.body.is_some()
    }
}

/// One request and its response; hands its connection to [`AsyncStdTransport::abandon`] unless
/// the whole response was read.
struct Exchange<'a> {
    transport: &'a AsyncStdTransport,
    pool: Arc<Pool>,
    leftover: Leftover,
    https: bool,
    finished: bool,
}

impl Exchange<'_> {
    async fn run(&mut self, limit: usize) -> Result<http::Response<Bytes>, TransportError> {
        let Some(sending) = self.leftover.sending.as_mut() else {
            return Err(TransportError::Other(
                "exchange polled after completion".into(),
            ));
        };
        let sent = sending.await;
        self.leftover.sending = None;
        let mut response = sent.map_err(|error| classify(error, &self.pool.client, self.https))?;

        let mut head = http::Response::builder()
            .status(u16::from(response.status()))
            .version(http::Version::HTTP_11);
        for (name, values) in response.iter() {
            let Ok(name) = http::HeaderName::from_bytes(name.as_str().as_bytes()) else {
                continue;
            };
            for value in values {
                // Skips values `http` refuses, such as the `Date` the HTTP client makes up (with
                // a line break in it) when the server sent none.
                if let Ok(value) = http::HeaderValue::from_str(value.as_str()) {
                    head = head.header(name.clone(), value);
                }
            }
        }
        let mut headers = std::mem::take(
            head.headers_mut()
                .ok_or_else(|| TransportError::Other("the response head does not build".into()))?,
        );
        let reader = BodyReader::new(&mut headers, self.transport.compression, limit);
        let body = read_capped(
            self.leftover.body.insert(response.take_body()),
            reader,
            limit,
        );
        let body = body.await?;
        let mut response = head
            .body(Bytes::from(body))
            .map_err(|error| TransportError::Other(error.into()))?;
        *response.headers_mut() = headers;
        Ok(response)
    }
}

impl Drop for Exchange<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let leftover = Leftover {
                sending: self.leftover.sending.take(),
                body: self.leftover.body.take(),
            };
            self.transport.abandon(&self.pool, leftover);
        }
    }
}

/// Reads the whole body through `reader`, which keeps to the cap of `limit` bytes (inflated
/// bytes for a gzip body).
async fn read_capped(
    body: &mut surf::Body,
    mut reader: BodyReader,
    limit: usize,
) -> Result<Vec<u8>, TransportError> {
    let declared = body.len();
    if reader.is_plain() && declared.is_some_and(|length| length > limit) {
        return Err(TransportError::BodyTooLarge { limit });
    }
    reader.reserve(declared.unwrap_or(8 * 1024));
    let mut buffer = vec![0; 64 * 1024];
    let mut on_the_wire = 0;
    loop {
        let read = body
            .read(&mut buffer)
            .await
            .map_err(|error| by_io(&error).into_error(Box::new(error)))?;
        if read == 0 {
            break;
        }
        on_the_wire += read;
        reader.push(&buffer[..read])?;
    }
    if declared.is_some_and(|length| on_the_wire < length) {
        return Err(TransportError::ConnectionClosed(
            "the response body ended before its Content-Length".into(),
        ));
    }
    reader.finish()
}

/// Runs `work` under the connect timeout until `connected` is set (a connection took the
/// request body), then with no timer of its own.
async fn connecting_within<T>(
    limit: Duration,
    connected: &OnceLock<()>,
    work: impl Future<Output = Result<T, TransportError>>,
) -> Result<T, TransportError> {
    let mut timer = Some(Box::pin(async_std::task::sleep(limit)));
    let mut work = pin!(work);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(result) = work.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        // Set while `work` was polled just now, if the connection took the body.
        if connected.get().is_some() {
            timer = None;
        }
        match timer.as_mut().map(|timer| timer.as_mut().poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(TransportError::Timeout(limit))),
            _ => Poll::Pending,
        }
    })
    .await
}

/// The request body, marking the moment the HTTP client first reads it: it does so only once a
/// connection (pooled or new, TLS done) is ready to carry the request.
struct Announcing {
    bytes: async_std::io::Cursor<Bytes>,
    connected: Arc<OnceLock<()>>,
}

impl async_std::io::Read for Announcing {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.connected.get_or_init(|| ());
        Pin::new(&mut this.bytes).poll_read(cx, buf)
    }
}

impl async_std::io::BufRead for Announcing {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        this.connected.get_or_init(|| ());
        Pin::new(&mut this.bytes).poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amount: usize) {
        Pin::new(&mut self.get_mut().bytes).consume(amount);
    }
}

fn to_surf(
    request: http::Request<Bytes>,
    connected: &Arc<OnceLock<()>>,
    defaults: &surf::Config,
) -> Result<surf::Request, TransportError> {
    use surf::http::headers::{HeaderName, HeaderValue};

    let (parts, body) = request.into_parts();
    let url = surf::Url::parse(&parts.uri.to_string())
        .map_err(|error| TransportError::Config(Box::new(error)))?;
    if let Some(host) = ip_host(&url) {
        return Err(config_error(format!(
            "this TLS backend verifies DNS names only; use a host name instead of {host}"
        )));
    }
    let method = parts
        .method
        .as_str()
        .parse::<surf::http::Method>()
        .map_err(|error| TransportError::Other(error.into()))?;
    let mut request = surf::http::Request::new(method, url);
    for (name, value) in &parts.headers {
        let name = HeaderName::from_string(name.as_str().to_owned());
        let value = HeaderValue::from_bytes(value.as_bytes().to_vec());
        match (name, value) {
            (Ok(name), Ok(value)) => request.append_header(name, value),
            (Err(error), _) | (_, Err(error)) => return Err(TransportError::Other(error.into())),
        }
    }
    // The default headers of a caller's surf config, which surf itself only adds to requests
    // made with its request builders.
    for (name, values) in &defaults.headers {
        if request.header(name).is_none() {
            request.insert_header(name, values);
        }
    }
    let length = body.len();
    let body = Announcing {
        bytes: async_std::io::Cursor::new(body),
        connected: connected.clone(),
    };
    // After the headers, so a `Content-Type` set by the caller wins over the body's default.
    request.set_body(surf::Body::from_reader(body, Some(length)));
    Ok(request.into())
}

/// The host of an `https://` URL when it is an IP address.
fn ip_host(url: &url_crate::Url) -> Option<String> {
    match url.host() {
        Some(url_crate::Host::Ipv4(_) | url_crate::Host::Ipv6(_)) if url.scheme() == "https" => {
            url.host_str().map(str::to_owned)
        }
        _ => None,
    }
}

fn tls_config(options: &TransportOptions) -> Result<tls::ClientConfig, TransportError> {
    let mut tls = tls::ClientConfig::new();
    tls.root_store
        .add_server_trust_anchors(&webpki_roots_020::TLS_SERVER_ROOTS);
    for bundle in options.extra_root_certificates() {
        let (added, refused) = tls
            .root_store
            .add_pem_file(&mut &bundle[..])
            .map_err(|()| config_error("an extra root certificate bundle is not valid PEM"))?;
        if added == 0 || refused > 0 {
            return Err(config_error(format!(
                "an extra root certificate bundle holds {added} usable and {refused} unusable \
                 certificates; every one must be a valid CA certificate"
            )));
        }
    }
    if let Some(identity) = options.identity() {
        let chain = tls::internal::pemfile::certs(&mut identity.certificate_chain_pem())
            .map_err(|()| config_error("the client certificate chain is not valid PEM"))?;
        if chain.is_empty() {
            return Err(config_error(
                "the client certificate chain holds no CERTIFICATE block",
            ));
        }
        let key = private_key(identity.private_key_pem())?;
        tls.set_single_client_cert(chain, key)
            .map_err(|error| TransportError::Config(Box::new(error)))?;
    }
    Ok(tls)
}

/// The one private key in `pem`; messages never quote the PEM.
fn private_key(pem: &[u8]) -> Result<tls::PrivateKey, TransportError> {
    use tls::internal::pemfile::{pkcs8_private_keys, rsa_private_keys};

    let invalid = |()| config_error("the client private key is not valid PEM");
    let mut keys = pkcs8_private_keys(&mut &pem[..]).map_err(invalid)?;
    keys.extend(rsa_private_keys(&mut &pem[..]).map_err(invalid)?);
    match keys.len() {
        1 => Ok(keys.remove(0)),
        0 if pem.windows(14).any(|window| window == b"EC PRIVATE KEY") => Err(config_error(
            "SEC1 (EC PRIVATE KEY) client keys are not supported by this TLS backend; convert \
             the key to PKCS#8 (PRIVATE KEY)",
        )),
        0 => Err(config_error(
            "no PKCS#8 (PRIVATE KEY) or PKCS#1 (RSA PRIVATE KEY) block in the client key",
        )),
        _ => Err(config_error("the client key PEM holds more than one key")),
    }
}

fn new_client(config: &surf::Config) -> surf::Client {
    surf::Client::try_from(config.clone()).unwrap_or_else(|never| match never {})
}

fn config_error(message: impl Into<String>) -> TransportError {
    TransportError::Config(message.into().into())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What kind of failure an error from the HTTP client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Connect,
    Tls,
    Closed,
    Config,
    Other,
}

impl Kind {
    fn into_error(self, source: BoxError) -> TransportError {
        match self {
            Self::Connect => TransportError::Connect(source),
            Self::Tls => TransportError::Tls(source),
            Self::Closed => TransportError::ConnectionClosed(source),
            Self::Config => TransportError::Config(source),
            Self::Other => TransportError::Other(source),
        }
    }
}

/// How the pooled HTTP client reports a failure to open a connection (TCP connect, then the TLS
/// handshake for `https`). Text is all there is to match: the client turns the pool's typed
/// error into a string-only `surf::Error` (`Error::from_str(400, e.to_string())`), so neither
/// the `io::Error` nor the TLS error underneath survives.
const OPENING: &str = "An error occured while creating a new object: ";

fn classify(error: surf::Error, client: &surf::Client, https: bool) -> TransportError {
    // Errors of the proxy tunnel, typed where they arose.
    let error = match error.downcast::<TransportError>() {
        Ok(typed) => return typed,
        Err(error) => error,
    };
    if error
        .downcast_ref::<async_std::future::TimeoutError>()
        .is_some()
    {
        // Only a caller's client has its own timeout; ours is off.
        let limit = client.config().http_config.timeout.unwrap_or_default();
        return TransportError::Timeout(limit);
    }
    let message = error.to_string();
    let kind = if let Some(detail) = message.strip_prefix(OPENING) {
        match by_message(detail) {
            // A server that refuses the client certificate hangs up mid-handshake; which of the
            // alert, a reset or a broken pipe reaches us first is a race.
            Kind::Closed if https => Kind::Tls,
            Kind::Closed => Kind::Connect,
            Kind::Other if os_error_code(detail).is_some() => Kind::Connect,
            kind => kind,
        }
    } else if let Some(io) = error.downcast_ref::<io::Error>() {
        by_io(io)
    } else {
        by_message(&message)
    };
    kind.into_error(error.into())
}

fn by_io(error: &io::Error) -> Kind {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<tls::TLSError>())
    {
        return Kind::Tls;
    }
    match by_io_kind(error.kind()) {
        // Some errors of the TLS and HTTP layers are `io::Error`s of kind `Other` around a plain
        // message: their text is all that tells them apart.
        Kind::Other => by_message(&error.to_string()),
        kind => kind,
    }
}

fn by_io_kind(kind: io::ErrorKind) -> Kind {
    use io::ErrorKind as K;
    match kind {
        K::ConnectionRefused
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown
        | K::AddrNotAvailable
        | K::TimedOut => Kind::Connect,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            Kind::Closed
        }
        _ => Kind::Other,
    }
}

/// Classifies by text what the HTTP client only reports as text: failures to open a pooled
/// connection (after [`OPENING`]), and a connection that closed before the response head (the
/// HTTP/1 decoder's `format_err!("connection closed")` and `"empty response"`, untyped).
fn by_message(message: &str) -> Kind {
    // Display texts of the TLS stack's errors (`TLSError` and its async wrapper).
    const TLS: [&str; 14] = [
        "received unexpected message",
        "received unexpected handshake message",
        "received corrupt message",
        "peer is incompatible",
        "peer misbehaved",
        "received fatal alert",
        "invalid certificate",
        "peer sent no certificates",
        "cannot decrypt peer's message",
        "peer sent excess record size",
        "handshake not complete",
        "peer doesn't support any known protocol",
        "tls handshake eof",
        "unexpected error: ",
    ];
    let detail = message;
    if let Some(code) = os_error_code(detail) {
        return by_io_kind(io::Error::from_raw_os_error(code).kind());
    }
    if TLS.iter().any(|prefix| detail.starts_with(prefix)) {
        Kind::Tls
    } else if detail == "invalid domain" {
        Kind::Config
    } else if detail.starts_with("failed to lookup address")
        || detail.starts_with("could not resolve")
    {
        Kind::Connect
    } else if detail == "connection closed" || detail == "empty response" {
        Kind::Closed
    } else {
        Kind::Other
    }
}

/// `N` from an operating-system error's text, which ends in "(os error N)".
fn os_error_code(message: &str) -> Option<i32> {
    let start = message.rfind("(os error ")? + "(os error ".len();
    message[start..].strip_suffix(')')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(message: &str, https: bool) -> &'static str {
        let error = surf::Error::from_str(400, message.to_owned());
        match classify(error, &surf::Client::new(), https) {
            TransportError::Connect(_) => "Connect",
            TransportError::Tls(_) => "Tls",
            TransportError::ConnectionClosed(_) => "ConnectionClosed",
            TransportError::Config(_) => "Config",
            TransportError::Other(_) => "Other",
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn classifies_errors_the_http_client_only_gives_as_text() {
        let os = |kind: io::ErrorKind| {
            // Raw codes differ between systems; a case whose code means something else is skipped.
            [104, 111, 32]
                .into_iter()
                .map(io::Error::from_raw_os_error)
                .find(|error| error.kind() == kind)
        };
        let opening = |detail: &dyn fmt::Display| format!("{OPENING}{detail}");
        if let Some(refused) = os(io::ErrorKind::ConnectionRefused) {
            assert_eq!(kind_of(&opening(&refused), true), "Connect");
        }
        for kind in [io::ErrorKind::ConnectionReset, io::ErrorKind::BrokenPipe] {
            if let Some(error) = os(kind) {
                assert_eq!(kind_of(&opening(&error), true), "Tls");
                assert_eq!(kind_of(&opening(&error), false), "Connect");
                assert_eq!(kind_of(&error.to_string(), true), "ConnectionClosed");
            }
        }
        for (text, kind) in [
            (opening(&"invalid certificate: UnknownIssuer"), "Tls"),
            (opening(&"received fatal alert: BadCertificate"), "Tls"),
            (opening(&"tls handshake eof"), "Tls"),
            (opening(&"invalid domain"), "Config"),
            ("connection closed".to_owned(), "ConnectionClosed"),
            ("empty response".to_owned(), "ConnectionClosed"),
            ("Malformed HTTP head".to_owned(), "Other"),
        ] {
            assert_eq!(kind_of(&text, true), kind, "{text}");
        }
        let tls_alert = io::Error::new(
            io::ErrorKind::InvalidData,
            tls::TLSError::AlertReceived(tls::internal::msgs::enums::AlertDescription::UnknownCA),
        );
        assert_eq!(by_io(&tls_alert), Kind::Tls);
        assert_eq!(by_io(&io::ErrorKind::UnexpectedEof.into()), Kind::Closed);
    }

    #[test]
    fn refuses_sec1_keys_without_quoting_them() {
        let pem = b"-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE KEY-----\n";
        let message = private_key(pem).unwrap_err().to_string();
        let source = match private_key(pem).unwrap_err() {
            TransportError::Config(source) => source.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(source.contains("SEC1"), "{source}");
        assert!(!source.contains("c2VjcmV0") && !message.contains("c2VjcmV0"));
    }
}
