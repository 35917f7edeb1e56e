//! An embedded, deterministic fake Pyxis server for tests, examples and
//! benchmarks.
//!
//! [`LoopbackPyxis::start`] serves HTTP/1.1 over TLS on `127.0.0.1` (a random
//! port) from a thread with its own runtime, so it can be used from tests on
//! any async runtime or none. Certificates are generated per server: a CA,
//! a server certificate for `127.0.0.1`/`localhost`, and a client identity
//! that the server accepts. By default the server requires a client
//! certificate, as Pyxis does for authenticated access.
//!
//! The server understands just enough GraphQL for the root fields
//! `find_repositories`, `get_repository_by_registry_path`, `find_images` and
//! `find_images_by_nvr`, evaluates `filter` arguments over a generated
//! [`Dataset`], and can be told to misbehave with [`Fault`]s, queued one by one
//! or drawn at random at a rate ([`RandomFaults`]).
//!
//! ```no_run
//! use pyxis_loopback::{Fault, LoopbackPyxis};
//!
//! // A plain (synchronous) call: works the same inside a test on any async
//! // runtime, or none.
//! let server = LoopbackPyxis::start();
//! let url = server.url(); // https://127.0.0.1:PORT/api/containers/graphql/
//! let ca = server.ca_pem(); // trust this as an extra root
//! let (cert, key) = (server.client_cert_pem(), server.client_key_pem());
//! server.push_fault(Fault::Status { code: 503, retry_after: Some(1) });
//! // ... point a client at `url`: its first request gets the 503 ...
//! # let _ = (url, ca, cert, key);
//! for seen in server.requests() {
//!     println!("{} {} -> {:?}", seen.method, seen.path, seen.root_field);
//! }
//! drop(server); // stops the server and closes its port
//! ```

mod body;
mod compress;
mod dataset;
mod fault;
mod filter;
mod graphql;
mod iso;
pub mod probe;
mod project;
mod proxy;
mod query;
mod random;
mod server;
mod shaping;
mod sort;
mod tls;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

pub use dataset::{BUSY_PACKAGE, Dataset, DatasetSpec, METACHAR_PACKAGES};
pub use fault::Fault;
pub use proxy::{LoopbackProxy, LoopbackProxyBuilder, SeenConnect};
pub use random::RandomFaults;

/// The path the GraphQL endpoint is served at.
pub const API_PATH: &str = server::API_PATH;

/// A request as the server received it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SeenRequest {
    /// HTTP method.
    pub method: http::Method,
    /// Path and query string of the request target.
    pub path: String,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// Raw request body.
    pub body: Vec<u8>,
    /// The body parsed as JSON, if it was JSON.
    pub json: Option<Value>,
    /// Name (not alias) of the GraphQL root field, if one could be found.
    pub root_field: Option<String>,
}

/// Configures and starts a [`LoopbackPyxis`].
#[derive(Debug, Clone)]
pub struct LoopbackBuilder {
    require_client_cert: bool,
    plain_http: bool,
    latency: Duration,
    dataset: DatasetSpec,
    record_requests: bool,
    latency_jitter: Duration,
    random_faults: Option<RandomFaults>,
    compression: bool,
    bytes_per_second: Option<u64>,
}

impl Default for LoopbackBuilder {
    fn default() -> Self {
        LoopbackBuilder {
            require_client_cert: true,
            plain_http: false,
            latency: Duration::ZERO,
            dataset: DatasetSpec::default(),
            record_requests: true,
            latency_jitter: Duration::ZERO,
            random_faults: None,
            compression: true,
            bytes_per_second: None,
        }
    }
}

impl LoopbackBuilder {
    /// Whether the TLS handshake requires a client certificate signed by the
    /// server's CA (default: `true`). Without it, none is requested.
    pub fn require_client_cert(mut self, require: bool) -> Self {
        self.require_client_cert = require;
        self
    }

    /// Serves plain `http://` without TLS (default: `false`), for testing
    /// that clients refuse such URLs.
    pub fn plain_http(mut self, plain: bool) -> Self {
        self.plain_http = plain;
        self
    }

    /// Delay before every answer (default: none); see
    /// [`LoopbackPyxis::set_latency`].
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// A random extra delay before every answer, uniform between zero and
    /// `jitter` (default: none), on top of the [latency](Self::latency); see
    /// [`LoopbackPyxis::set_latency_jitter`].
    pub fn latency_jitter(mut self, jitter: Duration) -> Self {
        self.latency_jitter = jitter;
        self
    }

