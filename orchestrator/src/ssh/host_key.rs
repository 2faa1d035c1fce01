use russh::keys::{HashAlg, PublicKey};

use super::SshError;

/// The OpenSSH-style fingerprint (`SHA256:…`) operators compare with
/// `ssh-keygen -lf`.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Fingerprint of a key in `authorized_keys` / `.pub` format.
pub fn fingerprint_of_openssh_public_key(text: &str) -> Result<String, SshError> {
    let key = PublicKey::from_openssh(text.trim())
        .map_err(|error| SshError::PublicKey(error.to_string()))?;
    Ok(fingerprint(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throwaway ed25519 key; its fingerprint was read with `ssh-keygen -lf`.
    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL3wKEFzuTAE76nbQ4ab80uX4tj6RYkKXCYVtX+jwLcV test";

    #[test]
    fn fingerprints_match_openssh_format() {
        let fp = fingerprint_of_openssh_public_key(KEY).unwrap();
        assert_eq!(fp, "SHA256:fHBY9gJZgounz6VssauE0SoHjbf2lpG8klt9TN8lSsY");
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            fingerprint_of_openssh_public_key("ssh-ed25519 nope"),
            Err(SshError::PublicKey(_))
        ));
    }
}
