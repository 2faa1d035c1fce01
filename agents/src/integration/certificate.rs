//! The certificate a TLS server shows, read in a handshake of our own: an
//! HTTP client does not expose its peer's certificate, and a probe needs its
//! expiry and names even when it is not trusted (that is what it reports).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::ring;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// What a server's certificate says, and whether the public roots trust it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerCertificate {
    pub subject: String,
    pub issuer: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// Whole days until `not_after` (negative once expired).
    pub days_left: i64,
    pub dns_names: Vec<String>,
    /// Whether the public web's roots trust it for the name asked for.
    pub trusted: bool,
    /// Why not, in rustls' words.
    pub trust_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    #[error("{0:?} is not a name a certificate can be checked for")]
    Name(String),
    #[error("TLS to {address} failed: {reason}")]
    Handshake { address: String, reason: String },
    #[error("no TLS answer from {address} within {after:?}")]
    Timeout { address: String, after: Duration },
    #[error("the certificate of {address} cannot be read: {reason}")]
    Unreadable { address: String, reason: String },
}

/// The server certificate the verifier was shown, and the public roots' verdict.
type Seen = Mutex<Option<(CertificateDer<'static>, Result<(), String>)>>;

/// Records the certificate and the public roots' verdict, and lets the
/// handshake finish either way (its signatures are still checked).
#[derive(Debug)]
struct Recorder {
    roots: Arc<WebPkiServerVerifier>,
    seen: Seen,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .roots
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(drop)
            .map_err(|error| error.to_string());
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((end_entity.clone().into_owned(), verdict));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.roots.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.roots.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.roots.supported_verify_schemes()
    }
}

fn timestamp(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

/// Reads a DER certificate as the probe reports it, `now` deciding `days_left`.
fn describe(
    der: &[u8],
    verdict: Result<(), String>,
    now: DateTime<Utc>,
) -> Result<PeerCertificate, String> {
    let (_, certificate) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    let validity = certificate.validity();
    let not_after = timestamp(validity.not_after.timestamp());
    let dns_names = match certificate.subject_alternative_name() {
        Ok(Some(names)) => names
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some((*dns).to_owned()),
                GeneralName::IPAddress(bytes) => ip_text(bytes),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(PeerCertificate {
        subject: certificate.subject().to_string(),
        issuer: certificate.issuer().to_string(),
        not_before: timestamp(validity.not_before.timestamp()),
        not_after,
        days_left: (not_after - now).num_seconds().div_euclid(86_400),
        dns_names,
        trusted: verdict.is_ok(),
        trust_error: verdict.err(),
    })
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

/// The certificate `host:port` shows when asked for `host`.
pub async fn peer_certificate(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<PeerCertificate, CertificateError> {
    let address = format!("{host}:{port}");
    let handshake_error = |reason: String| CertificateError::Handshake {
        address: address.clone(),
        reason,
    };
    // A URL's IPv6 host comes bracketed.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = ServerName::try_from(bare.to_owned())
        .map_err(|_| CertificateError::Name(host.to_owned()))?;
    let provider = Arc::new(ring::default_provider());
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let roots = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| handshake_error(e.to_string()))?;
    let recorder = Arc::new(Recorder {
        roots,
        seen: Mutex::new(None),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| handshake_error(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let handshake = async {
        let tcp = TcpStream::connect((bare, port))
            .await
            .map_err(|e| handshake_error(e.to_string()))?;
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| handshake_error(e.to_string()))
    };
    tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| CertificateError::Timeout {
            address: address.clone(),
            after: timeout,
        })??;
    let seen = recorder.seen.lock().ok().and_then(|mut seen| seen.take());
    let (der, verdict) = seen.ok_or_else(|| handshake_error("no certificate was shown".into()))?;
    describe(der.as_ref(), verdict, Utc::now()).map_err(|reason| CertificateError::Unreadable {
        address: address.clone(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_reads_with_its_names_and_days() {
        let made =
            rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "probe.test".into()])
                .unwrap();
        let der = made.cert.der();
        let now = Utc::now();
        let described = describe(der.as_ref(), Err("UnknownIssuer".into()), now).unwrap();
        // rcgen's default validity ends in 4096.
        assert_eq!(described.not_after.format("%Y").to_string(), "4096");
        assert!(described.days_left > 365 * 2000);
        assert_eq!(described.subject, described.issuer);
        assert_eq!(described.dns_names, ["127.0.0.1", "probe.test"]);
        assert!(!described.trusted);
        assert!(describe(b"not der", Ok(()), now).is_err());
    }
}
