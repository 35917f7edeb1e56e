//! The errors a Pyxis response carries inside its body.

use serde::{Deserialize, Deserializer, Serialize};

use super::TraceId;

/// The Pyxis detail text of its transient database timeout, answered inside an HTTP 200.
const MONGODB_TIMEOUT: &str = "unable to fetch data from mongodb in time";

/// The `error {status detail}` object Pyxis puts next to (or instead of) `data`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Pyxis error{}{}: {detail}", status.map(|s| format!(" {s}")).unwrap_or_default(), TraceId(trace_id))]
#[non_exhaustive]
pub struct PyxisError {
    /// The HTTP-like status Pyxis chose (404 for "not found", 500 for its own failures).
    pub status: Option<i64>,
    /// What went wrong, in Pyxis's words.
    pub detail: String,
    /// The `trace_id` response header.
    pub trace_id: Option<String>,
}

impl PyxisError {
    /// An error with this status and detail and no trace id.
    pub fn new(status: Option<i64>, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            trace_id: None,
        }
    }

    /// Whether this is the transient "unable to fetch data from MongoDB in time" failure.
    pub fn is_transient(&self) -> bool {
        self.detail.to_ascii_lowercase().contains(MONGODB_TIMEOUT)
    }

    /// Whether Pyxis says the requested object does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status == Some(404)
    }
}

/// One entry of a GraphQL `errors` list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GraphQlError {
    /// The message.
    #[serde(default)]
    pub message: String,
    /// Where in the query document the error points.
    #[serde(default, deserialize_with = "null_as_default")]
    pub locations: Vec<Location>,
    /// The response path of the failed field (`["find_images", "data", 0]`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub path: Vec<serde_json::Value>,
    /// Server-specific details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<serde_json::Value>,
}

/// A line and column in a query document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// 1-based line.
    #[serde(default)]
    pub line: u64,
    /// 1-based column.
    #[serde(default)]
    pub column: u64,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyxis_errors_say_whether_they_are_not_found_or_transient() {
        let missing = PyxisError::new(Some(404), "Not found");
        assert!(missing.is_not_found() && !missing.is_transient());
        let database = PyxisError::new(
            Some(500),
            "Pyxis API was unable to fetch data from MongoDB in time",
        );
        assert!(database.is_transient() && !database.is_not_found());
        assert!(!PyxisError::new(None, "Not found").is_not_found());
    }
}
