//! End-to-end tests over real sockets with a blocking client, which also
//! shows that the server needs no async runtime in the calling test.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyxis_loopback::{DatasetSpec, Fault, LoopbackPyxis, RandomFaults};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::{Value, json};

const SMALL: DatasetSpec = DatasetSpec {
    repositories: 30,
    images: 60,
    rpms_per_image: 10,
};

fn small() -> LoopbackPyxis {
    LoopbackPyxis::builder().dataset(SMALL).start()
}

trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

struct Conn(Box<dyn Stream>);

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    declared: Option<usize>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }
}

fn client_config(server: &LoopbackPyxis, identity: Option<(String, String)>) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    let ca = CertificateDer::from_pem_slice(server.ca_pem().as_bytes()).expect("CA PEM");
    roots.add(ca).expect("CA is a valid root");
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots);
    match identity {
        Some((cert, key)) => {
            let cert = CertificateDer::from_pem_slice(cert.as_bytes()).expect("cert PEM");
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key PEM");
            builder
                .with_client_auth_cert(vec![cert], key)
                .expect("client identity")
        }
        None => builder.with_no_client_auth(),
    }
}

fn own_identity(server: &LoopbackPyxis) -> Option<(String, String)> {
    Some((server.client_cert_pem(), server.client_key_pem()))
}

fn connect(server: &LoopbackPyxis, identity: Option<(String, String)>) -> io::Result<Conn> {
    let tcp = TcpStream::connect(server.addr())?;
    tcp.set_read_timeout(Some(Duration::from_secs(20)))?;
    if server.url().starts_with("http://") {
        return Ok(Conn(Box::new(tcp)));
    }
    let config = Arc::new(client_config(server, identity));
    let name = ServerName::try_from("localhost").expect("server name");
    let tls = ClientConnection::new(config, name).map_err(io::Error::other)?;
    Ok(Conn(Box::new(StreamOwned::new(tls, tcp))))
}

impl Conn {
    fn post(&mut self, body: &Value) -> io::Result<Resp> {
        self.raw(
            "POST",
            pyxis_loopback::API_PATH,
            body.to_string().as_bytes(),
        )
    }

    /// A POST with `Accept-Encoding: {encodings}`.
    fn post_accepting(&mut self, body: &Value, encodings: &str) -> io::Result<Resp> {
        let extra = format!("Accept-Encoding: {encodings}\r\n");
        self.send(
            "POST",
            pyxis_loopback::API_PATH,
            &extra,
            body.to_string().as_bytes(),
        )
    }

    fn raw(&mut self, method: &str, path: &str, body: &[u8]) -> io::Result<Resp> {
        self.send(method, path, "", body)
    }

    fn send(&mut self, method: &str, path: &str, extra: &str, body: &[u8]) -> io::Result<Resp> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Test: yes\r\n{extra}Content-Length: {}\r\n\r\n",
            body.len()
        );
        self.0.write_all(head.as_bytes())?;
        self.0.write_all(body)?;
        self.0.flush()?;
        self.read_response()
    }

    /// Reads one response; a body cut short is returned as is, with
    /// `declared` telling how long it should have been.
    fn read_response(&mut self) -> io::Result<Resp> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        let header_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            let n = self.0.read(&mut chunk)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line in {head:?}")))?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let declared = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let mut body = buf[header_end + 4..].to_vec();
        let want = declared.unwrap_or(usize::MAX);
        // A chunked body ends with its empty last chunk, not with the connection.
        let chunked = declared.is_none()
            && headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
            });
        while body.len() < want && !(chunked && body.ends_with(b"\r\n0\r\n\r\n")) {
            match self.0.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
                Err(e) => return Err(e),
            }
        }
        Ok(Resp {
            status,
            headers,
            body,
            declared,
        })
    }
}

fn find_images(page: usize, page_size: usize, filter: Value) -> Value {
    json!({
        "query": "query Images($page: Int, $page_size: Int, $filter: ContainerImageFilter, $sort_by: [SortBy]) { find_images(page: $page, page_size: $page_size, filter: $filter, sort_by: $sort_by) { error { status detail } page page_size total data { _id brew { build package } } } }",
        "variables": { "page": page, "page_size": page_size, "filter": filter, "sort_by": [{"field": "_id", "order": "ASC"}] },
        "operationName": "Images",
    })
}