    /// Faults injected at random into a share of the requests (default:
    /// none); see [`RandomFaults`] and [`LoopbackPyxis::set_random_faults`].
    pub fn random_faults(mut self, faults: RandomFaults) -> Self {
        self.random_faults = Some(faults);
        self
    }

    /// The dataset to serve (default: [`DatasetSpec::default`]). Datasets are
    /// generated once per spec and process and shared between servers.
    pub fn dataset(mut self, spec: DatasetSpec) -> Self {
        self.dataset = spec;
        self
    }

    /// Whether to keep every request for [`LoopbackPyxis::requests`]
    /// (default: `true`); turn off for long benchmarks.
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_requests = record;
        self
    }

    /// Whether answers are gzipped (`Content-Encoding: gzip`) for requests whose
    /// `Accept-Encoding` names gzip (default: `true`). Off, every answer is sent as it is,
    /// except those of the gzip faults ([`Fault::GzipBomb`], [`Fault::CorruptGzip`]).
    pub fn compression(mut self, enabled: bool) -> Self {
        self.compression = enabled;
        self
    }

    /// Limits everything the server writes, over all its connections together, to
    /// `bytes_per_second` (default: no limit; 0 counts as 1), as one network link would; `None`
    /// lifts the limit. For a link of N Mbit/s, give N × 125 000.
    pub fn bandwidth(mut self, bytes_per_second: Option<u64>) -> Self {
        self.bytes_per_second = bytes_per_second;
        self
    }

    /// Starts the server.
    ///
    /// # Panics
    ///
    /// If it cannot start (no free port, no thread); see
    /// [`try_start`](Self::try_start).
    pub fn start(self) -> LoopbackPyxis {
        self.try_start()
            .unwrap_or_else(|e| panic!("starting the loopback Pyxis server: {e}"))
    }

    /// Starts the server, reporting failure instead of panicking.
    pub fn try_start(self) -> std::io::Result<LoopbackPyxis> {
        let pki = tls::Pki::generate().map_err(std::io::Error::other)?;
        let tls = if self.plain_http {
            None
        } else {
            Some(
                pki.server_config(self.require_client_cert)
                    .map_err(std::io::Error::other)?,
            )
        };
        let settings = server::Settings {
            latency: self.latency,
            record_requests: self.record_requests,
            compression: self.compression,
            bytes_per_second: self.bytes_per_second,
        };
        let shared = Arc::new(server::Shared::new(
            dataset::shared(&self.dataset),
            &settings,
        ));
        shared.set_latency_jitter(self.latency_jitter);
        shared.set_random_faults(self.random_faults);
        let (addr, running) = server::spawn(Arc::clone(&shared), tls)?;
        Ok(LoopbackPyxis {
            shared,
            addr,
            plain_http: self.plain_http,
            ca_pem: pki.ca_pem,
            client_cert_pem: pki.client_cert_pem,
            client_key_pem: pki.client_key_pem,
            _running: running,
        })
    }
}

/// A running loopback Pyxis server. Dropping it stops the server.
pub struct LoopbackPyxis {
    shared: Arc<server::Shared>,
    addr: SocketAddr,
    plain_http: bool,
    ca_pem: String,
    client_cert_pem: String,
    client_key_pem: String,
    _running: server::Running,
}

impl fmt::Debug for LoopbackPyxis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackPyxis")
            .field("url", &self.url())
            .field("request_count", &self.request_count())
            .field("connection_count", &self.connection_count())
            .finish_non_exhaustive()
    }
}

impl LoopbackPyxis {
    /// A builder with the defaults of [`start`](Self::start).
    pub fn builder() -> LoopbackBuilder {
        LoopbackBuilder::default()
    }

    /// Starts a server with TLS, a required client certificate, the default
    /// dataset and no latency.
    ///
    /// # Panics
    ///
    /// If the server cannot start.
    pub fn start() -> LoopbackPyxis {
        Self::builder().start()
    }

