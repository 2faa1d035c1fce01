//! SSH to remote Docker hosts, with the server's host key pinned.
//!
//! A host is trusted only by the SHA-256 fingerprint the operator confirmed
//! on first contact; any other key is refused before authentication.

mod host_key;
mod keygen;
mod session;

pub use host_key::{fingerprint, fingerprint_of_openssh_public_key};
pub use keygen::generate_into_keyring;
pub use session::{discover_host_fingerprint, ExecOutput, SshAuth, SshSession, SshTarget};

#[derive(Debug, thiserror::Error)]
pub enum SshError {
    #[error("cannot reach {address}: {reason}")]
    Connect { address: String, reason: String },
    #[error(
        "host key mismatch for {address}: pinned {pinned}, but the server presented {presented}; \
         refusing to connect (the host was reinstalled, or someone is intercepting the connection)"
    )]
    HostKeyMismatch {
        address: String,
        pinned: String,
        presented: String,
    },
    #[error("cannot use the private key from {path}: {reason}")]
    PrivateKey { path: String, reason: String },
    #[error("{user}@{address} refused the key from {key_path}")]
    AuthRejected {
        user: String,
        address: String,
        key_path: String,
    },
    #[error("cannot make a key pair: {0}")]
    KeyGeneration(String),
    #[error("invalid public key: {0}")]
    PublicKey(String),
    #[error("SSH protocol error: {0}")]
    Protocol(#[from] russh::Error),
}