fn find_repositories() -> Value {
    json!({
        "query": "query($page_size: Int) { find_repositories(page_size: $page_size) { total data { _id } } }",
        "variables": { "page_size": 5 },
    })
}

#[test]
fn default_server_answers_over_mutual_tls() {
    let server = LoopbackPyxis::start();
    assert!(server.url().starts_with("https://127.0.0.1:"));
    assert!(server.url().ends_with("/api/containers/graphql/"));
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    let resp = conn
        .post(&find_images(1, 200, Value::Null))
        .expect("response");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert!(resp.header("trace_id").is_some_and(|t| t.len() == 32));
    let body = resp.json();
    let page = &body["data"]["find_images"];
    assert_eq!(page["total"], 700);
    assert_eq!(page["page"], 1);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(200));
    assert_eq!(page["data"][0]["_id"], server.dataset().images[200]["_id"]);

    let with_rpms = json!({
        "query": "query($filter: ContainerImageFilter, $page_size: Int) { find_images(filter: $filter, page_size: $page_size) { total data { _id edges { rpm_manifest { data { image_id rpms { name nvra srpm_name srpm_nevra } } error { status detail } } } } } }",
        "variables": { "page_size": 200, "filter": {"rpm_manifest": {"rpms": {"name": {"eq": "openssl"}}}} },
    });
    let body = conn.post(&with_rpms).expect("rpm query").json();
    let page = &body["data"]["find_images"];
    let total = page["total"].as_u64().unwrap_or(0);
    assert!((400..700).contains(&total), "{total}");
    let first = &page["data"][0];
    assert_eq!(
        first["edges"]["rpm_manifest"]["data"]["image_id"],
        first["_id"]
    );
    let rpms = first["edges"]["rpm_manifest"]["data"]["rpms"]
        .as_array()
        .map(Vec::len);
    assert_eq!(rpms, Some(300));

    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, http::Method::POST);
    assert_eq!(seen[0].path, "/api/containers/graphql/");
    assert_eq!(seen[0].root_field.as_deref(), Some("find_images"));
    assert_eq!(
        seen[0].headers.get("x-test").map(|v| v.as_bytes()),
        Some(&b"yes"[..])
    );
    assert_eq!(
        seen[0].json.as_ref().map(|j| &j["variables"]["page"]),
        Some(&json!(1))
    );
}

#[test]
fn connections_are_kept_alive() {
    let server = small();
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    for _ in 0..3 {
        assert_eq!(
            conn.post(&find_repositories()).expect("response").status,
            200
        );
    }
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.connection_count(), 1);
    let first = server.requests()[0].headers.get("trace_id").cloned();
    assert!(first.is_none(), "trace ids are response headers");
}

#[test]
fn client_certificate_is_enforced() {
    let server = small();
    let without = connect(&server, None).and_then(|mut c| c.post(&find_repositories()));
    assert!(without.is_err(), "{without:?}");
    let untrusted = connect(&server, Some(LoopbackPyxis::untrusted_client_identity()))
        .and_then(|mut c| c.post(&find_repositories()));
    assert!(untrusted.is_err(), "{untrusted:?}");
    assert_eq!(server.request_count(), 0);
    assert_eq!(server.connection_count(), 2);

    let open = LoopbackPyxis::builder()
        .dataset(SMALL)
        .require_client_cert(false)
        .start();
    let resp = connect(&open, None).and_then(|mut c| c.post(&find_repositories()));
    assert_eq!(resp.expect("response").status, 200);
}

#[test]
fn plain_http_mode() {
    let server = LoopbackPyxis::builder()
        .dataset(SMALL)
        .plain_http(true)
        .start();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let resp = connect(&server, None).and_then(|mut c| c.post(&find_repositories()));
    assert_eq!(
        resp.expect("response").json()["data"]["find_repositories"]["total"],
        30
    );
}

