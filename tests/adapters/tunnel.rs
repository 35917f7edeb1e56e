//! Each transport through an HTTP proxy's CONNECT tunnel: TLS to the loopback server end to end
//! (it requires a client certificate), tunnels kept alive, credentials, refusals, unreachable
//! and silent proxies, NO_PROXY and the environment (read in child processes, so no test changes
//! this process's environment).

use std::net::{IpAddr, TcpListener};
use std::time::{Duration, Instant};

use pyxis_gql::{NoProxy, Proxy, Transport, TransportError};
use pyxis_loopback::probe::{
    ServerInChild, assert_repository, chain, closed_port, request, run_ignored_test_with_env,
    server_env,
};
use pyxis_loopback::{LoopbackProxy, LoopbackPyxis};

use crate::runtimes::Runtime;
use crate::transport::{identified, identified_to, send, transport};

fn via<R: Runtime>(server: &LoopbackPyxis, proxy_url: &str) -> R::Transport {
    let proxy = Proxy::parse(proxy_url).expect("a proxy URL");
    transport::<R>(identified_to(server).proxy(proxy))
}

/// The server's URL as this runtime reaches it.
fn url_of<R: Runtime>(server: &LoopbackPyxis) -> String {
    R::endpoint(server.url())
}

/// The host this runtime reaches the server by, as NO_PROXY would name it.
fn host_of<R: Runtime>(server: &LoopbackPyxis) -> String {
    let url = url::Url::parse(&url_of::<R>(server)).expect("the server's URL");
    url.host_str().expect("a host").to_owned()
}

pub(crate) fn requests_go_through_one_kept_alive_tunnel_with_the_client_certificate<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    let transport = via::<R>(&server, &proxy.url());
    let url = url_of::<R>(&server);
    // One `block_on` for the three requests: reqwest's pooled connections belong to the tokio
    // runtime that opened them, and each `block_on` of `Tokio` is a new runtime.
    R::block_on(async {
        for _ in 0..3 {
            // The server refuses a handshake without the client certificate: a 200 proves it
            // travelled through the tunnel.
            assert_repository(&transport.send(request(&url)).await.unwrap());
        }
    });
    // A pooled connection is back in the pool once its connection task has seen the end of the
    // answer, which on a loaded machine can come after the next request asked for one (the
    // suite's `connections_are_reused` allows the same): three requests, at most two tunnels.
    let tunnels = proxy.tunnel_count();
    assert!(
        (1..=2).contains(&tunnels),
        "3 requests over {tunnels} tunnels"
    );
    assert_eq!(
        server.connection_count(),
        tunnels,
        "every connection came through a tunnel"
    );
    let connects = proxy.connects();
    // CONNECT names the server as the URL does: by name where the runtime needs one.
    assert_eq!(connects[0].target, R::endpoint(server.addr().to_string()));
    assert_eq!(connects[0].authorization, None);
}

pub(crate) fn credentials_are_sent_required_and_never_shown<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::builder()
        .credentials("alice", "pw-secret")
        .start();
    let url = url_of::<R>(&server);
    let authorized = via::<R>(&server, &format!("http://alice:pw-secret@{}", proxy.addr()));
    assert_repository(&send::<R>(&authorized, &url).unwrap());
    assert_eq!(proxy.tunnel_count(), 1);
    assert_eq!(
        proxy.connects()[0].authorization.as_deref(),
        Some("Basic YWxpY2U6cHctc2VjcmV0")
    );
    assert!(!format!("{authorized:?}").contains("pw-secret"));

    for proxy_url in [
        proxy.url(),
        format!("http://alice:wrong-secret@{}", proxy.addr()),
    ] {
        let err = send::<R>(&via::<R>(&server, &proxy_url), &url).unwrap_err();
        assert!(
            matches!(err, TransportError::ProxyRefused { status: Some(s) } if s == 407),
            "{err:?}"
        );
        assert!(!err.is_transient());
        assert!(!chain(&err).contains("secret"), "{}", chain(&err));
    }
    assert_eq!(proxy.tunnel_count(), 1);
}

pub(crate) fn a_refusing_proxy_is_a_proxy_refusal<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::builder().refuse_with(403).start();
    let err = send::<R>(&via::<R>(&server, &proxy.url()), &url_of::<R>(&server)).unwrap_err();
    let TransportError::ProxyRefused { status } = &err else {
        panic!("{err:?}");
    };
    if R::REPORTS_PROXY_STATUS {
        assert!(matches!(status, Some(s) if *s == 403), "{status:?}");
        assert!(err.to_string().contains("403"), "{err}");
    } else {
        // A status the HTTP stack did not hand over is not made up.
        assert_eq!(*status, None);
    }
    assert!(!err.is_transient());
    assert_eq!(proxy.connects()[0].status, 403);
    assert_eq!(server.connection_count(), 0);
}

