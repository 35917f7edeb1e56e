//! What only this adapter has: a caller-built reqwest client. Everything every adapter must do
//! is in the workspace's parameterised suite (`tests/adapters`).

use pyxis_gql::{Identity, Transport, TransportError, TransportOptions};
use pyxis_gql_tokio::TokioTransport;
use pyxis_loopback::probe::{assert_repository, chain, request};
use pyxis_loopback::{Fault, LoopbackPyxis};

#[tokio::test]
async fn a_bring_your_own_client_gets_the_body_cap() {
    let server = LoopbackPyxis::start();
    let options = TransportOptions::builder()
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .build()
        .unwrap();
    let tls = pyxis_gql_rustls::client_config(&options).unwrap();
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