#[test]
fn routing_and_bad_bodies() {
    let server = small();
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    assert_eq!(
        conn.raw("POST", "/graphql", b"{}").expect("404").status,
        404
    );
    assert_eq!(
        conn.raw("GET", pyxis_loopback::API_PATH, b"")
            .expect("405")
            .status,
        405
    );
    let bad = conn
        .raw("POST", pyxis_loopback::API_PATH, b"{oops")
        .expect("400");
    assert_eq!(bad.status, 400);
    assert!(bad.json()["errors"][0]["message"].is_string());
    assert_eq!(server.request_count(), 3);
}

#[test]
fn filters_apply_over_the_wire() {
    let server = small();
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    let escaped = json!({"brew": {"package": {"regex": "^a\\.b-container$"}}});
    let resp = conn
        .post(&find_images(0, 50, escaped))
        .expect("response")
        .json();
    assert_eq!(resp["data"]["find_images"]["total"], 2);
    let unescaped = json!({"brew": {"package": {"regex": "^a.b-container$"}}});
    let resp = conn
        .post(&find_images(0, 50, unescaped))
        .expect("response")
        .json();
    assert_eq!(resp["data"]["find_images"]["total"], 4);
}

#[test]
fn status_faults_are_fifo_and_one_per_request() {
    let server = small();
    server.push_fault(Fault::Status {
        code: 503,
        retry_after: Some(7),
    });
    server.push_fault(Fault::Status {
        code: 429,
        retry_after: None,
    });
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    let first = conn.post(&find_repositories()).expect("503");
    assert_eq!(first.status, 503);
    assert_eq!(first.header("retry-after"), Some("7"));
    assert!(first.header("trace_id").is_some());
    let second = conn.post(&find_repositories()).expect("429");
    assert_eq!(second.status, 429);
    assert_eq!(second.header("retry-after"), None);
    assert_eq!(conn.post(&find_repositories()).expect("ok").status, 200);
}

#[test]
fn faults_for_one_root_field_let_others_pass() {
    let server = small();
    server.push_fault_for("find_images", Fault::WrongType);
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    let repos = conn.post(&find_repositories()).expect("repos").json();
    assert_eq!(repos["data"]["find_repositories"]["total"], 30);
    let images = conn
        .post(&find_images(0, 1, Value::Null))
        .expect("images")
        .json();
    assert_eq!(images, json!({"data": "a string"}));
    let images = conn
        .post(&find_images(0, 1, Value::Null))
        .expect("images")
        .json();
    assert_eq!(images["data"]["find_images"]["total"], 60);
}

