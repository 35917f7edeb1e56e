//! What the `pyxis-gql` adapters that bring their own HTTP stack on futures-io (smol,
//! async-std) share below HTTP: the proxy `CONNECT` tunnel ([`open`], [`proxy_from_env`]) and
//! reading a body under the cap, inflating gzip on the way ([`BodyReader`]).
#![forbid(unsafe_code)]

mod inflate;
mod tunnel;

pub use inflate::BodyReader;
pub use tunnel::{connect_request, open, proxy_connect_error, proxy_from_env};
