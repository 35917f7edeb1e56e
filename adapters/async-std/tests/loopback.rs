//! The async-std transport against the loopback Pyxis server, over mutual TLS.

use std::time::{Duration, Instant};

use async_std::task::block_on;
use pyxis_gql::{Config, ConfigBuilder, Identity, Transport, TransportError};
use pyxis_gql_async_std::AsyncStdTransport;
use pyxis_loopback::{API_PATH, Fault, LoopbackPyxis};
use serde_json::{Value, json};

const QUERY: &str = "query q($registry: String, $repository: String) { \
    get_repository_by_registry_path(registry: $registry, repository: $repository) { \
    data { repository } error { status detail } } }";

/// The endpoint by host name: this TLS stack cannot verify a certificate for `127.0.0.1`.
fn endpoint(server: &LoopbackPyxis) -> String {
    format!("https://localhost:{}{API_PATH}", server.addr().port())
}

/// Trusts the server's CA and presents its client identity.
fn builder(server: &LoopbackPyxis) -> ConfigBuilder {
    Config::builder()
        .endpoint(endpoint(server))
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into_bytes(),
            server.client_key_pem().into_bytes(),
        ))
}

fn transport(config: ConfigBuilder) -> AsyncStdTransport {
    AsyncStdTransport::new(&config.build().expect("config")).expect("transport")
}

/// The `n`-th repository of the server's dataset, as (registry, repository).
fn repository(server: &LoopbackPyxis, n: usize) -> (String, String) {
    let doc = &server.dataset().repositories[n];
    let field = |name: &str| doc[name].as_str().expect("string field").to_owned();
    (field("registry"), field("repository"))
}

fn request(url: &str, (registry, repository): &(String, String)) -> http::Request<Vec<u8>> {
    let body = json!({
        "query": QUERY,
        "variables": { "registry": registry, "repository": repository },
    });
    http::Request::post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(serde_json::to_vec(&body).expect("json"))
        .expect("request")
}

/// Sends a lookup of repository `n` and checks the answer is that repository's.
fn lookup(transport: &AsyncStdTransport, server: &LoopbackPyxis, url: &str, n: usize) {
    let wanted = repository(server, n);
    let response = block_on(transport.send(request(url, &wanted))).expect("response");
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_slice(response.body()).expect("JSON body");
    assert_eq!(
        body["data"]["get_repository_by_registry_path"]["data"]["repository"],
        json!(wanted.1),
        "{body}"
    );
}

fn error_of(transport: &AsyncStdTransport, url: &str, server: &LoopbackPyxis) -> TransportError {
    match block_on(transport.send(request(url, &repository(server, 0)))) {
        Ok(response) => panic!("expected an error, got HTTP {}", response.status()),
        Err(error) => error,
    }
}

#[test]
fn valid_client_certificate_gets_answers() {
    let server = LoopbackPyxis::start();
    let transport = transport(builder(&server));
    lookup(&transport, &server, &endpoint(&server), 3);
    let shown = format!("{transport:?}");
    assert!(!shown.contains("PRIVATE"), "{shown}");
}

#[test]
fn ip_address_endpoints_are_refused_up_front() {
    let server = LoopbackPyxis::start();
    let config = builder(&server)
        .endpoint(server.url())
        .build()
        .expect("config");
    match AsyncStdTransport::new(&config) {
        Err(TransportError::Config(source)) => {
            assert!(source.to_string().contains("127.0.0.1"), "{source}")
        }
        other => panic!("expected Config, got {other:?}"),
    }
}

/// The error for a client certificate the server refuses. The server's TLS 1.3 alert can come
/// after our handshake ended; when its reset overtakes the alert (seen about once in a few
/// hundred runs here) the attempt reads as `ConnectionClosed`, which the client retries, so
/// retry that here too.
fn refused_certificate_error(
    transport: &AsyncStdTransport,
    server: &LoopbackPyxis,
) -> TransportError {
    for _ in 0..3 {
        match error_of(transport, &endpoint(server), server) {
            TransportError::ConnectionClosed(_) => continue,
            error => return error,
        }
    }
    panic!("three resets in a row instead of a TLS alert")
}

