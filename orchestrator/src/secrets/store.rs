//! Named secrets in the OS keyring (Secret Service on Linux).

/// The keyring "service" every MYCA secret is filed under.
pub const KEYRING_SERVICE: &str = "myca-control-plane";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("OS keyring unavailable (is a Secret Service such as gnome-keyring running and unlocked?): {0}")]
    Unavailable(String),
    #[error("OS keyring refused the operation on {name:?}: {reason}")]
    Keyring { name: String, reason: String },
    #[error("keyring worker stopped: {0}")]
    Worker(#[from] tokio::task::JoinError),
}

/// Named secrets in the OS keyring.
#[derive(Debug, Clone)]
pub struct SecretStore {
    service: String,
}

impl Default for SecretStore {
    fn default() -> Self {
        Self::new(KEYRING_SERVICE)
    }
}

impl SecretStore {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    pub async fn set(&self, name: &str, secret: &str) -> Result<(), SecretError> {
        let secret = secret.to_owned();
        self.with_entry(name, move |entry| entry.set_password(&secret))
            .await
    }

    /// `None` when no secret of that name exists.
    pub async fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        self.with_entry(name, |entry| match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error),
        })
        .await
    }

    /// Returns whether a secret was there to delete.
    pub async fn delete(&self, name: &str) -> Result<bool, SecretError> {
        self.with_entry(name, |entry| match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(error) => Err(error),
        })
        .await
    }

    /// The keyring API blocks on D-Bus, so it runs off the async workers.
    async fn with_entry<T, F>(&self, name: &str, operation: F) -> Result<T, SecretError>
    where
        T: Send + 'static,
        F: FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    {
        let service = self.service.clone();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || {
            let entry = keyring::Entry::new(&service, &name).map_err(|error| match error {
                keyring::Error::NoDefaultStore => {
                    SecretError::Unavailable(describe_store_failure())
                }
                other => SecretError::Keyring {
                    name: name.clone(),
                    reason: other.to_string(),
                },
            })?;
            operation(&entry).map_err(|error| SecretError::Keyring {
                name,
                reason: error.to_string(),
            })
        })
        .await?
    }
}

fn describe_store_failure() -> String {
    match keyring::Entry::store_status() {
        Ok(()) => "no default credential store".to_owned(),
        Err(error) => error.to_string(),
    }
}
