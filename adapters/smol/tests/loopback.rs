//! What only this adapter claims: it runs under async-std's executor as well as smol's.
//! Everything every adapter must do is in the workspace's parameterised suite (`tests/adapters`).

use std::time::{Duration, Instant};

use pyxis_gql::{Identity, Transport, TransportOptions};
use pyxis_gql_smol::SmolTransport;
use pyxis_loopback::LoopbackPyxis;
use pyxis_loopback::probe::{assert_repository, request};

/// Sockets and timers come from async-io's global reactor under either executor.
#[test]
fn it_runs_under_async_std() {
    let server = LoopbackPyxis::start();
    let options = TransportOptions::builder()
        .add_root_certificate_pem(server.ca_pem())
        .identity(Identity::from_pem(
            server.client_cert_pem().into(),
            server.client_key_pem().into(),
        ))
        .build()
        .unwrap();
    let transport = SmolTransport::new(&options).unwrap();
    async_std::task::block_on(async {
        for _ in 0..3 {
            assert_repository(&transport.send(request(&server.url())).await.unwrap());
        }
        let started = Instant::now();
        transport.sleep(Duration::from_millis(50)).await;
        assert!(started.elapsed() >= Duration::from_millis(50));
    });
    assert_eq!(server.connection_count(), 1);
}
