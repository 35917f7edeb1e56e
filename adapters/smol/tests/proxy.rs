//! Through an HTTP proxy's CONNECT tunnel: TLS to the loopback server end to end (it requires a
//! client certificate), tunnels kept alive, credentials, refusals, unreachable proxies, NO_PROXY
//! and the environment (read in child processes, so no test changes this process's environment).

use pyxis_gql::{Identity, NoProxy, Proxy, Transport, TransportError, TransportOptions};
use pyxis_gql_smol::{SmolTransport, block_on};
use pyxis_loopback::probe::{
    ServerInChild, assert_repository, chain, closed_port, request, run_ignored_test_with_env,
    server_env,
};
use pyxis_loopback::{LoopbackProxy, LoopbackPyxis};

fn options(ca: String, cert: String, key: String) -> pyxis_gql::TransportOptionsBuilder {
    TransportOptions::builder()
        .add_root_certificate_pem(ca)
        .identity(Identity::from_pem(cert.into(), key.into()))
}

fn options_for(server: &LoopbackPyxis) -> pyxis_gql::TransportOptionsBuilder {
    options(
        server.ca_pem(),
        server.client_cert_pem(),
        server.client_key_pem(),
    )
}

fn via(server: &LoopbackPyxis, proxy_url: &str) -> SmolTransport {
    let proxy = Proxy::parse(proxy_url).unwrap();
    SmolTransport::new(&options_for(server).proxy(proxy).build().unwrap()).unwrap()
}

fn send(
    transport: &SmolTransport,
    url: &str,
) -> Result<http::Response<bytes::Bytes>, TransportError> {
    block_on(transport.send(request(url)))
}

#[test]
fn requests_go_through_one_kept_alive_tunnel_with_the_client_certificate() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    let transport = via(&server, &proxy.url());
    for _ in 0..3 {
        // The server refuses a handshake without the client certificate: a 200 proves it
        // travelled through the tunnel.
        assert_repository(&send(&transport, &server.url()).unwrap());
    }
    assert_eq!(proxy.tunnel_count(), 1);
    assert_eq!(server.connection_count(), 1);
    let connects = proxy.connects();
    assert_eq!(connects[0].target, server.addr().to_string());
    assert_eq!(connects[0].authorization, None);
}

#[test]
fn credentials_are_sent_required_and_never_shown() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::builder()
        .credentials("alice", "pw-secret")
        .start();
    let authorized = via(&server, &format!("http://alice:pw-secret@{}", proxy.addr()));
    assert_repository(&send(&authorized, &server.url()).unwrap());
    assert_eq!(proxy.tunnel_count(), 1);
    assert_eq!(
        proxy.connects()[0].authorization.as_deref(),
        Some("Basic YWxpY2U6cHctc2VjcmV0")
    );
    assert!(!format!("{authorized:?}").contains("pw-secret"));

    for url in [
        proxy.url(),
        format!("http://alice:wrong-secret@{}", proxy.addr()),
    ] {
        let err = send(&via(&server, &url), &server.url()).unwrap_err();
        assert!(
            matches!(err, TransportError::ProxyRefused { status: Some(s) } if s == 407),
            "{err:?}"
        );
        assert!(!err.is_transient());
        assert!(!chain(&err).contains("secret"), "{}", chain(&err));
    }
    assert_eq!(proxy.tunnel_count(), 1);
}

#[test]
fn a_refusing_proxy_names_its_status() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::builder().refuse_with(403).start();
    let err = send(&via(&server, &proxy.url()), &server.url()).unwrap_err();
    assert!(
        matches!(err, TransportError::ProxyRefused { status: Some(s) } if s == 403),
        "{err:?}"
    );
    assert!(err.to_string().contains("403"), "{err}");
    assert_eq!(server.connection_count(), 0);
}

#[test]
fn an_unreachable_proxy_is_a_connect_error_naming_it() {
    let server = LoopbackPyxis::start();
    let address = format!("127.0.0.1:{}", closed_port());
    let transport = via(&server, &format!("http://bob:pw-secret@{address}"));
    let err = send(&transport, &server.url()).unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    assert!(err.is_transient());
    let text = chain(&err);
    assert!(
        text.contains(&address) && !text.contains("pw-secret"),
        "{text}"
    );
    assert_eq!(server.connection_count(), 0);
}

#[test]
fn no_proxy_hosts_bypass_the_tunnel() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    let bypassing = Proxy::parse(&proxy.url())
        .unwrap()
        .with_no_proxy(NoProxy::parse("example.com, 127.0.0.0/8"));
    let options = options_for(&server).proxy(bypassing).build().unwrap();
    let transport = SmolTransport::new(&options).unwrap();
    assert_repository(&send(&transport, &server.url()).unwrap());
    assert_eq!(proxy.tunnel_count(), 0);
    assert_eq!(server.connection_count(), 1);
}

/// Run by the tests below in a child process, with the proxy variables they choose.
#[test]
#[ignore = "run in a child process by the environment tests"]
fn child_sends_one_request() {
    let server = ServerInChild::from_env().expect("run by a parent test");
    let mut builder = options(server.ca_pem, server.client_cert_pem, server.client_key_pem);
    if std::env::var_os("PYXIS_TEST_WITHOUT_PROXY").is_some() {
        builder = builder.without_proxy();
    }
    let transport = SmolTransport::new(&builder.build().unwrap()).unwrap();
    assert_repository(&send(&transport, &server.url).unwrap());
}

fn child_with(server: &LoopbackPyxis, vars: &[(&str, String)]) {
    let mut env = server_env(server);
    env.extend(vars.iter().cloned());
    let (passed, output) = run_ignored_test_with_env("child_sends_one_request", &env);
    assert!(passed, "{output}");
}

#[test]
fn the_environment_proxy_is_used_and_no_proxy_bypasses_it() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    child_with(&server, &[("HTTPS_PROXY", proxy.url())]);
    child_with(&server, &[("https_proxy", proxy.url())]);
    assert_eq!(proxy.tunnel_count(), 2);
    child_with(
        &server,
        &[
            ("HTTPS_PROXY", proxy.url()),
            ("NO_PROXY", "127.0.0.1".into()),
        ],
    );
    child_with(
        &server,
        &[("https_proxy", proxy.url()), ("no_proxy", "*".into())],
    );
    assert_eq!(proxy.tunnel_count(), 2);
}

#[test]
fn without_proxy_ignores_the_environment() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    child_with(
        &server,
        &[
            ("HTTPS_PROXY", proxy.url()),
            ("PYXIS_TEST_WITHOUT_PROXY", "1".into()),
        ],
    );
    assert_eq!(proxy.tunnel_count(), 0);
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn a_silent_proxy_hits_the_connect_timeout() {
    let server = LoopbackPyxis::start();
    // Bound but never accepting: the kernel completes the TCP handshake, nobody answers CONNECT.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = Proxy::parse(&format!("http://{}", silent.local_addr().unwrap())).unwrap();
    let limit = std::time::Duration::from_millis(300);
    let options = options_for(&server)
        .proxy(proxy)
        .connect_timeout(limit)
        .build()
        .unwrap();
    let transport = SmolTransport::new(&options).unwrap();
    let started = std::time::Instant::now();
    let err = send(&transport, &server.url()).unwrap_err();
    assert!(
        matches!(err, TransportError::Timeout(after) if after == limit),
        "{err:?}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(server.connection_count(), 0);
}