#[test]
fn missing_client_certificate_is_a_tls_error() {
    let server = LoopbackPyxis::start();
    let transport = transport(
        Config::builder()
            .endpoint(endpoint(&server))
            .add_root_certificate_pem(server.ca_pem()),
    );
    let error = refused_certificate_error(&transport, &server);
    assert!(matches!(error, TransportError::Tls(_)), "{error:?}");
}

#[test]
fn untrusted_client_certificate_is_a_tls_error() {
    let server = LoopbackPyxis::start();
    let (cert, key) = LoopbackPyxis::untrusted_client_identity();
    let transport = transport(
        builder(&server).identity(Identity::from_pem(cert.into_bytes(), key.into_bytes())),
    );
    let error = refused_certificate_error(&transport, &server);
    assert!(matches!(error, TransportError::Tls(_)), "{error:?}");
}

#[test]
fn untrusted_server_is_a_tls_error() {
    let server = LoopbackPyxis::start();
    let transport = transport(Config::builder().endpoint(endpoint(&server)).identity(
        Identity::from_pem(
            server.client_cert_pem().into_bytes(),
            server.client_key_pem().into_bytes(),
        ),
    ));
    let error = error_of(&transport, &endpoint(&server), &server);
    assert!(matches!(error, TransportError::Tls(_)), "{error:?}");
}

