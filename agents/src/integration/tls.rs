//! How an integration trusts its service: the public web's roots (bundled,
//! so a FROM-scratch container needs no certificate files), or exactly one
//! certificate pinned by its SHA-256 fingerprint — what an appliance with a
//! self-signed certificate (Proxmox, a NAS, a controller) offers — or, for
//! a probe told not to verify, any certificate.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    PublicRoots,
    /// SHA-256 of the server certificate (DER).
    Pinned([u8; 32]),
    /// Whatever certificate the server shows (a probe with `verify_tls: false`);
    /// the handshake's signatures are still checked.
    AnyCertificate,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("a certificate fingerprint is 64 hex digits (colons allowed), got {0:?}")]
pub struct BadFingerprint(pub String);

impl Trust {
    /// A pin as Proxmox and browsers show it: `AB:CD:…` or plain hex.
    pub fn pinned(fingerprint: &str) -> Result<Self, BadFingerprint> {
        let hex_digits: String = fingerprint.chars().filter(|c| *c != ':').collect();
        let bytes = hex::decode(&hex_digits).map_err(|_| BadFingerprint(fingerprint.to_owned()))?;
        let pin =
            <[u8; 32]>::try_from(bytes).map_err(|_| BadFingerprint(fingerprint.to_owned()))?;
        Ok(Self::Pinned(pin))
    }

    /// Fails only if the crypto provider lacks the default TLS versions.
    pub fn client_config(&self) -> Result<ClientConfig, rustls::Error> {
        let provider = Arc::new(ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?;
        Ok(match self {
            Trust::PublicRoots => {
                let roots = RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                };
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            Trust::Pinned(pin) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(OwnCertificate {
                    pin: Some(*pin),
                    provider,
                }))
                .with_no_client_auth(),
            Trust::AnyCertificate => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(OwnCertificate {
                    pin: None,
                    provider,
                }))
                .with_no_client_auth(),
        })
    }
}

/// Accepts the one certificate whose fingerprint is pinned (or, without a
/// pin, any), whatever its name or issuer (appliances are reached by
/// address with a self-made certificate); the handshake's signatures are
/// still checked, so only the holder of that certificate's key passes.
#[derive(Debug)]
struct OwnCertificate {
    pin: Option<[u8; 32]>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for OwnCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(pin) = self.pin else {
            return Ok(ServerCertVerified::assertion());
        };
        let seen = crate::sealing::sha256_hex(end_entity.as_ref());
        if seen == hex::encode(pin) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the server's certificate (SHA-256 {seen}) is not the pinned one ({})",
                hex::encode(pin)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Every HTTP client of the project starts here: reqwest is built without a
/// TLS provider of its own (so the agent stays static and one provider,
/// ring, is linked), and a client without one would panic when built.
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, rustls::Error> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(Trust::PublicRoots.client_config()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_with_or_without_colons() {
        let plain = "ab".repeat(32);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(Trust::pinned(&plain), Trust::pinned(&colons));
        assert!(Trust::pinned("ab:cd").is_err());
        assert!(Trust::pinned(&"zz".repeat(32)).is_err());
    }
}
