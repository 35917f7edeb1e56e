//! Raw bytes as the body of a `200 OK` answer, through every decoder of the crate: each returns
//! a value or a typed error, never panics, and no strict prefix of a body that decoded decodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyxis_gql_fuzz::decode_all;

fuzz_target!(|body: &[u8]| {
    decode_all(&http::Response::new(body.to_vec()));
});
