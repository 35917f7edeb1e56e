//! Proxies seen from the client: its retry policy retries an unreachable proxy like any failed
//! connect, never a proxy that wants other credentials, and requests through a tunnel still get
//! their answers.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use http::{Request, Response};
use pyxis_gql::bytes::Bytes;
use pyxis_gql::{
    Client, Config, Error, Identity, Proxy, RegistryPath, RetryPolicy, Transport, TransportError,
};
use pyxis_loopback::probe::closed_port;
use pyxis_loopback::{LoopbackProxy, LoopbackPyxis};

use crate::runtimes::Runtime;

/// A transport that counts the requests handed to it: one per attempt.
struct Counting<T> {
    inner: T,
    sends: AtomicUsize,
}

#[async_trait]
impl<T: Transport> Transport for Counting<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        self.sends.fetch_add(1, Ordering::SeqCst);
        self.inner.send(request).await
    }

    async fn sleep(&self, duration: Duration) {
        self.inner.sleep(duration).await;
    }
}

/// Looks one repository up through `proxy_url` with three attempts allowed; answers the result
/// and how many attempts were made.
fn look_up_via<R: Runtime>(server: &LoopbackPyxis, proxy_url: &str) -> (Result<(), Error>, usize) {
    let config = Config::builder()
        .endpoint(R::endpoint(server.url()))
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .proxy(Proxy::parse(proxy_url).expect("a proxy URL"))
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .expect("a valid config");
    let transport = Arc::new(Counting {
        inner: R::transport(config.transport()).expect("a transport"),
        sends: AtomicUsize::new(0),
    });
    let client = Client::from_config(Arc::clone(&transport), &config);
    let path: RegistryPath = "registry.access.redhat.com/rhel8/app-0".parse().unwrap();
    let found = R::block_on(client.get_repository_by_registry_path(&path));
    let result = found.map(|repository| assert!(repository.is_some(), "the probe repository"));
    (result, transport.sends.load(Ordering::SeqCst))
}

pub(crate) fn an_unreachable_proxy_is_retried_as_a_connect_failure<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let (result, attempts) =
        look_up_via::<R>(&server, &format!("http://127.0.0.1:{}", closed_port()));
    assert!(
        matches!(result, Err(Error::Transport(TransportError::Connect(_)))),
        "{result:?}"
    );
    assert_eq!(attempts, 3, "every attempt the policy allows");
    assert_eq!(server.request_count(), 0);
}

pub(crate) fn a_proxy_wanting_credentials_is_not_retried<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::builder().credentials("alice", "pw").start();
    let (result, attempts) = look_up_via::<R>(&server, &proxy.url());
    assert!(
        matches!(result, Err(Error::Transport(TransportError::ProxyRefused { status: Some(s) })) if s == 407),
        "{result:?}"
    );
    assert_eq!((attempts, proxy.connects().len()), (1, 1));
}

pub(crate) fn a_client_gets_its_answers_through_the_tunnel<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let proxy = LoopbackProxy::builder().credentials("alice", "pw").start();
    let url = format!("http://alice:pw@{}", proxy.addr());
    let (result, attempts) = look_up_via::<R>(&server, &url);
    result.expect("an answer through the tunnel");
    assert_eq!((attempts, proxy.tunnel_count()), (1, 1));
    assert_eq!(server.request_count(), 1);
}
