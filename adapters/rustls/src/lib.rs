//! The one TLS setup shared by the `pyxis-gql` adapters.
//!
//! [`client_config`] turns the TLS parts of [`pyxis_gql::TransportOptions`] into a rustls
//! [`ClientConfig`]: the `ring` crypto provider, the safe default protocol versions, the
//! built-in web roots plus every certificate of the configured extra PEM bundles, the client
//! identity when one is configured, and ALPN `http/1.1`. Server certificates are always
//! verified; there is no switch to turn that off.
//!
//! [`classify`] is the other half both adapters share: it reads an error's source chain and
//! tells a TLS failure from a connection that was refused or closed early, so that the client
//! retries only what is worth retrying.
//!
//! ```
//! let options = pyxis_gql::TransportOptions::default();
//! let tls = pyxis_gql_rustls::client_config(&options).unwrap();
//! assert_eq!(tls.alpn_protocols, vec![b"http/1.1".to_vec()]);
//! ```
#![forbid(unsafe_code)]

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::sync::Arc;

use pyxis_gql::{BoxError, TransportError, TransportOptions};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The rustls version the returned [`ClientConfig`] belongs to.
pub use rustls;

/// Builds the rustls client configuration for `options`.
///
/// # Errors
///
/// [`TransportError::Config`] when an extra root bundle or the identity cannot be used: PEM that
/// does not parse, a bundle without certificates, a certificate that is not a valid trust anchor,
/// a key that does not match its certificate. The message names the part at fault and never
/// holds key material.
pub fn client_config(options: &TransportOptions) -> Result<ClientConfig, TransportError> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for (index, bundle) in options.extra_root_certificates().iter().enumerate() {
        let what = format!("extra root certificate bundle #{index}");
        for cert in read_certificates(bundle, &what)? {
            roots
                .add(cert)
                .map_err(|err| setup_error(format!("{what}: unusable certificate"), err))?;
        }
    }

    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|err| setup_error("TLS protocol versions", err))?
            .with_root_certificates(roots);

    let mut tls = match options.identity() {
        None => builder.with_no_client_auth(),
        Some(identity) => {
            let chain =
                read_certificates(identity.certificate_chain_pem(), "client certificate chain")?;
            let key = PrivateKeyDer::from_pem_slice(identity.private_key_pem()).map_err(|err| {
                TransportError::Config(message(format!(
                    "client private key: {}",
                    describe_pem_error(&err)
                )))
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|err| setup_error("client identity", err))?
        }
    };
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tls)
}

/// Every certificate in a PEM bundle; an error when the PEM is malformed or holds none.
fn read_certificates(
    pem: &[u8],
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, TransportError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| {
            TransportError::Config(message(format!("{what}: {}", describe_pem_error(&err))))
        })?;
    if certs.is_empty() {
        return Err(TransportError::Config(message(format!(
            "{what}: no PEM certificate found"
        ))));
    }
    Ok(certs)
}

/// A description of a PEM error that, unlike the error's own `Display`, never quotes the input
/// (which may be a private key).
fn describe_pem_error(err: &pem::Error) -> &'static str {
    match err {
        pem::Error::MissingSectionEnd { .. } => "PEM section without its END line",
        pem::Error::IllegalSectionStart { .. } => "malformed PEM BEGIN line",
        pem::Error::Base64Decode(_) => "PEM section is not valid base64",
        pem::Error::NoItemsFound => "no PEM item of the expected kind found",
        pem::Error::SectionTooLarge => "PEM section too large",
        _ => "unreadable PEM",
    }
}

fn message(text: String) -> BoxError {
    text.into()
}

fn setup_error(what: impl Into<String>, source: rustls::Error) -> TransportError {
    TransportError::Config(Box::new(SetupError {
        what: what.into(),
        source,
    }))
}

/// A TLS setup step that rustls refused, with rustls's reason as the source.
#[derive(Debug)]
struct SetupError {
    what: String,
    source: rustls::Error,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rejected by rustls", self.what)
    }
}

impl StdError for SetupError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// What an error's source chain says about why an exchange failed.
///
/// Produced by [`classify`]; an adapter turns it into the matching [`TransportError`] variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// A rustls error, or an I/O error carrying one: the handshake or a TLS record failed.
    Tls,
    /// The connection was reset, aborted or closed before the exchange finished.
    ConnectionClosed,
    /// The connection could not be opened (refused, unreachable, address not available).
    Connect,
    /// An I/O operation timed out.
    TimedOut,
    /// Nothing in the chain says more.
    Unknown,
}

