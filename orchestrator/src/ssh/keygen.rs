//! Key pairs the app makes for a host: ed25519, the private half straight
//! into the OS keyring (never a file, never the window), the public half as
//! the line the operator appends to the host's `authorized_keys`.

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey};

use super::SshError;
use crate::secrets::SecretStore;

fn generation_failed(error: impl std::fmt::Display) -> SshError {
    SshError::KeyGeneration(error.to_string())
}

fn new_key(comment: &str) -> Result<PrivateKey, SshError> {
    let mut key =
        PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).map_err(generation_failed)?;
    key.set_comment(comment);
    Ok(key)
}

fn public_line(key: &PrivateKey) -> Result<String, SshError> {
    key.public_key().to_openssh().map_err(generation_failed)
}

/// Makes an ed25519 key pair, files its private half (OpenSSH format) in
/// the keyring as `secret`, replacing what was there, and answers the
/// public `authorized_keys` line ending with `comment`.
pub async fn generate_into_keyring(
    secrets: &SecretStore,
    secret: &str,
    comment: &str,
) -> Result<String, SshError> {
    let key = new_key(comment)?;
    // Zeroed when dropped.
    let private = key.to_openssh(LineEnding::LF).map_err(generation_failed)?;
    secrets
        .set(secret, &private)
        .await
        .map_err(generation_failed)?;
    public_line(&key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssh::{fingerprint, fingerprint_of_openssh_public_key};

    #[test]
    fn a_generated_key_is_ed25519_and_its_halves_belong_together() {
        let key = new_key("myca@vm-one").unwrap();
        let line = public_line(&key).unwrap();
        assert!(line.starts_with("ssh-ed25519 AAAA"), "{line}");
        assert!(line.ends_with(" myca@vm-one"), "{line}");
        let text = key.to_openssh(LineEnding::LF).unwrap();
        let decoded = russh::keys::decode_secret_key(&text, None).unwrap();
        assert_eq!(decoded.algorithm(), Algorithm::Ed25519);
        assert_eq!(
            fingerprint(decoded.public_key()),
            fingerprint_of_openssh_public_key(&line).unwrap()
        );
    }

    #[test]
    fn every_key_is_new() {
        let one = public_line(&new_key("a").unwrap()).unwrap();
        let two = public_line(&new_key("a").unwrap()).unwrap();
        assert_ne!(one, two);
    }
}
