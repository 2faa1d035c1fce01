//! The cryptography of credential delivery (see docs/protocol.md,
//! "Credentials"): the agent proves it holds its container's bootstrap token
//! with an HMAC over a fresh X25519 public key; the orchestrator answers with
//! the credentials sealed to that key (X25519 → HKDF-SHA256 →
//! ChaCha20-Poly1305) and proves the answer with the same token, so nobody
//! on the broker can read, forge or redirect them.

use ring::rand::{SecureRandom, SystemRandom};
use ring::{aead, agreement, hkdf, hmac};

/// Separates the two HMAC uses and the key derivation from any other use of the token.
const REQUEST_LABEL: &[u8] = b"myca credentials request v1";
const REPLY_LABEL: &[u8] = b"myca credentials reply v1";
const KEY_LABEL: &[u8] = b"myca credentials key v1";
/// Bytes of randomness in a bootstrap token.
const TOKEN_BYTES: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealingError {
    #[error("no randomness available from the operating system")]
    Random,
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("the proof does not match: wrong bootstrap token or altered message")]
    BadProof,
    #[error("cannot open the sealed credentials")]
    Unseal,
}

/// A new random bootstrap token, hex encoded.
pub fn new_token() -> Result<String, SealingError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| SealingError::Random)?;
    Ok(hex::encode(bytes))
}

/// The agent's half of one exchange: a key pair used for one request only.
pub struct Requester {
    private: agreement::EphemeralPrivateKey,
    /// Hex-encoded X25519 public key.
    pub public_key: String,
}

impl Requester {
    pub fn new() -> Result<Self, SealingError> {
        let private =
            agreement::EphemeralPrivateKey::generate(&agreement::X25519, &SystemRandom::new())
                .map_err(|_| SealingError::Random)?;
        let public = private
            .compute_public_key()
            .map_err(|_| SealingError::Random)?;
        Ok(Self {
            private,
            public_key: hex::encode(public.as_ref()),
        })
    }

    /// Checks the reply's proof, then opens the sealed bytes.
    pub fn open(
        self,
        token: &str,
        exchange: &Exchange<'_>,
        sealer_key: &str,
        sealed: &str,
        proof: &str,
    ) -> Result<Vec<u8>, SealingError> {
        verify(token, &reply_message(exchange, sealer_key, sealed), proof)?;
        let peer = decode(sealer_key, "sealer key")?;
        let mut data = decode(sealed, "sealed credentials")?;
        let key = agreement::agree_ephemeral(
            self.private,
            &agreement::UnparsedPublicKey::new(&agreement::X25519, peer),
            |shared| aead_key(shared, exchange, &self.public_key, sealer_key),
        )
        .map_err(|_| SealingError::Unseal)??;
        let opened = key
            .open_in_place(
                nonce(),
                aead::Aad::from(exchange.agent_id.as_bytes()),
                &mut data,
            )
            .map_err(|_| SealingError::Unseal)?;
        Ok(opened.to_vec())
    }
}

/// What both sides bind every proof and key to.
pub struct Exchange<'a> {
    pub agent_id: &'a str,
    pub request_id: &'a str,
}

/// The agent's proof that it holds `token`, over its public key.
pub fn prove_request(token: &str, exchange: &Exchange<'_>, public_key: &str) -> String {
    sign(token, &request_message(exchange, public_key))
}

pub fn verify_request(
    token: &str,
    exchange: &Exchange<'_>,
    public_key: &str,
    proof: &str,
) -> Result<(), SealingError> {
    verify(token, &request_message(exchange, public_key), proof)
}

/// The orchestrator's answer: `plain` sealed to the agent's key.
pub struct Sealed {
    pub sealer_key: String,
    pub sealed: String,
    pub proof: String,
}

/// Seals `plain` to `agent_key` with a fresh key pair and proves the result with `token`.
pub fn seal(
    token: &str,
    exchange: &Exchange<'_>,
    agent_key: &str,
    plain: &[u8],
) -> Result<Sealed, SealingError> {
    let peer = decode(agent_key, "agent key")?;
    let private =
        agreement::EphemeralPrivateKey::generate(&agreement::X25519, &SystemRandom::new())
            .map_err(|_| SealingError::Random)?;
    let sealer_key = hex::encode(
        private
            .compute_public_key()
            .map_err(|_| SealingError::Random)?
            .as_ref(),
    );
    let key = agreement::agree_ephemeral(
        private,
        &agreement::UnparsedPublicKey::new(&agreement::X25519, peer),
        |shared| aead_key(shared, exchange, agent_key, &sealer_key),
    )
    .map_err(|_| SealingError::Malformed("agent key"))??;
    let mut data = plain.to_vec();
    key.seal_in_place_append_tag(
        nonce(),
        aead::Aad::from(exchange.agent_id.as_bytes()),
        &mut data,
    )
    .map_err(|_| SealingError::Unseal)?;
    let sealed = hex::encode(data);
    let proof = sign(token, &reply_message(exchange, &sealer_key, &sealed));
    Ok(Sealed {
        sealer_key,
        sealed,
        proof,
    })
}