/// Walks `err` and its sources, outermost first, and answers the first telling cause.
///
/// A rustls [`rustls::Error`] anywhere in the chain (also when wrapped inside an
/// [`io::Error`]) means [`Cause::Tls`]; an [`io::Error`] of kind `ConnectionReset`,
/// `ConnectionAborted`, `UnexpectedEof` or `BrokenPipe` means [`Cause::ConnectionClosed`];
/// `ConnectionRefused`, `NotConnected`, `AddrNotAvailable`, `HostUnreachable` and
/// `NetworkUnreachable` mean [`Cause::Connect`]; `TimedOut` means [`Cause::TimedOut`].
///
/// ```
/// use std::io;
/// use pyxis_gql_rustls::{classify, Cause};
/// let reset = io::Error::from(io::ErrorKind::ConnectionReset);
/// assert_eq!(classify(&reset), Cause::ConnectionClosed);
/// let tls = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
/// assert_eq!(classify(&tls), Cause::Tls);
/// ```
pub fn classify(err: &(dyn StdError + 'static)) -> Cause {
    match classify_tls_and_io(err) {
        #[cfg(feature = "hyper")]
        Cause::Unknown => classify_hyper(err),
        cause => cause,
    }
}

/// What only hyper can tell: a connection that closed before the whole message arrived, or a
/// request dropped because its connection went away.
#[cfg(feature = "hyper")]
fn classify_hyper(err: &(dyn StdError + 'static)) -> Cause {
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(hyper) = err.downcast_ref::<hyper::Error>() {
            if hyper.is_incomplete_message() || hyper.is_canceled() || hyper.is_closed() {
                return Cause::ConnectionClosed;
            }
            if hyper.is_timeout() {
                return Cause::TimedOut;
            }
        }
        next = err.source();
    }
    Cause::Unknown
}

fn classify_tls_and_io(err: &(dyn StdError + 'static)) -> Cause {
    let mut next = Some(err);
    while let Some(err) = next {
        if err.is::<rustls::Error>() {
            return Cause::Tls;
        }
        if let Some(io) = err.downcast_ref::<io::Error>() {
            // An io::Error's `source` skips the wrapped error itself, so look inside first.
            if io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
            {
                return Cause::Tls;
            }
            match io.kind() {
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::UnexpectedEof
                | io::ErrorKind::BrokenPipe => return Cause::ConnectionClosed,
                io::ErrorKind::ConnectionRefused
                | io::ErrorKind::NotConnected
                | io::ErrorKind::AddrNotAvailable
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable => return Cause::Connect,
                io::ErrorKind::TimedOut => return Cause::TimedOut,
                _ => {}
            }
            if let Some(inner) = io.get_ref() {
                next = Some(inner as &(dyn StdError + 'static));
                continue;
            }
        }
        next = err.source();
    }
    Cause::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyxis_gql::Identity;

    fn self_signed() -> (String, String) {
        let issued = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        (issued.cert.pem(), issued.signing_key.serialize_pem())
    }

    fn chain_text(err: &TransportError) -> String {
        let mut text = format!("{err} / {err:?}");
        let mut next = err.source();
        while let Some(err) = next {
            text.push_str(&format!(" / {err} / {err:?}"));
            next = err.source();
        }
        text
    }

    #[test]
    fn good_pem_builds_with_roots_and_identity() {
        let (ca, _) = self_signed();
        let (cert, key) = self_signed();
        let config = TransportOptions::builder()
            .add_root_certificate_pem(format!("{ca}\n{cert}"))
            .identity(Identity::from_pem(cert.into(), key.into()))
            .build()
            .unwrap();
        let tls = client_config(&config).unwrap();
        assert!(tls.client_auth_cert_resolver.has_certs());
        assert_eq!(tls.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }

    #[test]
    fn no_identity_means_no_client_certificate() {
        let tls = client_config(&TransportOptions::default()).unwrap();
        assert!(!tls.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn garbage_key_is_a_config_error_without_key_bytes() {
        let (cert, _) = self_signed();
        let key = "-----BEGIN PRIVATE KEY-----\nS3CR3TK3YMATERIAL*%$\n-----END PRIVATE KEY-----\n";
        let config = TransportOptions::builder()
            .identity(Identity::from_pem(cert.into(), key.into()))
            .build()
            .unwrap();
        let err = client_config(&config).unwrap_err();
        assert!(matches!(err, TransportError::Config(_)), "{err:?}");
        let text = chain_text(&err);
        assert!(text.contains("client private key"), "{text}");
        assert!(!text.contains("S3CR3T"), "{text}");
    }

    #[test]
    fn mismatched_key_is_a_config_error_without_key_bytes() {
        let (cert, _) = self_signed();
        let (_, other_key) = self_signed();
        let body: String = other_key.lines().nth(1).unwrap().to_owned();
        let config = TransportOptions::builder()
            .identity(Identity::from_pem(cert.into(), other_key.into()))
            .build()
            .unwrap();
        let err = client_config(&config).unwrap_err();
        assert!(matches!(err, TransportError::Config(_)), "{err:?}");
        assert!(!chain_text(&err).contains(&body));
    }

    #[test]
    fn garbage_and_empty_bundles_are_config_errors() {
        for bundle in [
            &b""[..],
            b"not a certificate at all",
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nMIIB\n",
        ] {
            let config = TransportOptions::builder()
                .add_root_certificate_pem(bundle)
                .build()
                .unwrap();
            let err = client_config(&config).unwrap_err();
            assert!(matches!(err, TransportError::Config(_)), "{err:?}");
            assert!(chain_text(&err).contains("bundle #0"));
        }
    }

    #[test]
    fn classify_reads_the_chain() {
        let wrapped = io::Error::other(io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(classify(&wrapped), Cause::ConnectionClosed);
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(classify(&refused), Cause::Connect);
        assert_eq!(classify(&rustls::Error::DecryptError), Cause::Tls);
        assert_eq!(classify(&fmt::Error), Cause::Unknown);
    }
}
