//! The transport against the embedded loopback Pyxis server (and, for streamed bodies, a tiny
//! hand-written HTTP server).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use pyxis_gql::{Config, ConfigBuilder, Identity, Transport, TransportError};
use pyxis_gql_tokio::TokioTransport;
use pyxis_loopback::probe::{
    QUERY, answer_once_then_close_server, assert_repository, chain, closed_port,
    endless_chunked_server, request,
};
use pyxis_loopback::{Fault, LoopbackPyxis};

/// A config trusting the server's CA, presenting its client identity, with short timeouts.
fn config(server: &LoopbackPyxis) -> ConfigBuilder {
    Config::builder()
        .endpoint(server.url())
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .connect_timeout(Duration::from_secs(2))
        .request_timeout(Duration::from_secs(5))
}

fn transport(config: ConfigBuilder) -> TokioTransport {
    TokioTransport::new(&config.build().unwrap()).unwrap()
}

#[tokio::test]
async fn a_valid_client_certificate_gets_an_answer() {
    let server = LoopbackPyxis::start();
    let transport = transport(config(&server));
    let response = transport.send(request(&server.url())).await.unwrap();
    assert_repository(&response);
    assert_eq!(response.headers()["content-type"], "application/json");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, http::Method::POST);
    assert_eq!(seen[0].json.as_ref().unwrap()["query"], QUERY);
}

#[tokio::test]
async fn the_convenience_client_talks_to_the_server() {
    let server = LoopbackPyxis::start();
    let client = pyxis_gql_tokio::client(&config(&server).build().unwrap()).unwrap();
    let path = "registry.access.redhat.com/rhel8/app-0".parse().unwrap();
    let repository = client.get_repository_by_registry_path(&path).await.unwrap();
    assert_eq!(
        repository.unwrap().repository.as_deref(),
        Some("rhel8/app-0")
    );
}

#[tokio::test]
async fn plain_http_endpoints_work_without_tls() {
    let server = LoopbackPyxis::builder().plain_http(true).start();
    let config = Config::builder()
        .endpoint(server.url())
        .allow_http(true)
        .request_timeout(Duration::from_secs(5));
    let transport = transport(config);
    assert_repository(&transport.send(request(&server.url())).await.unwrap());
    // Without TLS, a connection closed before the answer is hyper's "incomplete message".
    server.push_fault(Fault::ConnectionReset);
    let err = transport.send(request(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, TransportError::ConnectionClosed(_)),
        "{}",
        chain(&err)
    );
}

/// With TLS 1.3 the client finishes its side of the handshake before the server has looked at
/// the client certificate, so the refusal arrives as a fatal alert on the first read after the
/// request went out. rustls reports it as `AlertReceived(CertificateRequired)` (no certificate)
/// or `AlertReceived(UnknownCA)` (a certificate from another CA), and that rustls error in the
/// chain makes it `Tls`, not `ConnectionClosed`: retrying would not help.
#[tokio::test]
async fn a_missing_or_untrusted_client_certificate_fails_with_tls() {
    let server = LoopbackPyxis::start();
    let anonymous = Config::builder()
        .endpoint(server.url())
        .add_root_certificate_pem(server.ca_pem());
    let (cert, key) = LoopbackPyxis::untrusted_client_identity();
    let untrusted = anonymous
        .clone()
        .identity(Identity::from_pem(cert.into(), key.into()));
    for (config, alert) in [(anonymous, "CertificateRequired"), (untrusted, "UnknownCA")] {
        // Fresh transports, so every attempt is a new handshake.
        for _ in 0..5 {
            let err = transport(config.clone())
                .send(request(&server.url()))
                .await
                .unwrap_err();
            assert!(matches!(err, TransportError::Tls(_)), "{}", chain(&err));
            assert!(chain(&err).contains(alert), "{}", chain(&err));
            assert!(!err.is_transient());
        }
    }
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn an_untrusted_server_fails_with_tls() {
    let server = LoopbackPyxis::start();
    // The built-in web roots only: the loopback CA is unknown.
    let config = Config::builder()
        .endpoint(server.url())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ));
    let err = transport(config)
        .send(request(&server.url()))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Tls(_)), "{}", chain(&err));
    assert!(chain(&err).contains("UnknownIssuer"), "{}", chain(&err));
}

