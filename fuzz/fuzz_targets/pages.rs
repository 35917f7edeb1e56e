//! Arbitrary sequences of page requests, answers and item pops against the pagination state
//! machine; the invariants are listed in `fuzz/src/pages.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyxis_gql_fuzz::pages::{Script, run};

fuzz_target!(|script: Script| run(script));
