//! The API key: given explicitly (headless use), or generated on first run
//! and kept in the OS keyring.

use crate::secrets::{SecretError, SecretStore};

/// The keyring item holding the generated key.
pub const API_KEY_SECRET: &str = "api-key";

/// `explicit` if given, else the key in the keyring, else a new random key
/// stored there.
pub async fn resolve_api_key(
    explicit: Option<String>,
    secrets: &SecretStore,
) -> Result<String, SecretError> {
    if let Some(key) = explicit.filter(|k| !k.trim().is_empty()) {
        return Ok(key);
    }
    if let Some(key) = secrets.get(API_KEY_SECRET).await? {
        return Ok(key);
    }
    let key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    secrets.set(API_KEY_SECRET, &key).await?;
    tracing::info!("generated an API key and stored it in the OS keyring");
    Ok(key)
}