    /// The GraphQL endpoint, e.g.
    /// `https://127.0.0.1:PORT/api/containers/graphql/` (`http://` in
    /// plain-HTTP mode).
    pub fn url(&self) -> String {
        let scheme = if self.plain_http { "http" } else { "https" };
        format!("{scheme}://{}{API_PATH}", self.addr)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// PEM of the CA that signed the server certificate and the client
    /// identity; clients add it as an extra trusted root.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// PEM of a client certificate the server accepts.
    pub fn client_cert_pem(&self) -> String {
        self.client_cert_pem.clone()
    }

    /// PEM (PKCS#8) of the private key of [`client_cert_pem`](Self::client_cert_pem).
    pub fn client_key_pem(&self) -> String {
        self.client_key_pem.clone()
    }

    /// A client certificate and key (PEM) issued by a CA no server trusts,
    /// for "wrong certificate" tests. The same pair for the whole process.
    pub fn untrusted_client_identity() -> (String, String) {
        tls::untrusted_identity()
    }

    /// The documents the server answers from.
    pub fn dataset(&self) -> &Dataset {
        &self.shared.dataset
    }

    /// HTTP requests received so far, including faulted ones.
    pub fn request_count(&self) -> usize {
        self.shared.request_count()
    }

    /// Requests whose client hung up before the answer was ready (a cancelled call, or one
    /// that timed out on the client's side).
    pub fn abandoned_count(&self) -> usize {
        self.shared.abandoned_count()
    }

    /// TCP connections accepted so far (including ones whose TLS handshake
    /// then failed).
    pub fn connection_count(&self) -> usize {
        self.shared.connection_count()
    }

    /// Response body bytes sent so far, as they went on the wire: after compression, without
    /// headers or TLS framing. A body cut short by the client counts what the server had
    /// handed to the connection.
    pub fn body_bytes_sent(&self) -> u64 {
        self.shared.body_bytes_sent()
    }

    /// Answers sent gzip-compressed so far, those of the gzip faults included.
    pub fn gzipped_count(&self) -> usize {
        self.shared.gzipped_count()
    }

    /// Every request received so far, oldest first (empty when recording is
    /// off).
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.shared.requests()
    }

    /// Forgets the recorded requests (counters are kept).
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Delay before answering each request from now on.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.set_latency(latency);
    }

    /// Queues a fault for the next request that has no earlier applicable
    /// fault: faults are consumed first in, first out, one per request.
    pub fn push_fault(&self, fault: Fault) {
        self.shared.push_fault(None, None, fault);
    }

    /// Queues a fault that only applies to requests whose root field is
    /// `root_field` (e.g. `"find_images"`); other requests pass it by.
    pub fn push_fault_for(&self, root_field: &str, fault: Fault) {
        self.shared
            .push_fault(Some(root_field.to_owned()), None, fault);
    }

    /// Queues a fault that only applies to requests for `root_field` that
    /// ask for page `page` (the `page` argument; unset counts as page 0), so
    /// that page k of a crawl can be targeted however its requests
    /// interleave. Push it n times to fault n attempts at that page.
    pub fn push_fault_for_page(&self, root_field: &str, page: u64, fault: Fault) {
        self.shared
            .push_fault(Some(root_field.to_owned()), Some(page), fault);
    }

    /// Leaves the next `count` accepted TCP connections silent: the server
    /// reads and drops what arrives and never answers, not even the TLS
    /// handshake, until the client hangs up or the server stops. Such
    /// connections count in [`connection_count`](Self::connection_count)
    /// but never reach [`request_count`](Self::request_count).
    pub fn stall_connections(&self, count: usize) {
        self.shared.stall_connections(count);
    }

    /// Drops all queued faults.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Injects faults at random from now on (`None` stops it, and a new
    /// value restarts the draws from its seed). A queued fault that applies
    /// to a request goes first; only requests without one are drawn for.
    pub fn set_random_faults(&self, faults: Option<RandomFaults>) {
        self.shared.set_random_faults(faults);
    }

    /// A random extra delay before each answer from now on, uniform between
    /// zero and `jitter`, on top of the [latency](Self::set_latency).
    pub fn set_latency_jitter(&self, jitter: Duration) {
        self.shared.set_latency_jitter(jitter);
    }

    /// Requests that got a fault drawn at random (see
    /// [`set_random_faults`](Self::set_random_faults)) so far.
    pub fn random_fault_count(&self) -> usize {
        self.shared.random_fault_count()
    }
}
