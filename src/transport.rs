//! The one seam between the pure core and a runtime: send a request, sleep.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::{Request, Response};

/// A boxed error from an HTTP client, kept as the source of a [`TransportError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Sends HTTP requests and waits, on some async runtime.
///
/// Implementations live in the adapter crates (`pyxis-gql-tokio`, `pyxis-gql-smol`,
/// `pyxis-gql-async-std`); anything else that can move bytes works too, which is how the tests
/// replay canned responses. The trait is object safe, so `Arc<dyn Transport>` is a transport.
///
/// A transport must enforce its body-size cap while reading (answering
/// [`TransportError::BodyTooLarge`]) and report a connection that closed before the whole
/// response arrived as [`TransportError::ConnectionClosed`], so that the client can retry it.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends one request and reads the whole response body.
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError>;

    /// Waits for `duration` with the runtime's timer: the one runtime service the client needs
    /// (for backoff and for racing timeouts).
    async fn sleep(&self, duration: Duration);
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (**self).send(request).await
    }

    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        (**self).send(request).await
    }

    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }
}

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
    /// No response within the transport's own timeout.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// The response body is bigger than the configured cap; reading stopped at the cap.
    #[error("response body larger than the {limit}-byte limit")]
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// The connection was reset or closed before a whole response arrived (including a stale
    /// keep-alive connection the server had already dropped).
    #[error("connection closed before the whole response arrived")]
    ConnectionClosed(#[source] BoxError),
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
