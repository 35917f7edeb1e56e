//! A small HTTP `CONNECT` proxy on `127.0.0.1` for the adapters' proxy tests: it checks
//! `Proxy-Authorization` when told to, can refuse every tunnel with a given status, counts the
//! tunnels it opened and relays bytes both ways, so TLS (client certificate included) runs end to
//! end between the client and the loopback server.
//!
//! ```no_run
//! use pyxis_loopback::{LoopbackPyxis, LoopbackProxy};
//! let server = LoopbackPyxis::start();
//! let proxy = LoopbackProxy::builder().credentials("alice", "s3cret").start();
//! // Point a transport's proxy at `proxy.url()` with those credentials, send to `server.url()`.
//! assert_eq!(proxy.tunnel_count(), 0);
//! # let _ = server;
//! ```

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use base64::Engine as _;

/// The longest request head the proxy reads.
const MAX_HEAD: usize = 16 * 1024;

/// Configures and starts a [`LoopbackProxy`].
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct LoopbackProxyBuilder {
    credentials: Option<(String, String)>,
    refuse_with: Option<u16>,
}

impl LoopbackProxyBuilder {
    /// Requires `Proxy-Authorization: Basic` with this user and password; any other request is
    /// answered 407.
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.credentials = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// Answers every `CONNECT` with `status` instead of opening the tunnel.
    pub fn refuse_with(mut self, status: u16) -> Self {
        self.refuse_with = Some(status);
        self
    }

    /// Binds a random port on `127.0.0.1` and serves from background threads.
    ///
    /// # Panics
    ///
    /// If no port can be bound.
    pub fn start(self) -> LoopbackProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the loopback proxy");
        let addr = listener.local_addr().expect("the loopback proxy's address");
        let expected = self.credentials.map(|(user, password)| {
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        let shared = Arc::new(Shared {
            expected,
            refuse_with: self.refuse_with,
            stopping: AtomicBool::new(false),
            tunnels: AtomicUsize::new(0),
            connects: Mutex::new(Vec::new()),
        });
        let serving = Arc::clone(&shared);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if serving.stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    let shared = Arc::clone(&serving);
                    thread::spawn(move || {
                        // A client that hangs up mid-exchange ends its tunnel; nothing to report.
                        let _ = serve(stream, &shared);
                    });
                }
            }
        });
        LoopbackProxy { addr, shared }
    }
}

/// What the proxy saw of one `CONNECT` request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeenConnect {
    /// The request target, `host:port`.
    pub target: String,
    /// The `Proxy-Authorization` value, if one was sent.
    pub authorization: Option<String>,
    /// The status the proxy answered.
    pub status: u16,
}

/// A running `CONNECT` proxy; dropping it stops accepting (open tunnels run to their end).
#[derive(Debug)]
pub struct LoopbackProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl LoopbackProxy {
    /// A builder: no credentials required, every tunnel opened.
    pub fn builder() -> LoopbackProxyBuilder {
        LoopbackProxyBuilder::default()
    }

    /// A proxy with the builder's defaults.
    pub fn start() -> LoopbackProxy {
        Self::builder().start()
    }

    /// `http://127.0.0.1:PORT`, without credentials.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many tunnels the proxy opened (answered 2xx and connected to the target).
    pub fn tunnel_count(&self) -> usize {
        self.shared.tunnels.load(Ordering::SeqCst)
    }

    /// Every `CONNECT` request received so far, refused ones included.
    pub fn connects(&self) -> Vec<SeenConnect> {
        self.shared
            .connects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for LoopbackProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag and releases the port.
        let _ = TcpStream::connect(self.addr);
    }
}

#[derive(Debug)]
struct Shared {
    expected: Option<String>,
    refuse_with: Option<u16>,
    stopping: AtomicBool,
    tunnels: AtomicUsize,
    connects: Mutex<Vec<SeenConnect>>,
}

fn serve(mut client: TcpStream, shared: &Shared) -> io::Result<()> {
    let Some((target, authorization)) = read_connect(&mut client)? else {
        return client.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    };
    let authorized = shared.expected.is_none() || shared.expected == authorization;
    let upstream = match (shared.refuse_with, authorized) {
        (Some(status), _) => Err(status),
        (None, false) => Err(407),
        (None, true) => TcpStream::connect(&target).map_err(|_| 502),
    };
    let status = upstream.as_ref().map_or_else(|status| *status, |_| 200);
    shared
        .connects
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(SeenConnect {
            target,
            authorization,
            status,
        });
    let upstream = match upstream {
        Ok(upstream) => upstream,
        Err(status) => {
            let challenge = if status == 407 {
                "Proxy-Authenticate: Basic realm=\"loopback\"\r\n"
            } else {
                ""
            };
            let answer =
                format!("HTTP/1.1 {status} Refused\r\n{challenge}Content-Length: 0\r\n\r\n");
            return client.write_all(answer.as_bytes());
        }
    };
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    shared.tunnels.fetch_add(1, Ordering::SeqCst);
    relay(client, upstream)
}

/// The target and `Proxy-Authorization` of a `CONNECT` request; `None` for anything else.
fn read_connect(client: &mut TcpStream) -> io::Result<Option<(String, Option<String>)>> {
    // Byte by byte: the client may send its TLS hello right behind the head, and that belongs
    // to the server.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > MAX_HEAD || client.read(&mut byte)? == 0 {
            return Ok(None);
        }
        head.push(byte[0]);
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    if !matches!(request.parse(&head), Ok(httparse::Status::Complete(_)))
        || request.method != Some("CONNECT")
    {
        return Ok(None);
    }
    let Some(target) = request.path.map(str::to_owned) else {
        return Ok(None);
    };
    let authorization = request
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("proxy-authorization"))
        .map(|header| String::from_utf8_lossy(header.value).into_owned());
    Ok(Some((target, authorization)))
}

/// Copies bytes both ways until each side has closed its half.
fn relay(client: TcpStream, upstream: TcpStream) -> io::Result<()> {
    let (mut client_read, mut upstream_write) = (client.try_clone()?, upstream.try_clone()?);
    let outbound = thread::spawn(move || {
        let _ = io::copy(&mut client_read, &mut upstream_write);
        let _ = upstream_write.shutdown(Shutdown::Write);
    });
    let (mut upstream_read, mut client_write) = (upstream, client);
    let _ = io::copy(&mut upstream_read, &mut client_write);
    let _ = client_write.shutdown(Shutdown::Write);
    let _ = outbound.join();
    Ok(())
}