#[tokio::test]
async fn sequential_requests_reuse_the_connection() {
    let server = LoopbackPyxis::start();
    let transport = transport(config(&server));
    for _ in 0..50 {
        let response = transport.send(request(&server.url())).await.unwrap();
        assert_repository(&response);
    }
    assert_eq!(server.request_count(), 50);
    assert!(
        server.connection_count() <= 2,
        "{} connections",
        server.connection_count()
    );
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = LoopbackPyxis::start();
    let limit = Duration::from_millis(300);
    let transport = transport(config(&server).request_timeout(limit));
    server.push_fault(Fault::Slow(Duration::from_secs(3)));
    let started = Instant::now();
    let err = transport.send(request(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, TransportError::Timeout(d) if d == limit),
        "{}",
        chain(&err)
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    // The transport is still usable afterwards.
    assert_repository(&transport.send(request(&server.url())).await.unwrap());
}

#[tokio::test]
async fn a_huge_body_is_refused_without_reading_it() {
    let server = LoopbackPyxis::start();
    let transport = transport(config(&server).max_body_bytes(64 * 1024));
    server.push_fault(Fault::HugeBody { bytes: 1 << 30 });
    let started = Instant::now();
    let err = transport.send(request(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 65536 }),
        "{}",
        chain(&err)
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_streamed_body_stops_at_the_cap() {
    let (url, server) = endless_chunked_server(256 << 20);
    let config = Config::builder()
        .endpoint(&url)
        .allow_http(true)
        .max_body_bytes(100_000);
    let err = transport(config).send(request(&url)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 100_000 }),
        "{}",
        chain(&err)
    );
    let written = tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
    // Socket buffers hold a few MiB at most; the server did not get to write it all.
    assert!(written < 64 << 20, "{written} bytes written");
}

#[tokio::test]
async fn a_reset_connection_is_connection_closed() {
    let server = LoopbackPyxis::start();
    let transport = transport(config(&server));
    server.push_fault(Fault::ConnectionReset);
    let err = transport.send(request(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, TransportError::ConnectionClosed(_)),
        "{}",
        chain(&err)
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_truncated_body_is_connection_closed() {
    let server = LoopbackPyxis::start();
    let transport = transport(config(&server));
    server.push_fault(Fault::TruncatedBody);
    let err = transport.send(request(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, TransportError::ConnectionClosed(_)),
        "{}",
        chain(&err)
    );
}

#[tokio::test]
async fn a_closed_port_is_connect() {
    let url = format!("https://127.0.0.1:{}/graphql/", closed_port());
    let err = transport(Config::builder().endpoint(&url))
        .send(request(&url))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{}", chain(&err));
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_bring_your_own_client_gets_the_body_cap() {
    let server = LoopbackPyxis::start();
    let tls = pyxis_gql_rustls::client_config(&config(&server).build().unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .unwrap();
    let transport = TokioTransport::from_client(client, 1024);
    assert_repository(&transport.send(request(&server.url())).await.unwrap());
    server.push_fault(Fault::HugeBody { bytes: 4096 });
    let err = transport.send(request(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 1024 }),
        "{}",
        chain(&err)
    );
}

#[tokio::test]
async fn a_stalled_handshake_hits_the_connect_timeout() {
    // The kernel completes the TCP handshake from the listen backlog; nobody ever answers
    // the TLS ClientHello.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/graphql/", listener.local_addr().unwrap());
    let limit = Duration::from_millis(300);
    let config = Config::builder()
        .endpoint(&url)
        .connect_timeout(limit)
        .request_timeout(Duration::from_secs(5));
    let started = Instant::now();
    let err = transport(config).send(request(&url)).await.unwrap_err();
    assert!(
        matches!(err, TransportError::Timeout(d) if d == limit),
        "{}",
        chain(&err)
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(listener);
}

#[tokio::test]
async fn a_connection_the_server_closed_is_not_reused() {
    let (url, server) = answer_once_then_close_server(2);
    let transport = transport(Config::builder().endpoint(&url).allow_http(true));
    for _ in 0..2 {
        let response = transport.send(request(&url)).await.unwrap();
        assert_eq!(response.body(), b"{}");
        // Time for the connection's task to see the server hang up.
        transport.sleep(Duration::from_millis(100)).await;
    }
    tokio::task::spawn_blocking(move || server.join().unwrap())
        .await
        .unwrap();
}

#[test]
fn debug_shows_no_secrets() {
    let server = LoopbackPyxis::start();
    let transport = transport(config(&server));
    let debug = format!("{transport:?}");
    assert!(debug.starts_with("TokioTransport"), "{debug}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(!debug.contains("CERTIFICATE"), "{debug}");
}
