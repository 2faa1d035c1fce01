//! Secrets live in the OS keyring (Secret Service on Linux), never on disk,
//! in container configuration, logs, the database or snapshots: the keyring
//! itself, agents' credentials and their sealed delivery, and the masking of
//! anything secret in what is stored or shown.

pub mod credentials;
mod delivery;
mod forgetting;
pub mod redact;
pub mod scrub;
mod store;

pub use credentials::{CredentialError, Credentials};
pub use delivery::serve_credentials;
pub use forgetting::forget_removed_agents;
pub use store::{SecretError, SecretStore, KEYRING_SERVICE};
