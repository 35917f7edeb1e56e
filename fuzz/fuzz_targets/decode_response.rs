//! A whole answer (status, `trace_id` and `Retry-After` headers and body; the format is
//! documented at `pyxis_gql_fuzz::RawResponse`) through every decoder of the crate: the HTTP
//! status is checked before the body is read, the trace id is kept in every error that carries
//! one, and no strict prefix of a body that decoded decodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyxis_gql_fuzz::{check_response, parse_response};

fuzz_target!(|input: &[u8]| {
    if let Some(raw) = parse_response(input) {
        check_response(&raw);
    }
});
