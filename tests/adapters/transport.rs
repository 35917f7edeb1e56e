//! The transport-level tests every adapter must pass: the [`Transport`] alone, without a
//! [`Client`](pyxis_gql::Client) on top, so that each failure is seen as the transport reports it.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use pyxis_gql::{
    Config, Identity, Transport, TransportError, TransportOptions, TransportOptionsBuilder,
};
use pyxis_loopback::probe::{
    QUERY, answer_once_then_close_server, assert_repository, chain, closed_port,
    endless_chunked_server, request,
};
use pyxis_loopback::{Fault, LoopbackPyxis};

use crate::runtimes::Runtime;

/// Options trusting the CA `ca` and presenting the client identity `cert` and `key`.
pub(crate) fn identified(ca: String, cert: String, key: String) -> TransportOptionsBuilder {
    TransportOptions::builder()
        .add_root_certificate_pem(ca)
        .identity(Identity::from_pem(cert.into(), key.into()))
}

/// Options trusting the server's CA and presenting its client identity.
pub(crate) fn identified_to(server: &LoopbackPyxis) -> TransportOptionsBuilder {
    identified(
        server.ca_pem(),
        server.client_cert_pem(),
        server.client_key_pem(),
    )
}

/// As [`identified_to`], with a connect timeout well inside the test's patience.
fn options(server: &LoopbackPyxis) -> TransportOptionsBuilder {
    identified_to(server).connect_timeout(Duration::from_secs(2))
}

pub(crate) fn transport<R: Runtime>(options: TransportOptionsBuilder) -> R::Transport {
    R::transport(&options.build().expect("valid options")).expect("a transport")
}

pub(crate) fn send<R: Runtime>(
    transport: &R::Transport,
    url: &str,
) -> Result<http::Response<pyxis_gql::bytes::Bytes>, TransportError> {
    R::block_on(transport.send(request(url)))
}

pub(crate) fn a_valid_client_certificate_gets_an_answer<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let url = R::endpoint(server.url());
    let response = send::<R>(&transport::<R>(options(&server)), &url).unwrap();
    assert_repository(&response);
    assert_eq!(response.headers()["content-type"], "application/json");
    let seen = server.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, http::Method::POST);
    assert_eq!(seen[0].json.as_ref().unwrap()["query"], QUERY);
}

pub(crate) fn the_convenience_client_talks_to_the_server<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let config = Config::builder()
        .endpoint(R::endpoint(server.url()))
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .build()
        .unwrap();
    let client = R::client(&config).unwrap();
    let path = "registry.access.redhat.com/rhel8/app-0".parse().unwrap();
    let repository = R::block_on(client.get_repository_by_registry_path(&path)).unwrap();
    assert_eq!(
        repository.unwrap().repository.as_deref(),
        Some("rhel8/app-0")
    );
}

pub(crate) fn plain_http_works_and_a_reset_is_connection_closed<R: Runtime>() {
    let server = LoopbackPyxis::builder().plain_http(true).start();
    let transport = transport::<R>(TransportOptions::builder());
    assert_repository(&send::<R>(&transport, &server.url()).unwrap());
    server.push_fault(Fault::ConnectionReset);
    let err = send::<R>(&transport, &server.url()).unwrap_err();
    assert!(
        matches!(err, TransportError::ConnectionClosed(_)),
        "{}",
        chain(&err)
    );
    assert_repository(&send::<R>(&transport, &server.url()).unwrap());
}

pub(crate) fn a_declared_huge_body_is_refused_without_reading_it<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let transport = transport::<R>(options(&server).max_body_bytes(64 * 1024));
    server.push_fault(Fault::HugeBody { bytes: 1 << 30 });
    let started = Instant::now();
    let err = send::<R>(&transport, &R::endpoint(server.url())).unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 65536 }),
        "{}",
        chain(&err)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The transport is still usable afterwards.
    assert_repository(&send::<R>(&transport, &R::endpoint(server.url())).unwrap());
}

pub(crate) fn a_streamed_body_stops_at_the_cap<R: Runtime>() {
    let (url, server) = endless_chunked_server(256 << 20);
    let transport = transport::<R>(TransportOptions::builder().max_body_bytes(100_000));
    let err = send::<R>(&transport, &url).unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit: 100_000 }),
        "{}",
        chain(&err)
    );
    drop(transport);
    let written = server.join().unwrap();
    // Socket buffers hold a few MiB at most; the server did not get to write it all.
    assert!(written < 64 << 20, "{written} bytes written");
}

pub(crate) fn a_reset_or_truncated_answer_is_connection_closed<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let transport = transport::<R>(options(&server));
    let url = R::endpoint(server.url());
    for fault in [Fault::ConnectionReset, Fault::TruncatedBody] {
        server.push_fault(fault.clone());
        let err = send::<R>(&transport, &url).unwrap_err();
        assert!(
            matches!(err, TransportError::ConnectionClosed(_)),
            "{fault:?}: {}",
            chain(&err)
        );
        assert!(err.is_transient(), "{fault:?}");
    }
    assert_repository(&send::<R>(&transport, &url).unwrap());
}

pub(crate) fn a_closed_port_is_connect<R: Runtime>() {
    let url = R::endpoint(format!("https://127.0.0.1:{}/graphql/", closed_port()));
    let err = send::<R>(&transport::<R>(TransportOptions::builder()), &url).unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{}", chain(&err));
    assert!(err.is_transient());
}

pub(crate) fn a_stalled_handshake_hits_the_connect_timeout<R: Runtime>() {
    // The kernel completes the TCP handshake from the listen backlog; nobody ever answers the
    // TLS ClientHello.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = R::endpoint(format!(
        "https://127.0.0.1:{}/graphql/",
        listener.local_addr().unwrap().port()
    ));
    let limit = Duration::from_millis(300);
    let transport = transport::<R>(TransportOptions::builder().connect_timeout(limit));
    let started = Instant::now();
    let err = send::<R>(&transport, &url).unwrap_err();
    assert!(
        matches!(err, TransportError::Timeout(d) if d == limit),
        "{}",
        chain(&err)
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(listener);
}

pub(crate) fn a_connection_the_server_closed_is_not_reused<R: Runtime>() {
    let (url, server) = answer_once_then_close_server(2);
    let transport = transport::<R>(TransportOptions::builder());
    R::block_on(async {
        for _ in 0..2 {
            let response = transport.send(request(&url)).await.unwrap();
            assert_eq!(&response.body()[..], b"{}");
            // Time for the connection's task to see the server hang up.
            transport.sleep(Duration::from_millis(100)).await;
        }
    });
    server.join().unwrap();
}

pub(crate) fn sleep_waits_and_debug_shows_no_secrets<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let transport = transport::<R>(options(&server));
    let started = Instant::now();
    R::block_on(transport.sleep(Duration::from_millis(50)));
    assert!(started.elapsed() >= Duration::from_millis(50));
    let debug = format!("{transport:?}");
    assert!(debug.starts_with(R::NAME), "{debug}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
    assert!(!debug.contains("CERTIFICATE"), "{debug}");
}
