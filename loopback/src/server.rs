//! The server thread: its own single-threaded runtime, the accept loop, and
//! per-request bookkeeping (recording, latency, fault injection, compression,
//! the bytes sent).
//!
//! Owning a runtime on a dedicated thread keeps the server independent of
//! whichever async runtime (if any) the calling test uses.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER, VARY};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::ServerConfig;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::SeenRequest;
use crate::body::{Aborted, Counted, ReplyBody};
use crate::compress;
use crate::dataset::Dataset;
use crate::fault::{Action, Fault, Target};
use crate::graphql::{self, Reply};
use crate::query;
use crate::random::{Chaos, RandomFaults};
use crate::shaping::{Link, Shaped};

/// Where the API is served.
pub(crate) const API_PATH: &str = "/api/containers/graphql/";

/// Request bodies above this are refused rather than buffered.
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// State shared between the handle and the server thread.
pub(crate) struct Shared {
    pub(crate) dataset: Arc<Dataset>,
    record_requests: bool,
    latency_nanos: AtomicU64,
    faults: Mutex<VecDeque<Queued>>,
    requests: Mutex<Vec<SeenRequest>>,
    request_count: AtomicUsize,
    /// Requests whose client went away before the answer was ready.
    abandoned_count: AtomicUsize,
    connection_count: AtomicUsize,
    /// How many of the next connections to accept and leave silent.
    stalled_connections: AtomicUsize,
    trace_counter: AtomicU64,
    /// Random faults and latency jitter (off unless set).
    chaos: Mutex<Chaos>,
    /// Faults drawn at random so far.
    random_fault_count: AtomicUsize,
    /// Whether answers are gzipped for requests that accept it.
    compression: bool,
    /// The bandwidth limit on everything the server writes, if any.
    link: Option<Arc<Link>>,
    /// Response body bytes handed to connections, after compression.
    body_bytes_sent: Arc<AtomicU64>,
    /// Answers sent gzipped (faults included).
    gzipped_count: AtomicUsize,
}

/// How the server answers, beyond what it answers.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) latency: Duration,
    pub(crate) record_requests: bool,
    pub(crate) compression: bool,
    pub(crate) bytes_per_second: Option<u64>,
}

/// A queued fault and the requests it applies to.
struct Queued {
    root_field: Option<String>,
    page: Option<u64>,
    fault: Fault,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not wedge the server.
    m.lock().unwrap_or_else(|poison| poison.into_inner())
}

impl Shared {
    pub(crate) fn new(dataset: Arc<Dataset>, settings: &Settings) -> Self {
        let shared = Shared {
            dataset,
            record_requests: settings.record_requests,
            latency_nanos: AtomicU64::new(0),
            faults: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            request_count: AtomicUsize::new(0),
            abandoned_count: AtomicUsize::new(0),
            connection_count: AtomicUsize::new(0),
            stalled_connections: AtomicUsize::new(0),
            trace_counter: AtomicU64::new(0),
            chaos: Mutex::new(Chaos::new(None, Duration::ZERO)),
            random_fault_count: AtomicUsize::new(0),
            compression: settings.compression,
            link: settings
                .bytes_per_second
                .map(|rate| Arc::new(Link::new(rate))),
            body_bytes_sent: Arc::new(AtomicU64::new(0)),
            gzipped_count: AtomicUsize::new(0),
        };
        shared.set_latency(settings.latency);
        shared
    }

    pub(crate) fn set_latency(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.latency_nanos.store(nanos, Ordering::SeqCst);
    }

    fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_nanos.load(Ordering::SeqCst))
    }

    pub(crate) fn push_fault(&self, root_field: Option<String>, page: Option<u64>, fault: Fault) {
        lock(&self.faults).push_back(Queued {
            root_field,
            page,
            fault,
        });
    }

    pub(crate) fn stall_connections(&self, count: usize) {
        self.stalled_connections.fetch_add(count, Ordering::SeqCst);
    }

    /// Whether to leave the connection just accepted silent (and count it).
    fn take_stall(&self) -> bool {
        self.stalled_connections
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    pub(crate) fn set_random_faults(&self, faults: Option<RandomFaults>) {
        lock(&self.chaos).set_faults(faults);
    }

    pub(crate) fn set_latency_jitter(&self, jitter: Duration) {
        lock(&self.chaos).set_jitter(jitter);
    }

    pub(crate) fn random_fault_count(&self) -> usize {
        self.random_fault_count.load(Ordering::SeqCst)
    }

    /// A fault drawn at random, if random faults are on and the draw says so.
    fn random_fault(&self) -> Option<Fault> {
        let fault = lock(&self.chaos).draw_fault()?;
        self.random_fault_count.fetch_add(1, Ordering::SeqCst);
        Some(fault)
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// Takes the oldest queued fault that applies to a request for `root`
    /// asking for `page`.
    fn take_fault(&self, root: Option<&str>, page: u64) -> Option<Fault> {
        let mut queue = lock(&self.faults);
        let pos = queue.iter().position(|queued| {
            (queued.root_field.is_none() || queued.root_field.as_deref() == root)
                && queued.page.is_none_or(|wanted| wanted == page)
        })?;
        queue.remove(pos).map(|queued| queued.fault)
    }

    pub(crate) fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.requests).clone()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.requests).clear();
    }

    pub(crate) fn request_count(&self) -> usize {
        self.request_count.load(Ordering::SeqCst)
    }

    pub(crate) fn abandoned_count(&self) -> usize {
        self.abandoned_count.load(Ordering::SeqCst)
    }

    pub(crate) fn connection_count(&self) -> usize {
        self.connection_count.load(Ordering::SeqCst)
    }

    pub(crate) fn body_bytes_sent(&self) -> u64 {
        self.body_bytes_sent.load(Ordering::SeqCst)
    }

    pub(crate) fn gzipped_count(&self) -> usize {
        self.gzipped_count.load(Ordering::SeqCst)
    }

    fn trace_id(&self) -> String {
        let n = self.trace_counter.fetch_add(1, Ordering::SeqCst) + 1;
        format!("{n:032x}")
    }
}

/// The running server thread; dropping it stops the server and waits for
/// the thread to finish, so the port is closed once the drop returns.
pub(crate) struct Running {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Binds 127.0.0.1 on a free port and starts serving.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    tls: Option<ServerConfig>,
) -> io::Result<(SocketAddr, Running)> {
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = {
        let _guard = runtime.enter();
        TcpListener::from_std(std_listener)?
    };
    let acceptor = tls.map(|c| TlsAcceptor::from(Arc::new(c)));
    let (tx, rx) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name(format!("pyxis-loopback-{}", addr.port()))
        .spawn(move || {
            runtime.block_on(accept_loop(listener, acceptor, shared, rx));
            // Dropping the runtime here cancels every connection task.
            drop(runtime);
        })?;
    Ok((
        addr,
        Running {
            shutdown: Some(tx),
            thread: Some(thread),
        },
    ))
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    shared.connection_count.fetch_add(1, Ordering::SeqCst);
                    let _ = tcp.set_nodelay(true);
                    if shared.take_stall() {
                        tokio::spawn(stall(tcp));
                    } else {
                        tokio::spawn(serve_connection(tcp, acceptor.clone(), Arc::clone(&shared)));
                    }
                }
                // Out of descriptors or similar: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// Reads and drops whatever the client sends (its TLS `ClientHello`, a
