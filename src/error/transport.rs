//! Why a transport could not deliver a response.

use std::time::Duration;

/// A boxed error from an HTTP client, kept as the source of a [`TransportError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a transport could not deliver a response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The connection could not be opened (refused, unreachable, DNS).
    #[error("could not connect")]
    Connect(#[source] BoxError),
    /// The TLS handshake failed (untrusted server, client certificate refused, bad key).
    #[error("TLS failure")]
    Tls(#[source] BoxError),
    /// The transport's own timer ran out: its connect timeout, or the timeout of an HTTP client
    /// the caller configured (zero when that client does not say which). The time allowed for a
    /// whole attempt is the client's to enforce, not the transport's.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The response body is bigger than the configured cap; reading stopped at the cap. For a
    /// compressed body the cap applies to the decompressed bytes.
    #[error("response body larger than the {limit}-byte limit")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The connection was reset or closed before a whole response arrived (including a stale
    /// keep-alive connection the server had already dropped).
    #[error("connection closed before the whole response arrived")]
    ConnectionClosed(#[source] BoxError),
    /// The body came with a `Content-Encoding` the transport decodes (gzip), but it is not a
    /// valid stream of that encoding: corrupt, or cut short inside a complete HTTP response.
    /// Not transient: the server sent these bytes as a whole answer and would send them again.
    #[error("cannot decode the compressed response body")]
    Decode(#[source] BoxError),
    /// The transport's configuration is unusable (bad PEM, bad URL for this client).
    #[error("transport configuration rejected")]
    Config(#[source] BoxError),
    /// Anything else the HTTP client reported.
    #[error("HTTP client error")]
    Other(#[source] BoxError),
}

impl TransportError {
    /// Whether sending the same (read-only) request again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Connect(_) | Self::Timeout(_) | Self::ConnectionClosed(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_corrupt_body_is_not_retried_and_keeps_its_cause() {
        let error = TransportError::Decode("invalid gzip header".into());
        assert!(!error.is_transient());
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("invalid gzip header")
        );
        let error = crate::Error::from(error);
        assert!(!error.is_transient() && error.retry_class().is_none());
        assert!(matches!(
            error,
            crate::Error::Transport(TransportError::Decode(_))
        ));
    }
}
