//! Each transport's compressed answers: asked for and inflated by default, not asked for when
//! turned off or when the caller asked for something else, and capped and checked while
//! inflating.

use pyxis_gql::bytes::Bytes;
use pyxis_gql::{Transport, TransportError};
use pyxis_loopback::probe::{assert_list, chain, list_request};
use pyxis_loopback::{Fault, LoopbackPyxis};

use crate::runtimes::Runtime;
use crate::transport::{identified_to, transport};

fn send<R: Runtime>(
    transport: &R::Transport,
    server: &LoopbackPyxis,
) -> Result<http::Response<Bytes>, TransportError> {
    R::block_on(transport.send(list_request(&R::endpoint(server.url()))))
}

fn accept_encoding(server: &LoopbackPyxis) -> Option<String> {
    let seen = server.requests();
    let last = seen.last().expect("a request reached the server");
    last.headers
        .get("accept-encoding")
        .map(|value| value.to_str().unwrap().to_owned())
}

pub(crate) fn a_gzipped_answer_is_inflated<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let response = send::<R>(&transport::<R>(identified_to(&server)), &server).unwrap();
    let inflated = assert_list(&response);
    assert_eq!(accept_encoding(&server).as_deref(), Some("gzip"));
    assert_eq!(server.gzipped_count(), 1);
    // The caller sees the body as it is, not as it was sent.
    assert!(!response.headers().contains_key("content-encoding"));
    assert!(!response.headers().contains_key("content-length"));
    let on_the_wire = server.body_bytes_sent();
    assert!(
        on_the_wire * 4 < inflated as u64,
        "{on_the_wire} bytes sent for {inflated}"
    );
}

pub(crate) fn a_callers_own_accept_encoding_is_kept<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let mut request = list_request(&R::endpoint(server.url()));
    request.headers_mut().insert(
        "accept-encoding",
        http::HeaderValue::from_static("identity"),
    );
    let response = R::block_on(transport::<R>(identified_to(&server)).send(request)).unwrap();
    assert_list(&response);
    assert_eq!(accept_encoding(&server).as_deref(), Some("identity"));
    assert_eq!(server.gzipped_count(), 0);
}

pub(crate) fn without_compression_nothing_is_asked_and_the_answer_comes_as_is<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let response = send::<R>(
        &transport::<R>(identified_to(&server).compression(false)),
        &server,
    )
    .unwrap();
    let length = assert_list(&response);
    assert_eq!(accept_encoding(&server), None);
    assert_eq!(server.gzipped_count(), 0);
    assert_eq!(server.body_bytes_sent(), length as u64);
}

pub(crate) fn a_gzip_bomb_stops_at_the_cap_on_the_inflated_bytes<R: Runtime>() {
    let server = LoopbackPyxis::start();
    // About a megabyte of gzip, under the cap; a gibibyte inflated, far over it.
    let transport = transport::<R>(identified_to(&server).max_body_bytes(4 << 20));
    server.push_fault(Fault::GzipBomb {
        inflated_bytes: 1 << 30,
    });
    let err = send::<R>(&transport, &server).unwrap_err();
    assert!(
        matches!(err, TransportError::BodyTooLarge { limit } if limit == 4 << 20),
        "{}",
        chain(&err)
    );
    assert_eq!(server.gzipped_count(), 1);
    assert_list(&send::<R>(&transport, &server).unwrap());
}

pub(crate) fn a_corrupt_gzip_body_is_a_decode_error<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let transport = transport::<R>(identified_to(&server));
    server.push_fault(Fault::CorruptGzip);
    let err = send::<R>(&transport, &server).unwrap_err();
    assert!(matches!(err, TransportError::Decode(_)), "{}", chain(&err));
    assert!(!err.is_transient());
    assert_list(&send::<R>(&transport, &server).unwrap());
}
