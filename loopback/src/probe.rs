//! Helpers for transport-level tests of the adapters: a probe request the server answers, and
//! two tiny hand-written HTTP servers for what the loopback server cannot do (endless chunked
//! bodies, connections closed after one answer).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use serde_json::{Value, json};

/// The probe query: one repository by registry path.
pub const QUERY: &str = "query q($registry: String, $repository: String) { \
    get_repository_by_registry_path(registry: $registry, repository: $repository) { \
    data { repository } error { status detail } } }";

/// A POST of [`QUERY`] for `registry.access.redhat.com/rhel8/app-0` to `url`.
pub fn request(url: &str) -> http::Request<bytes::Bytes> {
    let body = json!({
        "query": QUERY,
        "variables": { "registry": "registry.access.redhat.com", "repository": "rhel8/app-0" },
    });
    http::Request::post(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap().into())
        .unwrap()
}

/// A query whose answer is a few tens of kilobytes of repetitive JSON, as a Pyxis page is:
/// 100 repositories with their registry, path, vendor, categories and dates.
pub const LIST_QUERY: &str = "query list($page_size: Int) { find_repositories(page: 0, \
    page_size: $page_size) { error { status detail } page page_size total data { _id registry \
    repository vendor_label published release_categories object_type creation_date \
    auto_rebuild_tags } } }";

/// A POST of [`LIST_QUERY`] for a page of 100 repositories to `url`.
pub fn list_request(url: &str) -> http::Request<bytes::Bytes> {
    let body = json!({ "query": LIST_QUERY, "variables": { "page_size": 100 } });
    http::Request::post(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap().into())
        .unwrap()
}

/// Asserts that `response` is a decoded answer to [`list_request`], a 200 with 100
/// repositories, and returns its body length.
pub fn assert_list(response: &http::Response<impl AsRef<[u8]>>) -> usize {
    assert_eq!(response.status(), 200);
    let bytes = response.body().as_ref();
    let body: Value = serde_json::from_slice(bytes).unwrap();
    let page = &body["data"]["find_repositories"]["data"];
    assert_eq!(page.as_array().map(Vec::len), Some(100), "{body}");
    bytes.len()
}

/// Asserts that `response` is the probe's answer: a 200 holding `rhel8/app-0`.
pub fn assert_repository(response: &http::Response<impl AsRef<[u8]>>) {
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_slice(response.body().as_ref()).unwrap();
    assert_eq!(
        body["data"]["get_repository_by_registry_path"]["data"]["repository"], "rhel8/app-0",
        "{body}"
    );
}

/// An error and its sources on one line, for assertion messages.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{err:?}");
    let mut next = err.source();
    while let Some(e) = next {
        text.push_str(&format!(" <- {e}"));
        next = e.source();
    }
    text
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain-HTTP server for one connection that answers with an endless chunked body (up to
/// `limit` bytes) and returns how many body bytes it managed to write before the client hung up.
pub fn endless_chunked_server(limit: usize) -> (String, JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut seen = Vec::new();
        let mut buf = [0; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).unwrap();
            assert!(n > 0, "client hung up before sending its request");
            seen.extend_from_slice(&buf[..n]);
        }
        let head = concat!(
            "HTTP/1.1 200 OK\r\n",
            "content-type: application/json\r\n",
            "transfer-encoding: chunked\r\n\r\n",
        );
        if socket.write_all(head.as_bytes()).is_err() {
            return 0;
        }
        let chunk = [b' '; 16 * 1024];
        let mut written = 0;
        while written < limit {
            let ok = socket
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .and_then(|()| socket.write_all(&chunk))
                .and_then(|()| socket.write_all(b"\r\n"));
            if ok.is_err() {
                break;
            }
            written += chunk.len();
        }
        written
    });
    (url, handle)
}

/// A plain-HTTP server that answers each of `connections` connections once, then closes it
/// (with no `Connection: close` warning, as an idle timeout on the server side would).
pub fn answer_once_then_close_server(connections: usize) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        for _ in 0..connections {
            let (mut socket, _) = listener.accept().unwrap();
            let mut seen = Vec::new();
            let mut buf = [0; 4096];
            let body_start = loop {
                if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                    break end + 4;
                }
                let n = socket.read(&mut buf).unwrap();
                assert!(n > 0);
                seen.extend_from_slice(&buf[..n]);
            };
            let head = String::from_utf8_lossy(&seen[..body_start]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .map_or(0, |value| value.trim().parse().unwrap());
            while seen.len() < body_start + length {
                let n = socket.read(&mut buf).unwrap();
                assert!(n > 0);
                seen.extend_from_slice(&buf[..n]);
            }
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .unwrap();
        }
    });
    (url, handle)
}

/// The environment variables a child test process reads the server from
/// ([`server_env`], [`ServerInChild::from_env`]).
const CHILD_VARS: [&str; 4] = [
    "PYXIS_LOOPBACK_URL",
    "PYXIS_LOOPBACK_CA",
    "PYXIS_LOOPBACK_CERT",
    "PYXIS_LOOPBACK_KEY",
];

/// The variables that tell a child test process where `server` is and how to reach it.
pub fn server_env(server: &crate::LoopbackPyxis) -> Vec<(&'static str, String)> {
    let values = [
        server.url(),
        server.ca_pem(),
        server.client_cert_pem(),
        server.client_key_pem(),
    ];
    CHILD_VARS.into_iter().zip(values).collect()
}

/// A loopback server started by the parent test process, as a child sees it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerInChild {
    /// The GraphQL endpoint.
    pub url: String,
    /// The CA to trust.
    pub ca_pem: String,
    /// The client certificate the server accepts.
    pub client_cert_pem: String,
    /// Its key.
    pub client_key_pem: String,
}

impl ServerInChild {
    /// The server the parent named in the environment, if this process is such a child.
    pub fn from_env() -> Option<Self> {
        let [url, ca_pem, client_cert_pem, client_key_pem] =
            CHILD_VARS.map(|name| std::env::var(name).ok());
        Some(Self {
            url: url?,
            ca_pem: ca_pem?,
            client_cert_pem: client_cert_pem?,
            client_key_pem: client_key_pem?,
        })
    }
}

/// Runs the `#[ignore]`d test `name` of the current test binary in a child process whose
/// environment has no proxy variables but `vars`: how a test checks what an adapter reads from
/// the environment without changing the environment of the parent, whose tests run in parallel.
/// Returns whether the child test passed, with its output for the assertion message.
pub fn run_ignored_test_with_env(name: &str, vars: &[(&str, String)]) -> (bool, String) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = std::process::Command::new(exe);
    command.args([
        name,
        "--exact",
        "--ignored",
        "--test-threads=1",
        "--nocapture",
    ]);
    for variable in [
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(variable);
    }
    command.envs(vars.iter().map(|(name, value)| (name, value)));
    let output = command.output().expect("run the test binary again");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // `--exact` with a wrong name runs nothing and still succeeds: insist on the one test.
    let passed = output.status.success() && text.contains("test result: ok. 1 passed");
    (passed, text)
}
