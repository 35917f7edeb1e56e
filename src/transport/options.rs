//! What a transport is built from: TLS material, its connect timeout, its body cap and whether
//! it asks for compressed responses.

use std::time::Duration;

use super::proxy::{Proxy, ProxyPolicy};
use crate::error::ConfigError;
use crate::secret::Identity;

/// The default cap on a response body: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The settings every adapter's transport is built from.
///
/// Only the transport reads them: the TLS identity and extra roots, the time allowed to open a
/// connection, the largest body it reads, and whether it asks for gzip-compressed responses.
/// `Debug` never shows the private key.
///
/// ```
/// use std::time::Duration;
/// let options = pyxis_gql::TransportOptions::builder()
///     .connect_timeout(Duration::from_secs(3))
///     .max_body_bytes(1 << 20)
///     .build()
///     .unwrap();
/// assert_eq!(options.max_body_bytes(), 1 << 20);
/// assert!(options.compression());
/// assert!(!pyxis_gql::TransportOptions::builder().compression(false).build().unwrap().compression());
/// assert!(pyxis_gql::TransportOptions::builder().max_body_bytes(0).build().is_err());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TransportOptions {
    proxy: ProxyPolicy,
    identity: Option<Identity>,
    extra_root_certificates: Vec<Vec<u8>>,
    connect_timeout: Duration,
    max_body_bytes: usize,
    compression: bool,
}

impl Default for TransportOptions {
    /// No client identity, the built-in roots only, a 10 s connect timeout, a 64 MiB body cap,
    /// the proxy from the environment, compression on.
    fn default() -> Self {
        Self {
            proxy: ProxyPolicy::Environment,
            identity: None,
            extra_root_certificates: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            compression: true,
        }
    }
}

impl TransportOptions {
    /// A builder starting from the [defaults](Self::default).
    pub fn builder() -> TransportOptionsBuilder {
        TransportOptionsBuilder(Self::default())
    }

    /// How connections pick their proxy; see [`ProxyPolicy`] for the precedence.
    pub fn proxy(&self) -> &ProxyPolicy {
        &self.proxy
    }

    /// The client certificate and key, if any.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// PEM bundles trusted in addition to the built-in roots.
    pub fn extra_root_certificates(&self) -> &[Vec<u8>] {
        &self.extra_root_certificates
    }

    /// Time allowed to open a connection (TCP and TLS).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The largest response body read, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Whether requests carry `Accept-Encoding: gzip` and gzip-encoded bodies are decoded.
    ///
    /// The [body cap](Self::max_body_bytes) applies to the decoded bytes, counted while
    /// decoding, so a small compressed body that inflates past it is refused early.
    pub fn compression(&self) -> bool {
        self.compression
    }
}

/// Builds [`TransportOptions`]; see [`TransportOptions::default`] for the defaults.
#[derive(Clone, Debug)]
#[must_use]
pub struct TransportOptionsBuilder(TransportOptions);

impl TransportOptionsBuilder {
    /// Sends `https` requests through `proxy` (except to the hosts of its own
    /// [`NoProxy`](crate::NoProxy) list), ignoring `HTTPS_PROXY` and `NO_PROXY`.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.0.proxy = ProxyPolicy::Via(proxy);
        self
    }

    /// Connects directly, ignoring `HTTPS_PROXY` and `NO_PROXY`.
    pub fn without_proxy(mut self) -> Self {
        self.0.proxy = ProxyPolicy::Direct;
        self
    }

    /// Picks the proxy as `policy` says; [`ProxyPolicy::Environment`] is the default.
    pub fn proxy_policy(mut self, policy: ProxyPolicy) -> Self {
        self.0.proxy = policy;
        self
    }

    /// The client certificate and key presented to the server.
    pub fn identity(mut self, identity: Identity) -> Self {
        self.0.identity = Some(identity);
        self
    }

    /// Trusts the certificates in this PEM bundle in addition to the built-in roots.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.0.extra_root_certificates.push(pem.into());
        self
    }

    /// Time allowed to open a connection (at least 1 ms).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.0.connect_timeout = timeout;
        self
    }

    /// The largest response body read (at least 1 byte).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.0.max_body_bytes = bytes;
        self
    }

    /// Whether to ask for gzip-compressed responses and decode them (default: on). Pyxis pages
    /// of JSON shrink about tenfold, so turn it off only to see the bytes as sent, or for a
    /// server that compresses badly.
    pub fn compression(mut self, enabled: bool) -> Self {
        self.0.compression = enabled;
        self
    }

    /// Checks the settings and builds the options.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Zero`] for a zero body cap or connect timeout. The TLS material is checked
    /// by the adapter that loads it.
    pub fn build(self) -> Result<TransportOptions, ConfigError> {
        if self.0.max_body_bytes == 0 {
            return Err(ConfigError::Zero("max_body_bytes"));
        }
        if self.0.connect_timeout.is_zero() {
            return Err(ConfigError::Zero("connect_timeout"));
        }
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_kept_and_zeroes_refused() {
        let options = TransportOptions::builder()
            .identity(Identity::from_pem(b"chain".to_vec(), b"key".to_vec()))
            .add_root_certificate_pem("one")
            .add_root_certificate_pem("two")
            .connect_timeout(Duration::from_secs(2))
            .max_body_bytes(1)
            .build()
            .unwrap();
        assert_eq!(options.identity().unwrap().private_key_pem(), b"key");
        assert_eq!(
            options.extra_root_certificates(),
            [b"one".to_vec(), b"two".to_vec()]
        );
        assert_eq!(options.connect_timeout(), Duration::from_secs(2));
        assert_eq!(options.max_body_bytes(), 1);
        let defaults = TransportOptions::default();
        assert!(defaults.identity().is_none() && defaults.extra_root_certificates().is_empty());
        assert_eq!(defaults.max_body_bytes(), DEFAULT_MAX_BODY_BYTES);
        assert!(defaults.compression() && options.compression());
        let plain = TransportOptions::builder().compression(false).build();
        assert!(!plain.unwrap().compression());
        assert!(matches!(
            TransportOptions::builder().max_body_bytes(0).build(),
            Err(ConfigError::Zero("max_body_bytes"))
        ));
        assert!(matches!(
            TransportOptions::builder()
                .connect_timeout(Duration::ZERO)
                .build(),
            Err(ConfigError::Zero("connect_timeout"))
        ));
    }
}