/// Both key pairs are used once, so one key seals one message and a fixed
/// nonce never repeats under a key.
fn nonce() -> aead::Nonce {
    aead::Nonce::assume_unique_for_key([0; aead::NONCE_LEN])
}

fn aead_key(
    shared: &[u8],
    exchange: &Exchange<'_>,
    agent_key: &str,
    sealer_key: &str,
) -> Result<aead::LessSafeKey, SealingError> {
    let info = [
        KEY_LABEL,
        exchange.agent_id.as_bytes(),
        agent_key.as_bytes(),
        sealer_key.as_bytes(),
    ];
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, exchange.request_id.as_bytes()).extract(shared);
    let okm = prk
        .expand(&info, &aead::CHACHA20_POLY1305)
        .map_err(|_| SealingError::Unseal)?;
    Ok(aead::LessSafeKey::new(aead::UnboundKey::from(okm)))
}

fn request_message(exchange: &Exchange<'_>, public_key: &str) -> Vec<u8> {
    framed(&[
        REQUEST_LABEL,
        exchange.agent_id.as_bytes(),
        exchange.request_id.as_bytes(),
        public_key.as_bytes(),
    ])
}

fn reply_message(exchange: &Exchange<'_>, sealer_key: &str, sealed: &str) -> Vec<u8> {
    framed(&[
        REPLY_LABEL,
        exchange.agent_id.as_bytes(),
        exchange.request_id.as_bytes(),
        sealer_key.as_bytes(),
        sealed.as_bytes(),
    ])
}

/// Length-prefixed parts, so no two different part lists sign the same bytes.
fn framed(parts: &[&[u8]]) -> Vec<u8> {
    let mut message = Vec::new();
    for part in parts {
        message.extend_from_slice(&(part.len() as u64).to_be_bytes());
        message.extend_from_slice(part);
    }
    message
}

fn sign(token: &str, message: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, token.as_bytes());
    hex::encode(hmac::sign(&key, message).as_ref())
}

fn verify(token: &str, message: &[u8], proof: &str) -> Result<(), SealingError> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, token.as_bytes());
    let tag = decode(proof, "proof")?;
    hmac::verify(&key, message, &tag).map_err(|_| SealingError::BadProof)
}

fn decode(text: &str, what: &'static str) -> Result<Vec<u8>, SealingError> {
    hex::decode(text).map_err(|_| SealingError::Malformed(what))
}

/// Hex SHA-256 of `bytes`: lets a test compare a secret without seeing it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXCHANGE: Exchange<'static> = Exchange {
        agent_id: "agent-1",
        request_id: "6f1c0e1e-0000-4000-8000-000000000001",
    };

    #[test]
    fn a_sealed_reply_opens_only_for_its_requester_and_token() {
        let token = new_token().unwrap();
        let requester = Requester::new().unwrap();
        let proof = prove_request(&token, &EXCHANGE, &requester.public_key);
        assert_eq!(
            verify_request(&token, &EXCHANGE, &requester.public_key, &proof),
            Ok(())
        );
        let other_token = new_token().unwrap();
        assert_eq!(
            verify_request(&other_token, &EXCHANGE, &requester.public_key, &proof),
            Err(SealingError::BadProof)
        );

        let sealed = seal(&token, &EXCHANGE, &requester.public_key, b"{\"K\":\"v\"}").unwrap();
        assert!(!sealed.sealed.contains(&hex::encode(b"{\"K\":\"v\"}")));
        let forged = seal(&other_token, &EXCHANGE, &requester.public_key, b"{}").unwrap();
        let stranger = Requester::new().unwrap();
        assert_eq!(
            stranger
                .open(
                    &token,
                    &EXCHANGE,
                    &forged.sealer_key,
                    &forged.sealed,
                    &forged.proof
                )
                .unwrap_err(),
            SealingError::BadProof
        );
        let opened = requester
            .open(
                &token,
                &EXCHANGE,
                &sealed.sealer_key,
                &sealed.sealed,
                &sealed.proof,
            )
            .unwrap();
        assert_eq!(opened, b"{\"K\":\"v\"}");
    }

    #[test]
    fn a_reply_sealed_to_another_key_does_not_open() {
        let token = new_token().unwrap();
        let requester = Requester::new().unwrap();
        let other = Requester::new().unwrap();
        let sealed = seal(&token, &EXCHANGE, &other.public_key, b"secret").unwrap();
        assert_eq!(
            requester
                .open(
                    &token,
                    &EXCHANGE,
                    &sealed.sealer_key,
                    &sealed.sealed,
                    &sealed.proof
                )
                .unwrap_err(),
            SealingError::Unseal
        );
    }
}