#[test]
fn body_faults() {
    let server = small();
    let mut conn = connect(&server, own_identity(&server)).expect("connect");

    server.push_fault(Fault::MalformedJson);
    let resp = conn
        .post(&find_images(0, 1, Value::Null))
        .expect("malformed");
    assert_eq!(resp.status, 200);
    assert!(serde_json::from_slice::<Value>(&resp.body).is_err());

    server.push_fault(Fault::MongoTimeout);
    let resp = conn
        .post(&find_images(0, 1, Value::Null))
        .expect("timeout")
        .json();
    let answer = &resp["data"]["find_images"];
    assert_eq!(answer["data"], Value::Null);
    assert_eq!(answer["error"]["status"], 500);
    assert_eq!(
        answer["error"]["detail"],
        "Unable to fetch data from MongoDB in time"
    );

    server.push_fault(Fault::GraphQlErrors {
        with_partial_data: false,
    });
    let resp = conn
        .post(&find_images(0, 1, Value::Null))
        .expect("errors")
        .json();
    assert_eq!(resp["data"], Value::Null);
    assert_eq!(resp["errors"][0]["path"], json!(["find_images"]));
    assert_eq!(
        resp["errors"][0]["locations"],
        json!([{"line": 1, "column": 2}])
    );

    server.push_fault(Fault::GraphQlErrors {
        with_partial_data: true,
    });
    let resp = conn
        .post(&find_images(0, 1, Value::Null))
        .expect("partial")
        .json();
    assert!(resp["errors"].is_array());
    assert_eq!(resp["data"]["find_images"]["total"], 60);

    server.push_fault(Fault::HugeBody { bytes: 3_000_000 });
    let resp = conn.post(&find_images(0, 1, Value::Null)).expect("huge");
    assert_eq!(resp.declared, Some(3_000_000));
    assert_eq!(resp.body.len(), 3_000_000);
    assert!(resp.body.starts_with(b"{\"data\":{\"find_images\":"));

    // The connection is still usable after all of these.
    assert_eq!(conn.post(&find_repositories()).expect("ok").status, 200);
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn truncated_body_closes_the_connection() {
    let server = small();
    server.push_fault(Fault::TruncatedBody);
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    let resp = conn
        .post(&find_images(0, 20, Value::Null))
        .expect("headers arrive");
    let declared = resp.declared.expect("content-length");
    assert!(declared > 100);
    assert_eq!(resp.body.len(), declared / 2);
    assert!(conn.post(&find_repositories()).is_err());
}

#[test]
fn connection_reset_answers_nothing() {
    let server = small();
    server.push_fault(Fault::ConnectionReset);
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    assert!(conn.post(&find_repositories()).is_err());
    assert_eq!(server.request_count(), 1);
    let mut again = connect(&server, own_identity(&server)).expect("reconnect");
    assert_eq!(again.post(&find_repositories()).expect("ok").status, 200);
}

#[test]
fn latency_and_slow_fault_delay_answers() {
    let server = LoopbackPyxis::builder()
        .dataset(SMALL)
        .latency(Duration::from_millis(100))
        .start();
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    let t = Instant::now();
    conn.post(&find_repositories()).expect("ok");
    assert!(t.elapsed() >= Duration::from_millis(100));

    server.set_latency(Duration::ZERO);
    server.push_fault(Fault::Slow(Duration::from_millis(150)));
    let t = Instant::now();
    assert_eq!(conn.post(&find_repositories()).expect("slow").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(150));
}

#[test]
fn random_faults_come_at_their_rate_after_queued_ones() {
    let server = LoopbackPyxis::builder()
        .dataset(SMALL)
        .random_faults(RandomFaults::transient(1.0, 3).faults([Fault::Status {
            code: 503,
            retry_after: None,
        }]))
        .start();
    server.push_fault(Fault::Status {
        code: 429,
        retry_after: None,
    });
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    assert_eq!(conn.post(&find_repositories()).expect("429").status, 429);
    assert_eq!(
        server.random_fault_count(),
        0,
        "the queued fault goes first"
    );
    for _ in 0..3 {
        assert_eq!(conn.post(&find_repositories()).expect("503").status, 503);
    }
    assert_eq!(server.random_fault_count(), 3);

    // At 30 %, some requests fail and most do not; off, none do.
    server.set_random_faults(Some(RandomFaults::transient(0.3, 3).faults([
        Fault::Status {
            code: 503,
            retry_after: None,
        },
    ])));
    let statuses: Vec<u16> = (0..60)
        .map(|_| conn.post(&find_repositories()).expect("answer").status)
        .collect();
    let failed = statuses.iter().filter(|s| **s == 503).count();
    assert!((5..=30).contains(&failed), "{failed} of 60: {statuses:?}");
    assert_eq!(server.random_fault_count(), 3 + failed);
    server.set_random_faults(None);
    for _ in 0..10 {
        assert_eq!(conn.post(&find_repositories()).expect("ok").status, 200);
    }
}

#[test]
fn latency_jitter_varies_the_delay_within_its_range() {
    let server = LoopbackPyxis::builder()
        .dataset(SMALL)
        .latency(Duration::from_millis(20))
        .latency_jitter(Duration::from_millis(60))
        .start();
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    let delays: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            assert_eq!(conn.post(&find_repositories()).expect("ok").status, 200);
            t.elapsed()
        })
        .collect();
    assert!(
        delays.iter().all(|d| *d >= Duration::from_millis(20)),
        "{delays:?}"
    );
    let (min, max) = (delays.iter().min(), delays.iter().max());
    assert!(
        max.zip(min)
            .is_some_and(|(max, min)| *max - *min >= Duration::from_millis(20)),
        "the delays vary: {delays:?}"
    );
    server.set_latency_jitter(Duration::ZERO);
    server.set_latency(Duration::ZERO);
    let t = Instant::now();
    assert_eq!(conn.post(&find_repositories()).expect("ok").status, 200);
    assert!(t.elapsed() < Duration::from_millis(20));
}

