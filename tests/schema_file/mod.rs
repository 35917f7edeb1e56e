//! The Pyxis schema named by `PYXIS_SCHEMA`, for the tests that check against it.
#![allow(dead_code, unreachable_pub)]

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;

/// The environment variable naming the schema file.
pub const SCHEMA_VAR: &str = "PYXIS_SCHEMA";

/// The schema named by `PYXIS_SCHEMA`, validated; `None` (after saying so) when it is unset.
/// A set but unreadable or invalid path fails the test.
pub fn schema(test: &str) -> Option<Valid<Schema>> {
    let Some(path) = std::env::var_os(SCHEMA_VAR) else {
        println!("{test}: skipped because {SCHEMA_VAR} is not set");
        return None;
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{SCHEMA_VAR}={}: cannot read the schema: {error}",
            path.display()
        )
    });
    match Schema::parse_and_validate(text, &path) {
        Ok(schema) => Some(schema),
        Err(invalid) => panic!(
            "{SCHEMA_VAR}={}: the schema does not validate:\n{}",
            path.display(),
            invalid.errors
        ),
    }
}
