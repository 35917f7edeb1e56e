//! Values that must never show up in `Debug` output, errors or logs.

use std::fmt;

/// A secret string (the Pyxis API key) whose `Debug` prints `[redacted]`; it has no `Display`,
/// so it cannot slip into a formatted message.
///
/// ```
/// let key = pyxis_gql::ApiKey::new("s3cr3t");
/// assert_eq!(format!("{key:?}"), "ApiKey([redacted])");
/// assert_eq!(key.expose(), "s3cr3t");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

/// A client certificate chain and its private key, both PEM.
///
/// The key's bytes are never printed:
///
/// ```
/// let id = pyxis_gql::Identity::from_pem(b"-----BEGIN CERTIFICATE-----".to_vec(), b"KEY".to_vec());
/// assert!(!format!("{id:?}").contains("KEY"));
/// ```
#[derive(Clone)]
pub struct Identity {
    certificate_chain_pem: Vec<u8>,
    private_key_pem: Vec<u8>,
}

impl Identity {
    /// An identity from a PEM certificate chain and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(certificate_chain_pem: Vec<u8>, private_key_pem: Vec<u8>) -> Self {
        Self {
            certificate_chain_pem,
            private_key_pem,
        }
    }

    /// The PEM certificate chain.
    pub fn certificate_chain_pem(&self) -> &[u8] {
        &self.certificate_chain_pem
    }

    /// The PEM private key, for the transport that loads it.
    pub fn private_key_pem(&self) -> &[u8] {
        &self.private_key_pem
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field(
                "certificate_chain_pem",
                &format_args!("{} bytes", self.certificate_chain_pem.len()),
            )
            .field("private_key_pem", &format_args!("[redacted]"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_kept_whole_and_never_shown() {
        let key = ApiKey::new("k-123");
        assert_eq!(key.expose(), "k-123");
        assert!(!format!("{key:?}").contains("k-123"));
        let identity = Identity::from_pem(b"CHAIN".to_vec(), b"SECRET KEY".to_vec());
        assert_eq!(identity.certificate_chain_pem(), b"CHAIN");
        assert_eq!(identity.private_key_pem(), b"SECRET KEY");
        let shown = format!("{identity:?}");
        assert!(
            shown.contains("5 bytes") && !shown.contains("SECRET"),
            "{shown}"
        );
    }
}
