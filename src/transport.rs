//! The one seam between the pure core and a runtime: send a request, sleep.

mod options;
mod proxy;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{Request, Response};

pub use crate::error::{BoxError, TransportError};
pub use options::{DEFAULT_MAX_BODY_BYTES, TransportOptions, TransportOptionsBuilder};
pub use proxy::{
    HTTPS_PROXY_VARIABLES, NO_PROXY_VARIABLES, NoProxy, Proxy, ProxyCredentials, ProxyPolicy,
};

/// Sends HTTP requests and waits, on some async runtime.
///
/// Implementations live in the adapter crates (`pyxis-gql-tokio`, `pyxis-gql-smol`,
/// `pyxis-gql-async-std`); anything else that can move bytes works too, which is how the tests
/// replay canned responses. The trait is object safe, so `Arc<dyn Transport>` is a transport.
///
/// Bodies are [`Bytes`], so that a transport hands over what it read without a copy and a
/// request sent again (a retry) is not copied either.
///
/// A transport owns its connect timeout and its body-size cap: it enforces the cap while reading
/// (answering [`TransportError::BodyTooLarge`]) and reports a connection that closed before the
/// whole response arrived as [`TransportError::ConnectionClosed`], so that the client can retry
/// it. The time allowed for a whole attempt is the [`Client`](crate::Client)'s to enforce.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends one request and reads the whole response body.
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError>;

    /// Waits for `duration` with the runtime's timer: the one runtime service the client needs
    /// (for backoff and for racing timeouts).
    async fn sleep(&self, duration: Duration);
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        (**self).send(request).await
    }

    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(&self, request: Request<Bytes>) -> Result<Response<Bytes>, TransportError> {
        (**self).send(request).await
    }

    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }
}