#[test]
fn dropping_the_server_closes_its_port() {
    let server = small();
    let addr = server.addr();
    let mut conn = connect(&server, own_identity(&server)).expect("connect");
    assert_eq!(conn.post(&find_repositories()).expect("ok").status, 200);
    drop(server);
    assert!(TcpStream::connect(addr).is_err());
    assert!(conn.post(&find_repositories()).is_err());
}

#[test]
fn starts_and_stops_inside_another_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let addr = runtime.block_on(async {
        let server = small();
        let addr = server.addr();
        let resp =
            connect(&server, own_identity(&server)).and_then(|mut c| c.post(&find_repositories()));
        assert_eq!(resp.expect("response").status, 200);
        addr
    });
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn handle_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LoopbackPyxis>();
    let server = Arc::new(small());
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                let mut conn = connect(&server, own_identity(&server)).expect("connect");
                for _ in 0..5 {
                    assert_eq!(conn.post(&find_repositories()).expect("ok").status, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    assert_eq!(server.request_count(), 20);
    assert_eq!(server.connection_count(), 4);
    let mut ids: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    ids.dedup();
    assert_eq!(ids, vec![pyxis_loopback::API_PATH.to_owned()]);
}

fn gunzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

#[test]
fn answers_are_gzipped_only_when_asked_and_allowed() {
    let server = small();
    let mut conn = connect(&server, own_identity(&server)).unwrap();
    let plain = conn.post(&find_repositories()).unwrap();
    assert_eq!(plain.header("content-encoding"), None);
    let sent_plain = server.body_bytes_sent();
    assert_eq!(sent_plain, plain.body.len() as u64);

    let gzipped = conn
        .post_accepting(&find_repositories(), "br;q=1, gzip;q=0.8")
        .unwrap();
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzipped.header("vary"), Some("accept-encoding"));
    assert_eq!(gunzip(&gzipped.body).unwrap(), plain.body);
    assert_eq!(
        server.body_bytes_sent() - sent_plain,
        gzipped.body.len() as u64
    );
    assert_eq!(server.gzipped_count(), 1);

    let refused = conn
        .post_accepting(&find_repositories(), "gzip;q=0")
        .unwrap();
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.body, plain.body);

    let off = LoopbackPyxis::builder()
        .dataset(SMALL)
        .compression(false)
        .start();
    let mut conn = connect(&off, own_identity(&off)).unwrap();
    let answer = conn.post_accepting(&find_repositories(), "gzip").unwrap();
    assert_eq!(answer.header("content-encoding"), None);
    assert_eq!(answer.header("vary"), None);
    assert_eq!(answer.json()["data"]["find_repositories"]["total"], 30);
    assert_eq!(off.gzipped_count(), 0);
}

#[test]
fn gzip_faults_send_a_bomb_and_a_corrupt_stream_even_unasked() {
    let server = LoopbackPyxis::builder()
        .dataset(SMALL)
        .compression(false)
        .start();
    let mut conn = connect(&server, own_identity(&server)).unwrap();
    let inflated = 64 * 1024 * 1024;
    server.push_fault(Fault::GzipBomb {
        inflated_bytes: inflated,
    });
    let bomb = conn.post(&find_repositories()).unwrap();
    assert_eq!(bomb.header("content-encoding"), Some("gzip"));
    assert_eq!(bomb.header("transfer-encoding"), Some("chunked"));
    // Chunked framing left in: this client reads raw bytes. Inflate only the chunk payloads.
    let payload = dechunk(&bomb.body);
    assert!(payload.len() < 1024 * 1024, "{} bytes", payload.len());
    assert_eq!(gunzip(&payload).unwrap().len() as u64, inflated);

    let mut conn = connect(&server, own_identity(&server)).unwrap();
    server.push_fault(Fault::CorruptGzip);
    let corrupt = conn.post(&find_repositories()).unwrap();
    assert_eq!(corrupt.header("content-encoding"), Some("gzip"));
    assert!(gunzip(&corrupt.body).is_err());
    assert_eq!(server.gzipped_count(), 2);
}

/// The payload of a complete chunked body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size = std::str::from_utf8(&raw[..line_end]).expect("ASCII");
        let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
        if size == 0 {
            return out;
        }
        let start = line_end + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
}