#[test]
fn bad_pem_is_a_config_error_that_quotes_no_key() {
    let server = LoopbackPyxis::start();
    let key =
        "-----BEGIN PRIVATE KEY-----\nnot base64 at all: s3cr3t!\n-----END PRIVATE KEY-----\n";
    let config = builder(&server)
        .identity(Identity::from_pem(
            server.client_cert_pem().into_bytes(),
            key.as_bytes().to_vec(),
        ))
        .build()
        .expect("config");
    match AsyncStdTransport::new(&config) {
        Err(error @ TransportError::Config(_)) => {
            let shown = format!("{error:?} {error}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        other => panic!("expected Config, got {other:?}"),
    }
    let config = Config::builder()
        .add_root_certificate_pem("no certificate here")
        .build()
        .expect("config");
    assert!(matches!(
        AsyncStdTransport::new(&config),
        Err(TransportError::Config(_))
    ));
}

#[test]
fn sequential_requests_reuse_one_connection() {
    let server = LoopbackPyxis::start();
    let transport = transport(builder(&server));
    let url = endpoint(&server);
    for n in 0..20 {
        lookup(&transport, &server, &url, n % 5);
    }
    assert_eq!(server.request_count(), 20);
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn slow_answer_times_out_and_the_late_answer_is_never_read() {
    let server = LoopbackPyxis::start();
    let timeout = Duration::from_millis(300);
    let transport = transport(builder(&server).request_timeout(timeout));
    let url = endpoint(&server);
    lookup(&transport, &server, &url, 0);

    server.push_fault(Fault::Slow(Duration::from_millis(600)));
    let started = Instant::now();
    let error = error_of(&transport, &url, &server);
    assert!(
        matches!(error, TransportError::Timeout(limit) if limit == timeout),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(550),
        "{:?}",
        started.elapsed()
    );

    // The slow answer to repository 0 arrives on the abandoned connection while these run; they
    // must get their own answers on a fresh connection.
    for n in 1..4 {
        lookup(&transport, &server, &url, n);
    }
    async_std::task::block_on(async_std::task::sleep(Duration::from_millis(400)));
    lookup(&transport, &server, &url, 4);
    assert_eq!(server.connection_count(), 2);
}

#[test]
fn dropped_send_futures_do_not_poison_the_pool() {
    let server = LoopbackPyxis::start();
    let transport = transport(builder(&server));
    let url = endpoint(&server);
    lookup(&transport, &server, &url, 0);
    server.push_fault(Fault::Slow(Duration::from_millis(200)));
    let raced = block_on(async_std::future::timeout(
        Duration::from_millis(50),
        transport.send(request(&url, &repository(&server, 1))),
    ));
    assert!(raced.is_err(), "the race should have dropped the send");
    block_on(async_std::task::sleep(Duration::from_millis(250)));
    lookup(&transport, &server, &url, 2);
}

#[test]
fn declared_huge_body_is_refused_without_reading_it() {
    let server = LoopbackPyxis::start();
    let limit = 64 * 1024;
    let transport = transport(builder(&server).max_body_bytes(limit));
    let url = endpoint(&server);
    server.push_fault(Fault::HugeBody {
        bytes: 1024 * 1024 * 1024,
    });
    let started = Instant::now();
    let error = error_of(&transport, &url, &server);
    assert!(
        matches!(error, TransportError::BodyTooLarge { limit: l } if l == limit),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    lookup(&transport, &server, &url, 1);
}

#[test]
fn connection_reset_is_connection_closed() {
    let server = LoopbackPyxis::start();
    let transport = transport(builder(&server));
    let url = endpoint(&server);
    server.push_fault(Fault::ConnectionReset);
    let error = error_of(&transport, &url, &server);
    assert!(
        matches!(error, TransportError::ConnectionClosed(_)),
        "{error:?}"
    );
    assert!(error.is_transient());
    lookup(&transport, &server, &url, 0);
}

#[test]
fn truncated_body_is_connection_closed() {
    let server = LoopbackPyxis::start();
    let transport = transport(builder(&server));
    let url = endpoint(&server);
    server.push_fault(Fault::TruncatedBody);
    let error = error_of(&transport, &url, &server);
    assert!(
        matches!(error, TransportError::ConnectionClosed(_)),
        "{error:?}"
    );
    lookup(&transport, &server, &url, 0);
}

#[test]
fn http_errors_and_bad_json_are_responses() {
    let server = LoopbackPyxis::start();
    let transport = transport(builder(&server));
    let url = endpoint(&server);
    server.push_fault(Fault::Status {
        code: 503,
        retry_after: Some(7),
    });
    let response = block_on(transport.send(request(&url, &repository(&server, 0)))).expect("503");
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "7");
    server.push_fault(Fault::MalformedJson);
    let response = block_on(transport.send(request(&url, &repository(&server, 0)))).expect("200");
    assert!(serde_json::from_slice::<Value>(response.body()).is_err());
    lookup(&transport, &server, &url, 0);
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn closed_port_is_a_connect_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = format!("https://localhost:{port}{API_PATH}");
    let transport = transport(Config::builder().endpoint(&url));
    let error = match block_on(transport.send(request(&url, &(String::new(), String::new())))) {
        Ok(response) => panic!("expected an error, got HTTP {}", response.status()),
        Err(error) => error,
    };
    assert!(matches!(error, TransportError::Connect(_)), "{error:?}");
}

#[test]
fn plain_http_works_when_allowed() {
    let server = LoopbackPyxis::builder().plain_http(true).start();
    let url = server.url();
    let transport = transport(Config::builder().endpoint(&url).allow_http(true));
    lookup(&transport, &server, &url, 0);
}

/// Serves one plain-HTTP connection with a chunked (length-less) body of up to 1 GiB; returns
/// the endpoint and a handle answering how many body bytes were written before the client went
/// away.
fn endless_chunked_server() -> (String, std::thread::JoinHandle<usize>) {
    use std::io::{Read, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://localhost:{}/",
        listener.local_addr().expect("addr").port()
    );
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut head = [0; 4096];
        let _ = stream.read(&mut head);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
        let chunk = [b'x'; 64 * 1024];
        let mut written = 0;
        while written < 1024 * 1024 * 1024 {
            let sent = write!(stream, "{:x}\r\n", chunk.len())
                .and_then(|()| stream.write_all(&chunk))
                .and_then(|()| stream.write_all(b"\r\n"));
            if sent.is_err() {
                break;
            }
            written += chunk.len();
        }
        written
    });
    (url, handle)
}

#[test]
fn streamed_body_past_the_cap_stops_reading() {
    let (url, server) = endless_chunked_server();
    let limit = 256 * 1024;
    let transport = transport(
        Config::builder()
            .endpoint(&url)
            .allow_http(true)
            .max_body_bytes(limit),
    );
    let started = Instant::now();
    let result = block_on(transport.send(request(&url, &(String::new(), String::new()))));
    assert!(
        matches!(result, Err(TransportError::BodyTooLarge { limit: l }) if l == limit),
        "{result:?}"
    );
    // The abandoned connection is closed, so the server stops long before its 1 GiB.
    let written = server.join().expect("server thread");
    assert!(written < 64 * 1024 * 1024, "server wrote {written} bytes");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn caller_built_clients_and_configs_work() {
    let server = LoopbackPyxis::builder().plain_http(true).start();
    let url = server.url();
    let client: surf::Client = surf::Config::new().try_into().expect("client");
    lookup(
        &AsyncStdTransport::from_client(client, 1 << 20),
        &server,
        &url,
        0,
    );
    let surf_config = surf::Config::new()
        .add_header("x-default", "from the surf config")
        .expect("header");
    let transport = AsyncStdTransport::from_surf_config(surf_config, 1 << 20);
    lookup(&transport, &server, &url, 1);
    let seen = server.requests().pop().expect("a recorded request");
    assert_eq!(seen.headers["x-default"], "from the surf config");
    assert_eq!(seen.headers["content-type"], "application/json");
    assert_eq!(seen.json.expect("JSON body")["query"], json!(QUERY));
    server.push_fault(Fault::HugeBody { bytes: 2 << 20 });
    let error = error_of(&transport, &url, &server);
    assert!(
        matches!(error, TransportError::BodyTooLarge { .. }),
        "{error:?}"
    );
    lookup(&transport, &server, &url, 2);
}

#[test]
fn client_retries_a_reset_over_this_transport() {
    let server = LoopbackPyxis::start();
    let client =
        pyxis_gql_async_std::client(&builder(&server).build().expect("config")).expect("client");
    let (registry, name) = repository(&server, 2);
    let path = format!("{registry}/{name}").parse().expect("registry path");
    server.push_fault(Fault::ConnectionReset);
    let found = block_on(client.get_repository_by_registry_path(&path)).expect("answer");
    assert_eq!(
        found
            .and_then(|repository| repository.repository)
            .as_deref(),
        Some(name.as_str())
    );
    assert_eq!(server.request_count(), 2);
}

#[test]
fn stalled_handshake_hits_the_connect_timeout() {
    // The kernel completes the TCP handshake for the backlog; nobody ever speaks TLS.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "https://localhost:{}{API_PATH}",
        listener.local_addr().expect("addr").port()
    );
    let connect = Duration::from_millis(200);
    let transport = transport(
        Config::builder()
            .endpoint(&url)
            .connect_timeout(connect)
            .request_timeout(Duration::from_secs(30)),
    );
    let started = Instant::now();
    let result = block_on(transport.send(request(&url, &(String::new(), String::new()))));
    assert!(
        matches!(result, Err(TransportError::Timeout(limit)) if limit == connect),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    drop(listener);
}

#[test]
fn concurrent_requests_get_their_own_answers_while_one_times_out() {
    use std::sync::Arc;

    let server = Arc::new(LoopbackPyxis::start());
    let timeout = Duration::from_millis(300);
    let transport = Arc::new(transport(builder(&server).request_timeout(timeout)));
    let url = endpoint(&server);
    server.push_fault(Fault::Slow(Duration::from_millis(500)));
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let (server, transport, url) = (server.clone(), transport.clone(), url.clone());
            async_std::task::spawn(async move {
                let wanted = repository(&server, n);
                let answer = transport.send(request(&url, &wanted)).await;
                (wanted, answer)
            })
        })
        .collect();
    let mut timeouts = 0;
    for task in tasks {
        match block_on(task) {
            (wanted, Ok(response)) => {
                let body: Value = serde_json::from_slice(response.body()).expect("JSON");
                let got = &body["data"]["get_repository_by_registry_path"]["data"]["repository"];
                assert_eq!(got, &json!(wanted.1), "{body}");
            }
            (_, Err(TransportError::Timeout(limit))) if limit == timeout => timeouts += 1,
            (_, Err(error)) => panic!("{error:?}"),
        }
    }
    assert_eq!(timeouts, 1);
    block_on(async_std::task::sleep(Duration::from_millis(300)));
    for n in 0..8 {
        lookup(&transport, &server, &url, n);
    }
}
