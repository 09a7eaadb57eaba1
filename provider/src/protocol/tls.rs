//! mTLS for the plugin connection, as go-plugin sets it up: Terraform passes its client
//! certificate in `PLUGIN_CLIENT_CERT`, the plugin answers with a certificate of its own in the
//! handshake line, and each side accepts exactly the other's certificate.
//!
//! go-plugin's client certificate is self-signed and flagged as a CA, which a WebPKI verifier
//! rejects as an end-entity certificate; [`PinnedCert`] instead accepts the one certificate
//! announced, compared byte for byte, and still checks the handshake signatures with it.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Environment variable in which Terraform passes its client certificate (PEM).
pub const CLIENT_CERT_KEY: &str = "PLUGIN_CLIENT_CERT";

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate in `PLUGIN_CLIENT_CERT` is not PEM.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCert(String),
    /// Generating a certificate failed.
    #[error("generating a TLS certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// TLS configuration failed.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// Accepts exactly one certificate, compared byte for byte: go-plugin's trust model (the peer's
/// certificate is the only root) without the chain checks that reject a self-signed CA leaf.
#[derive(Debug)]
pub struct PinnedCert {
    der: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl PinnedCert {
    /// Pin `der`, checking signatures with `provider`'s algorithms.
    pub fn new(der: Vec<u8>, provider: Arc<CryptoProvider>) -> Self {
        Self { der, provider }
    }

    fn check(&self, presented: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if presented.as_ref() == self.der.as_slice() {
            Ok(())
        } else {
            Err(rustls::Error::General(
                "peer certificate is not the one announced in the plugin handshake".into(),
            ))
        }
    }

    fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|_| ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

impl ClientCertVerifier for PinnedCert {
    fn client_auth_mandatory(&self) -> bool {
        true
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity)
            .map(|_| ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls12(m, c, d)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(m, c, d)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes()
    }
}

/// A certificate and its key.
pub struct Identity {
    /// PEM of the certificate.
    pub cert_pem: String,
    /// DER of the certificate.
    pub cert_der: CertificateDer<'static>,
    /// PKCS#8 key.
    pub key: PrivateKeyDer<'static>,
}

/// A self-signed certificate for `localhost`. go-plugin expects the server's to be a CA (it adds
/// it to its root pool); a client certificate for rustls must not be one.
pub fn self_signed(ca: bool) -> Result<Identity, rcgen::Error> {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    if ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
    }
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let cert = params.self_signed(&key)?;
    Ok(Identity {
        cert_pem: cert.pem(),
        cert_der: CertificateDer::from(cert.der().to_vec()),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    })
}

/// The server side of the plugin connection: our certificate (for the handshake line) and a
/// rustls configuration that requires Terraform's.
pub struct ServerTls {
    /// The certificate announced in the handshake line (DER).
    pub cert_der: Vec<u8>,
    /// The rustls configuration (ALPN h2, client certificate pinned).
    pub config: Arc<rustls::ServerConfig>,
}

impl ServerTls {
    /// From the PEM Terraform passed in `PLUGIN_CLIENT_CERT`.
    pub fn for_client(client_pem: &str) -> Result<Self, TlsError> {
        let client = CertificateDer::from_pem_slice(client_pem.as_bytes())
            .map_err(|e| TlsError::ClientCert(e.to_string()))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let ours = self_signed(true)?;
        let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(Arc::new(PinnedCert::new(client.to_vec(), provider)))
            .with_single_cert(vec![ours.cert_der.clone()], ours.key)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            cert_der: ours.cert_der.to_vec(),
            config: Arc::new(config),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::aws_lc_rs::default_provider())
    }

    #[test]
    fn pins_exactly_the_announced_certificate() {
        let terraform = self_signed(true).unwrap();
        let other = self_signed(true).unwrap();
        let pin = PinnedCert::new(terraform.cert_der.to_vec(), provider());
        let now = UnixTime::now();
        assert!(pin
            .verify_client_cert(&terraform.cert_der, &[], now)
            .is_ok());
        assert!(pin.verify_client_cert(&other.cert_der, &[], now).is_err());
    }

    #[test]
    fn refuses_a_client_cert_that_is_not_pem() {
        assert!(matches!(
            ServerTls::for_client("not a certificate"),
            Err(TlsError::ClientCert(_))
        ));
        let terraform = self_signed(true).unwrap();
        assert!(ServerTls::for_client(&terraform.cert_pem).is_ok());
    }
}