pub(crate) fn an_unreachable_proxy_is_a_connect_error_naming_it<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let address = format!("127.0.0.1:{}", closed_port());
    let transport = via::<R>(&server, &format!("http://bob:pw-secret@{address}"));
    let err = send::<R>(&transport, &url_of::<R>(&server)).unwrap_err();
    assert!(matches!(err, TransportError::Connect(_)), "{err:?}");
    assert!(err.is_transient());
    let text = chain(&err);
    assert!(
        text.contains(&address) && !text.contains("pw-secret"),
        "{text}"
    );
    assert_eq!(server.connection_count(), 0);
}

pub(crate) fn no_proxy_hosts_bypass_the_tunnel<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    let host = host_of::<R>(&server);
    // A server reached by address is bypassed by its range, one reached by name by that name.
    let entry = if host.parse::<IpAddr>().is_ok() {
        "127.0.0.0/8".to_owned()
    } else {
        host
    };
    let bypassing = Proxy::parse(&proxy.url())
        .unwrap()
        .with_no_proxy(NoProxy::parse(&format!("example.com, {entry}")));
    let transport = transport::<R>(identified_to(&server).proxy(bypassing));
    assert_repository(&send::<R>(&transport, &url_of::<R>(&server)).unwrap());
    assert_eq!(proxy.tunnel_count(), 0);
    assert_eq!(server.connection_count(), 1);
}

/// Run by the tests below in a child process, with the proxy variables they choose.
pub(crate) fn child_sends_one_request<R: Runtime>() {
    let server = ServerInChild::from_env().expect("run by a parent test");
    let mut builder = identified(server.ca_pem, server.client_cert_pem, server.client_key_pem);
    if std::env::var_os("PYXIS_TEST_WITHOUT_PROXY").is_some() {
        builder = builder.without_proxy();
    }
    let transport = transport::<R>(builder);
    assert_repository(&send::<R>(&transport, &R::endpoint(server.url)).unwrap());
}

fn child_with<R: Runtime>(server: &LoopbackPyxis, vars: &[(&str, String)]) {
    let mut env = server_env(server);
    env.extend(vars.iter().cloned());
    let name = format!("{}::child_sends_one_request", R::MODULE);
    let (passed, output) = run_ignored_test_with_env(&name, &env);
    assert!(passed, "{output}");
}

pub(crate) fn the_environment_proxy_is_used_and_no_proxy_bypasses_it<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    child_with::<R>(&server, &[("HTTPS_PROXY", proxy.url())]);
    child_with::<R>(&server, &[("https_proxy", proxy.url())]);
    assert_eq!(proxy.tunnel_count(), 2);
    child_with::<R>(
        &server,
        &[
            ("HTTPS_PROXY", proxy.url()),
            ("NO_PROXY", host_of::<R>(&server)),
        ],
    );
    child_with::<R>(
        &server,
        &[("https_proxy", proxy.url()), ("no_proxy", "*".into())],
    );
    assert_eq!(proxy.tunnel_count(), 2);
}

pub(crate) fn without_proxy_ignores_the_environment<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::start();
    child_with::<R>(
        &server,
        &[
            ("HTTPS_PROXY", proxy.url()),
            ("PYXIS_TEST_WITHOUT_PROXY", "1".into()),
        ],
    );
    assert_eq!(proxy.tunnel_count(), 0);
    assert_eq!(server.connection_count(), 1);
}

pub(crate) fn a_silent_proxy_hits_the_connect_timeout<R: Runtime>() {
    let server = LoopbackPyxis::start();
    // Bound but never accepting: the kernel completes the TCP handshake, nobody answers CONNECT.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = Proxy::parse(&format!("http://{}", silent.local_addr().unwrap())).unwrap();
    let limit = Duration::from_millis(300);
    let transport = transport::<R>(identified_to(&server).proxy(proxy).connect_timeout(limit));
    let started = Instant::now();
    let err = send::<R>(&transport, &url_of::<R>(&server)).unwrap_err();
    assert!(
        matches!(err, TransportError::Timeout(after) if after == limit),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.connection_count(), 0);
}
