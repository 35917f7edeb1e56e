//! Errors handed to Python: one native exception carrying the kind and the details, which the
//! Python layer turns into the classes callers catch.

use pyo3::PyErr;
use pyo3::exceptions::PyException;
use pyxis_gql::{Error, TransportError};

pyo3::create_exception!(
    _native,
    NativeError,
    PyException,
    "A failed call: args are (kind, message, status, detail, trace_id)."
);

/// The error a call failed with, as a [`NativeError`]. The kind is the root cause's (a crawl
/// that stopped on a Pyxis error is a Pyxis error); the message keeps the whole chain.
pub(crate) fn to_python(error: &Error) -> PyErr {
    let message = error.to_string();
    let trace_id = error.trace_id().map(str::to_owned);
    let root = root_cause(error);
    let (kind, status, detail) = match root {
        Error::Pyxis(pyxis) => ("pyxis", pyxis.status, Some(pyxis.detail.clone())),
        Error::GraphQl { errors, .. } => {
            let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
            ("graphql", None, Some(messages.join("; ")))
        }
        Error::Http { status, .. } => ("http", Some(i64::from(status.as_u16())), None),
        Error::Transport(TransportError::Tls(_)) => ("tls", None, None),
        Error::Transport(_) => ("transport", None, None),
        Error::Timeout { .. } => ("timeout", None, None),
        _ => ("response", None, None),
    };
    NativeError::new_err((kind, message, status, detail, trace_id))
}

fn root_cause(error: &Error) -> &Error {
    match error {
        Error::Incomplete { source, .. } | Error::Chunk { source, .. } => root_cause(source),
        other => other,
    }
}

/// Used in a process forked from the one that started the module's runtime: its threads and
/// connections stayed in the parent, so a call would wait forever.
pub(crate) fn forked() -> PyErr {
    NativeError::new_err((
        "fork",
        "pyxis_gql was started before os.fork(), and its runtime stayed in the parent process; \
         in a child process use a fresh interpreter (multiprocessing's 'spawn' or 'forkserver')",
        None::<i64>,
        None::<String>,
        None::<String>,
    ))
}

/// An answer that cannot be turned into Python objects.
pub(crate) fn response(message: String) -> PyErr {
    NativeError::new_err((
        "response",
        message,
        None::<i64>,
        None::<String>,
        None::<String>,
    ))
}

/// Settings that cannot make a client (a bad URL, an unreadable certificate).
pub(crate) fn config(message: String) -> PyErr {
    NativeError::new_err((
        "config",
        message,
        None::<i64>,
        None::<String>,
        None::<String>,
    ))
}