/// request) and never writes a byte, until the client hangs up or the server
/// stops.
async fn stall(tcp: TcpStream) {
    let mut scratch = [0u8; 4096];
    while tcp.readable().await.is_ok() {
        match tcp.try_read(&mut scratch) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

async fn serve_connection(tcp: TcpStream, acceptor: Option<TlsAcceptor>, shared: Arc<Shared>) {
    // Shaped under TLS, so that the limit covers every byte on the wire.
    let tcp = Shaped::new(tcp, shared.link.clone());
    match acceptor {
        // A failed handshake (e.g. no or untrusted client certificate) just
        // ends the connection; the client sees the TLS alert.
        Some(acceptor) => {
            if let Ok(tls) = acceptor.accept(tcp).await {
                serve_http(TokioIo::new(tls), shared).await;
            }
        }
        None => serve_http(TokioIo::new(tcp), shared).await,
    }
}

async fn serve_http<I>(io: I, shared: Arc<Shared>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(req, Arc::clone(&shared)));
    // Errors here are clients going away or injected faults; neither is
    // worth reporting from a test server.
    let _ = http1::Builder::new()
        .keep_alive(true)
        .timer(TokioTimer::new())
        .serve_connection(io, service)
        .await;
}

/// Counts a request as abandoned unless disarmed: hyper drops the handler's future when the
/// client hangs up before the answer is ready.
struct Abandoned(Arc<Shared>, bool);

impl Drop for Abandoned {
    fn drop(&mut self) {
        if self.1 {
            self.0.abandoned_count.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn handle(req: Request<Incoming>, shared: Arc<Shared>) -> Result<Response<Counted>, Aborted> {
    let mut abandoned = Abandoned(Arc::clone(&shared), true);
    let reply = answer_request(req, shared).await;
    abandoned.1 = false;
    reply
}

async fn answer_request(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Counted>, Aborted> {
    shared.request_count.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = req.into_parts();
    let gzip_wanted = shared.compression && compress::accepts_gzip(&parts.headers);
    let collected = Limited::new(body, MAX_REQUEST_BODY).collect().await;
    let (bytes, read_error) = match collected {
        Ok(c) => (c.to_bytes(), None),
        Err(e) => {
            let status = if e.downcast_ref::<LengthLimitError>().is_some() {
                413
            } else {
                400
            };
            (Default::default(), Some(status))
        }
    };
    let json: Option<Value> = serde_json::from_slice(&bytes).ok();
    let root = json
        .as_ref()
        .and_then(|j| j.get("query"))
        .and_then(Value::as_str)
        .and_then(|q| query::root_field(q).ok());
    let page = requested_page(json.as_ref(), root.as_ref());
    let fault = shared
        .take_fault(root.as_ref().map(|r| r.name.as_str()), page)
        .or_else(|| shared.random_fault());
    if shared.record_requests {
        lock(&shared.requests).push(SeenRequest {
            method: parts.method.clone(),
            path: parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
            headers: parts.headers.clone(),
            body: bytes.to_vec(),
            json: json.clone(),
            root_field: root.as_ref().map(|r| r.name.clone()),
        });
    }

    let jitter = lock(&shared.chaos).draw_jitter();
    let delay = shared.latency() + jitter + fault.as_ref().map_or(Duration::ZERO, Fault::delay);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    // The answer to this request, or (`Some(page)`) to the same request for another page.
    let answer = |other_page: Option<u64>| -> Reply {
        if let Some(status) = read_error {
            return Reply {
                status,
                body: graphql::errors_body("could not read the request body", None)
                    .to_string()
                    .into_bytes(),
            };
        }
        let moved = other_page.and_then(|p| with_page(json.as_ref()?, root.as_ref()?, p));
        let body = moved.as_deref().unwrap_or(&bytes);
        route(&parts.method, parts.uri.path(), &shared.dataset, body)
    };
    let action = match &fault {
        Some(f) => {
            let (name, key) = root.as_ref().map_or(("find_images", "find_images"), |r| {
                (r.name.as_str(), r.response_key.as_str())
            });
            f.act(&Target { name, key, page }, answer)
        }
        None => Action::json(answer(None)),
    };
    let (status, retry_after, body, gzipped) = match action {
        Action::Close => return Err(Aborted),
        // Dropped (and the connection closed) when the client hangs up or the server stops.
        Action::Hang => return std::future::pending().await,
        Action::Gzipped(body) => (200, None, body, true),
        Action::Reply {
            status,
            retry_after,
            body: ReplyBody::Full(Some(whole)),
        } if gzip_wanted && !whole.is_empty() => (
            status,
            retry_after,
            ReplyBody::full(compress::gzip(&whole)),
            true,
        ),
        Action::Reply {
            status,
            retry_after,
            body,
        } => (status, retry_after, body, false),
    };
    let mut resp = Response::new(Counted::new(body, Arc::clone(&shared.body_bytes_sent)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if shared.compression {
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    if gzipped {
        shared.gzipped_count.fetch_add(1, Ordering::SeqCst);
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Ok(v) = HeaderValue::from_str(&shared.trace_id()) {
        headers.insert(HeaderName::from_static("trace_id"), v);
    }
    if let Some(secs) = retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    Ok(resp)
}

/// The `page` argument of the request (0, the schema default, when unset).
fn requested_page(json: Option<&Value>, root: Option<&query::RootField>) -> u64 {
    let (Some(json), Some(root)) = (json, root) else {
        return 0;
    };
    let variables = json
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    root.resolve_args(&variables)
        .into_iter()
        .find(|(name, _)| name == "page")
        .and_then(|(_, value)| value.as_u64())
        .unwrap_or(0)
}

/// The request body with its `page` variable set to `page`; `None` when the
/// `page` argument is not passed as a variable.
fn with_page(json: &Value, root: &query::RootField, page: u64) -> Option<Vec<u8>> {
    let variable = root.args.iter().find_map(|(name, value)| match value {
        query::ArgValue::Variable(variable) if name == "page" => Some(variable),
        _ => None,
    })?;
    let mut json = json.clone();
    let variables = json
        .as_object_mut()?
        .entry("variables")
        .or_insert(json!({}));
    variables
        .as_object_mut()?
        .insert(variable.clone(), json!(page));
    Some(json.to_string().into_bytes())
}

fn route(method: &Method, path: &str, dataset: &Dataset, body: &[u8]) -> Reply {
    if path != API_PATH && path != API_PATH.trim_end_matches('/') {
        let body = json!({ "status": 404, "detail": format!("No route for {path}; the API is at {API_PATH}") });
        return Reply {
            status: 404,
            body: body.to_string().into_bytes(),
        };
    }
    if method != Method::POST {
        let body = graphql::errors_body("the loopback server only accepts POST requests", None);
        return Reply {
            status: 405,
            body: body.to_string().into_bytes(),
        };
    }
    graphql::respond(dataset, body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const QUERY: &str = "query Q($p: Int, $page_size: Int) { find_repositories(page: $p, page_size: $page_size) { total } }";

    #[test]
    fn the_requested_page_comes_from_the_page_argument() {
        let root = query::root_field(QUERY).ok();
        let body = json!({"query": QUERY, "variables": {"p": 3, "page_size": 50}});
        assert_eq!(requested_page(Some(&body), root.as_ref()), 3);
        let unset = json!({"query": QUERY});
        assert_eq!(requested_page(Some(&unset), root.as_ref()), 0);
        assert_eq!(requested_page(None, None), 0);
    }

    #[test]
    fn another_page_is_asked_for_through_the_page_variable() {
        let root = query::root_field(QUERY).expect("a root field");
        let body = json!({"query": QUERY, "variables": {"p": 3, "page_size": 50}});
        let moved = with_page(&body, &root, 1).expect("a page variable");
        let moved: Value = serde_json::from_slice(&moved).expect("JSON");
        assert_eq!(moved["variables"], json!({"p": 1, "page_size": 50}));
        let literal = query::root_field("{ find_repositories(page: 2) { total } }").expect("root");
        assert!(with_page(&body, &literal, 1).is_none());
    }
}
