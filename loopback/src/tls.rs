//! Per-server certificates and the TLS configuration built from them.
//!
//! The cryptography provider is always passed explicitly so that the server
//! works whatever process-wide default another crate installed (or did not).

use std::sync::{Arc, OnceLock};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// A CA with a server certificate and a client identity signed by it.
pub(crate) struct Pki {
    pub(crate) ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_cert: CertificateDer<'static>,
    server_key_pkcs8: Vec<u8>,
    pub(crate) client_cert_pem: String,
    pub(crate) client_key_pem: String,
}

struct Ca {
    der: CertificateDer<'static>,
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn new_ca(name: &str) -> Result<Ca, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok(Ca {
        der: cert.der().clone(),
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    })
}

struct Leaf {
    der: CertificateDer<'static>,
    pem: String,
    key: KeyPair,
}

fn new_leaf(
    ca: &Ca,
    common_name: &str,
    names: Vec<String>,
    usage: ExtendedKeyUsagePurpose,
) -> Result<Leaf, rcgen::Error> {
    let mut params = CertificateParams::new(names)?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &ca.issuer)?;
    Ok(Leaf {
        der: cert.der().clone(),
        pem: cert.pem(),
        key,
    })
}

impl Pki {
    pub(crate) fn generate() -> Result<Pki, rcgen::Error> {
        let ca = new_ca("pyxis-loopback test CA")?;
        let server = new_leaf(
            &ca,
            "pyxis-loopback server",
            vec!["127.0.0.1".into(), "localhost".into()],
            ExtendedKeyUsagePurpose::ServerAuth,
        )?;
        let client = new_leaf(
            &ca,
            "pyxis-loopback client",
            Vec::new(),
            ExtendedKeyUsagePurpose::ClientAuth,
        )?;
        Ok(Pki {
            ca_pem: ca.pem,
            ca_der: ca.der,
            server_cert: server.der,
            server_key_pkcs8: server.key.serialize_der(),
            client_cert_pem: client.pem,
            client_key_pem: client.key.serialize_pem(),
        })
    }

    /// TLS settings for the server; with `require_client_cert` the handshake
    /// fails unless the client presents a certificate signed by our CA.
    pub(crate) fn server_config(&self, require_client_cert: bool) -> Result<ServerConfig, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots.add(self.ca_der.clone()).map_err(|e| e.to_string())?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| e.to_string())?;
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(self.server_key_pkcs8.clone()));
        let mut config = builder
            .with_single_cert(vec![self.server_cert.clone()], key)
            .map_err(|e| e.to_string())?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// A client certificate and key (PEM) from a CA the server does not trust;
/// generated once per process.
pub(crate) fn untrusted_identity() -> (String, String) {
    static IDENTITY: OnceLock<(String, String)> = OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let make = || -> Result<(String, String), rcgen::Error> {
                let ca = new_ca("untrusted test CA")?;
                let leaf = new_leaf(
                    &ca,
                    "untrusted client",
                    Vec::new(),
                    ExtendedKeyUsagePurpose::ClientAuth,
                )?;
                Ok((leaf.pem, leaf.key.serialize_pem()))
            };
            make().unwrap_or_else(|e| panic!("generating an untrusted client identity: {e}"))
        })
        .clone()
}
