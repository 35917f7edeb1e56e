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
    /// The proxy would not open a tunnel to the server: its answer to `CONNECT` was `status`
    /// (407 when it wants other credentials, 403 when it forbids the destination), or `None`
    /// when the HTTP client does not tell the status. Sent again, the same request meets the same
    /// refusal, unless the proxy could not reach the server (502, 503, 504).
    #[error("the proxy refused the tunnel{}", ProxyStatus(*status))]
    ProxyRefused {
        /// The status of the proxy's answer, when known.
        status: Option<http::StatusCode>,
    },
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
        match self {
            Self::Connect(_) | Self::Timeout(_) | Self::ConnectionClosed(_) => true,
            Self::ProxyRefused { status } => {
                status.is_some_and(|status| matches!(status.as_u16(), 502..=504))
            }
            _ => false,
        }
    }
}

/// `: HTTP <status>` when the status is known.
struct ProxyStatus(Option<http::StatusCode>);

impl std::fmt::Display for ProxyStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(status) => write!(f, " with HTTP {status}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn proxy_refusals_name_their_status_and_only_gateway_failures_are_transient() {
        let refused = |status: Option<u16>| TransportError::ProxyRefused {
            status: status.map(|code| http::StatusCode::from_u16(code).unwrap()),
        };
        assert_eq!(
            refused(Some(407)).to_string(),
            "the proxy refused the tunnel with HTTP 407 Proxy Authentication Required"
        );
        assert_eq!(refused(None).to_string(), "the proxy refused the tunnel");
        for (status, transient) in [
            (Some(407), false),
            (Some(403), false),
            (None, false),
            (Some(502), true),
            (Some(503), true),
            (Some(504), true),
        ] {
            assert_eq!(refused(status).is_transient(), transient, "{status:?}");
        }
    }

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
