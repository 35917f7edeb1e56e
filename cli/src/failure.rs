//! Everything that can stop a run, and the one line on stderr that names it.

use std::error::Error as StdError;
use std::fmt::Write as _;
use std::io;

use pyxis_gql::{Error, TransportError};

use crate::input::InputError;

/// Why a run stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line is wrong (exit status 2).
    Usage(String),
    /// The environment or a file named on the command line is unusable.
    Setup(String),
    /// An input list or file could not be read.
    Input(InputError),
    /// The transport could not be built.
    Transport(TransportError),
    /// A Pyxis call failed.
    Pyxis(Error),
    /// Standard output failed.
    Output(io::Error),
}

impl From<InputError> for Failure {
    fn from(error: InputError) -> Self {
        Self::Input(error)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Pyxis(error)
    }
}

impl From<TransportError> for Failure {
    fn from(error: TransportError) -> Self {
        Self::Transport(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Output(error)
    }
}

impl Failure {
    /// Whether standard output was closed by its reader (`pyxis ... | head`): not worth a word.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Output(error) if error.kind() == io::ErrorKind::BrokenPipe)
    }

    /// One line naming the kind of failure, with every secret in `secrets` blotted out.
    pub(crate) fn line(&self, secrets: &[String]) -> String {
        let text = match self {
            Self::Usage(message) => format!("usage error: {message}"),
            Self::Setup(message) => format!("configuration error: {message}"),
            Self::Input(InputError { what, error }) => format!("cannot read {what}: {error}"),
            Self::Transport(error) => transport(error),
            Self::Pyxis(error) => describe(error),
            Self::Output(error) => format!("cannot write the output: {error}"),
        };
        let mut line = one_line(&text);
        for secret in secrets.iter().filter(|secret| secret.len() >= 3) {
            line = line.replace(secret.as_str(), "[redacted]");
        }
        line
    }
}

/// A client error as "kind: details".
fn describe(error: &Error) -> String {
    match error {
        Error::Http {
            status,
            body_excerpt,
            ..
        } => format!(
            "HTTP status {status}{}: {}",
            trace(error.trace_id()),
            body_excerpt.trim()
        ),
        // "GraphQL error (trace_id ..): message at path" and "Pyxis error STATUS (trace_id ..):
        // detail" name their kind already.
        Error::GraphQl { .. } | Error::Pyxis(_) => error.to_string(),
        Error::Transport(inner) => transport(inner),
        Error::Timeout { .. } => format!("timeout: {error}"),
        // In plain words first: JSON that does not parse, or JSON of the wrong shape, and where.
        Error::Decode { path, source, .. } => {
            let what = match source.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    "invalid JSON"
                }
                _ => "unexpected JSON",
            };
            format!("{what} at {path}{}: {source}", trace(error.trace_id()))
        }
        Error::BodyTooLarge { .. } => format!("response too large: {error}"),
        Error::Pagination(_) => format!("pagination error: {error}"),
        Error::Incomplete {
            received,
            failed_page,
            source,
            ..
        } => format!(
            "{} (crawl incomplete: {} page(s) arrived before page {failed_page} failed)",
            describe(source),
            received.len()
        ),
        other => format!("error: {}", chain(other)),
    }
}

fn transport(error: &TransportError) -> String {
    let kind = match error {
        TransportError::Tls(_) => "TLS error",
        TransportError::Timeout(_) => "timeout",
        TransportError::Connect(_) | TransportError::ConnectionClosed(_) => "connection error",
        TransportError::Config(_) => "configuration error",
        TransportError::BodyTooLarge { .. } => "response too large",
        TransportError::Decode(_) => "corrupt response body",
        _ => "transport error",
    };
    format!("{kind}: {}", chain(error))
}

fn trace(trace_id: Option<&str>) -> String {
    trace_id.map_or_else(String::new, |id| format!(" (trace_id {id})"))
}

/// An error and its sources, `: `-separated, skipping sources whose text is already shown.
pub(crate) fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut next = error.source();
    while let Some(source) = next {
        let part = source.to_string();
        if !part.is_empty() && !text.contains(&part) {
            let _ = write!(text, ": {part}");
        }
        next = source.source();
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_single_and_redacted() {
        let failure = Failure::Setup("key s3cr3t-key\nwas\trefused".into());
        assert_eq!(
            failure.line(&["s3cr3t-key".into()]),
            "configuration error: key [redacted] was refused"
        );
    }

    #[test]
    fn pyxis_errors_keep_status_detail_and_trace_id() {
        let body = br#"{"data":{"find_images":{"error":{"status":500,"detail":"boom"}}}}"#;
        let response = http::Response::builder()
            .header("trace_id", "abc123")
            .body(body.to_vec())
            .unwrap();
        let error =
            pyxis_gql::decode::page::<serde_json::Value, _>(&response, "find_images").unwrap_err();
        let line = Failure::Pyxis(error).line(&[]);
        assert!(line.starts_with("Pyxis error 500"), "{line}");
        assert!(
            line.contains("trace_id abc123") && line.contains("boom"),
            "{line}"
        );
    }
}
