//! What only this adapter has, against the loopback Pyxis server over mutual TLS: its old TLS
//! stack's limits, caller-built surf clients, and retiring a pool whose connection was left
//! mid-answer. Everything every adapter must do is in the workspace's parameterised suite
//! (`tests/adapters`).

use std::time::{Duration, Instant};

use async_std::task::block_on;
use pyxis_gql::bytes::Bytes;
use pyxis_gql::{
    Config, ConfigBuilder, Error, Identity, RetryPolicy, TimeoutScope, Transport, TransportError,
    TransportOptions,
};
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
    AsyncStdTransport::new(config.build().expect("config").transport()).expect("transport")
}

/// The `n`-th repository of the server's dataset, as (registry, repository).
fn repository(server: &LoopbackPyxis, n: usize) -> (String, String) {
    let doc = &server.dataset().repositories[n];
    let field = |name: &str| doc[name].as_str().expect("string field").to_owned();
    (field("registry"), field("repository"))
}

fn request(url: &str, (registry, repository): &(String, String)) -> http::Request<Bytes> {
    let body = json!({
        "query": QUERY,
        "variables": { "registry": registry, "repository": repository },
    });
    http::Request::post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(serde_json::to_vec(&body).expect("json").into())
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
fn ip_address_https_urls_are_a_config_error() {
    let server = LoopbackPyxis::start();
    let transport = transport(builder(&server));
    match block_on(transport.send(request(&server.url(), &repository(&server, 0)))) {
        Err(TransportError::Config(source)) => {
            assert!(source.to_string().contains("127.0.0.1"), "{source}")
        }
        other => panic!("expected Config, got {other:?}"),
    }
    assert_eq!(server.request_count(), 0);
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
    match AsyncStdTransport::new(config.transport()) {
        Err(error @ TransportError::Config(_)) => {
            let shown = format!("{error:?} {error}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        other => panic!("expected Config, got {other:?}"),
    }
    let options = TransportOptions::builder()
        .add_root_certificate_pem("no certificate here")
        .build()
        .expect("options");
    assert!(matches!(
        AsyncStdTransport::new(&options),
        Err(TransportError::Config(_))
    ));
}

#[test]
fn an_attempt_timeout_retires_the_connection_and_the_late_answer_is_never_read() {
    let server = LoopbackPyxis::start();
    let timeout = Duration::from_millis(300);
    let config = builder(&server)
        .attempt_timeout(timeout)
        .retry(RetryPolicy::never())
        .build()
        .expect("config");
    let client = pyxis_gql_async_std::client(&config).expect("client");
    let url = endpoint(&server);
    lookup(client.transport(), &server, &url, 0);

    server.push_fault(Fault::Slow(Duration::from_millis(600)));
    let (registry, name) = repository(&server, 0);
    let path = format!("{registry}/{name}").parse().expect("registry path");
    let started = Instant::now();
    let error = block_on(client.get_repository_by_registry_path(&path)).unwrap_err();
    assert!(
        matches!(error, Error::Timeout { after, scope: TimeoutScope::Attempt } if after == timeout),
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
        lookup(client.transport(), &server, &url, n);
    }
    block_on(async_std::task::sleep(Duration::from_millis(400)));
    lookup(client.transport(), &server, &url, 4);
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
    let config = builder(&server).build().expect("config");
    let client = pyxis_gql_async_std::client(&config).expect("client");
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
fn concurrent_requests_get_their_own_answers_while_one_times_out() {
    use std::sync::Arc;

    let server = Arc::new(LoopbackPyxis::start());
    let timeout = Duration::from_millis(300);
    let transport = Arc::new(transport(builder(&server)));
    let url = endpoint(&server);
    server.push_fault(Fault::Slow(Duration::from_millis(500)));
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let (server, transport, url) = (server.clone(), transport.clone(), url.clone());
            async_std::task::spawn(async move {
                let wanted = repository(&server, n);
                // What a client's attempt timeout does: drop the send mid-exchange.
                let answer =
                    async_std::future::timeout(timeout, transport.send(request(&url, &wanted)))
                        .await;
                (wanted, answer)
            })
        })
        .collect();
    let mut timeouts = 0;
    for task in tasks {
        match block_on(task) {
            (wanted, Ok(Ok(response))) => {
                let body: Value = serde_json::from_slice(response.body()).expect("JSON");
                let got = &body["data"]["get_repository_by_registry_path"]["data"]["repository"];
                assert_eq!(got, &json!(wanted.1), "{body}");
            }
            (_, Err(_elapsed)) => timeouts += 1,
            (_, Ok(Err(error))) => panic!("{error:?}"),
        }
    }
    assert_eq!(timeouts, 1);
    block_on(async_std::task::sleep(Duration::from_millis(300)));
    for n in 0..8 {
        lookup(&transport, &server, &url, n);
    }
}
