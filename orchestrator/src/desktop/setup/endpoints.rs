//! The wizard's Broker and Store steps: an external Redis or a PostgreSQL
//! server is tested before it is saved, and its password goes to the OS
//! keyring while the settings file keeps the URL without it.

use std::time::Duration;

use serde::Serialize;

use super::record::{BrokerSetting, StoreSetting};
use super::{Setup, SetupView};
use crate::config::DatabaseTarget;
use crate::desktop::{DesktopError, ErrorKind};
use crate::secrets::redact::redact_url;
use crate::secrets::SecretStore;
use crate::status::{probe_redis, probe_store};
use crate::store::{Store, StoreBackend};

const TEST_LIMIT: Duration = Duration::from_secs(15);
/// Keyring names of the saved URLs' passwords (not `credential:` items: no
/// spawn can reference them).
pub(super) const STORE_PASSWORD: &str = "setup/store-password";
pub(super) const BROKER_PASSWORD: &str = "setup/broker-password";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BrokerTested {
    /// Password masked.
    pub url: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StoreTested {
    /// Password masked.
    pub url: String,
    pub backend: StoreBackend,
    pub migrations_applied: u32,
    pub migrations_available: u32,
}

fn invalid(message: impl Into<String>) -> DesktopError {
    DesktopError::new(ErrorKind::Invalid, message)
}

/// `raw` split into the URL without its password and the password.
fn split_password(raw: &str) -> Result<(String, Option<String>), DesktopError> {
    let mut url = url::Url::parse(raw.trim())
        .map_err(|error| invalid(format!("not a URL ({error}): {}", redact_url(raw))))?;
    let password = url
        .password()
        .map(|p| {
            urlencoding_decode(p)
                .ok_or_else(|| invalid("the password is not valid percent-encoded UTF-8"))
        })
        .transpose()?;
    // Only URLs without a host refuse a password; parsing one gave it a host.
    let _ = url.set_password(None);
    Ok((url.to_string(), password))
}

fn urlencoding_decode(text: &str) -> Option<String> {
    url::form_urlencoded::parse(format!("p={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
}

/// `url` with `password` put back.
pub(super) fn with_password(url: &str, password: Option<&str>) -> String {
    match (url::Url::parse(url), password) {
        (Ok(mut parsed), Some(password)) => {
            let _ = parsed.set_password(Some(password));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// A failure's text with the password masked (drivers may quote the URL).
fn without(password: Option<&str>, text: String) -> String {
    match password {
        Some(secret) if !secret.is_empty() => text.replace(secret, "***"),
        _ => text,
    }
}

impl Setup {
    /// Connects to the Redis at `url` and asks its version.
    pub async fn test_broker(&self, url: &str) -> Result<BrokerTested, DesktopError> {
        let (_, password) = split_password(url)?;
        if !matches!(url.split(':').next(), Some("redis" | "rediss")) {
            return Err(invalid("a broker URL starts with redis:// or rediss://"));
        }
        let shown = redact_url(url);
        let unreachable = |reason: String| {
            DesktopError::new(
                ErrorKind::Unavailable,
                format!(
                    "Redis at {shown} did not answer: {}",
                    without(password.as_deref(), reason)
                ),
            )
        };
        let client = redis::Client::open(url).map_err(|e| invalid(e.to_string()))?;
        let info = tokio::time::timeout(TEST_LIMIT, probe_redis(&client))
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", TEST_LIMIT.as_secs())))?
            .map_err(|e| unreachable(e.to_string()))?;
        Ok(BrokerTested {
            url: redact_url(url),
            version: info.version,
        })
    }

    /// Saves the broker: `None` is the managed one; an external URL is
    /// tested first and its password moved to the keyring.
    pub async fn save_broker(&self, url: Option<String>) -> Result<SetupView, DesktopError> {
        let setting = match url.filter(|u| !u.trim().is_empty()) {
            None => {
                self.forget_secret(BROKER_PASSWORD).await?;
                BrokerSetting::Managed
            }
            Some(url) => {
                self.test_broker(&url).await?;
                let (url, password) = split_password(&url)?;
                let password_in_keyring = self.keep_secret(BROKER_PASSWORD, password).await?;
                BrokerSetting::External {
                    url,
                    password_in_keyring,
                }
            }
        };
        self.update(|record| record.broker = setting)?;
        Ok(self.view().await)
    }

    /// Connects to the PostgreSQL server at `url` and applies the store's
    /// migrations there (running them again changes nothing).
    pub async fn test_store(&self, url: &str) -> Result<StoreTested, DesktopError> {
        let (_, password) = split_password(url)?;
        let target = match DatabaseTarget::parse(url.trim()) {
            Ok(target @ DatabaseTarget::Postgres(_)) => target,
            _ => {
                return Err(invalid(
                    "a store URL starts with postgres:// or postgresql:// (SQLite needs none)",
                ))
            }
        };
        let shown = redact_url(url);
        let failed = |reason: String| {
            DesktopError::new(
                ErrorKind::Unavailable,
                format!(
                    "PostgreSQL at {shown}: {}",
                    without(password.as_deref(), reason)
                ),
            )
        };
        let tested = tokio::time::timeout(TEST_LIMIT, async {
            let store = Store::open_and_migrate(&target).await?;
            let info = probe_store(&store).await;
            store.close().await;
            info
        })
        .await
        .map_err(|_| failed(format!("no answer within {} s", TEST_LIMIT.as_secs())))?
        .map_err(|e| failed(crate::error_chain(&e)))?;
        Ok(StoreTested {
            url: shown,
            backend: tested.backend,
            migrations_applied: tested.migrations_applied,
            migrations_available: tested.migrations_available,
        })
    }

    /// Saves the store: `None` is SQLite in the data directory; a
    /// PostgreSQL URL is tested (migrations applied) first and its password
    /// moved to the keyring.
    pub async fn save_store(&self, url: Option<String>) -> Result<SetupView, DesktopError> {
        let setting = match url.filter(|u| !u.trim().is_empty()) {
            None => {
                self.forget_secret(STORE_PASSWORD).await?;
                StoreSetting::Sqlite
            }
            Some(url) => {
                self.test_store(&url).await?;
                let (url, password) = split_password(&url)?;
                let password_in_keyring = self.keep_secret(STORE_PASSWORD, password).await?;
                StoreSetting::Postgres {
                    url,
                    password_in_keyring,
                }
            }
        };
        self.update(|record| record.store = setting)?;
        Ok(self.view().await)
    }

    /// Stores `secret` under `name` (refusing when the keyring cannot hold
    /// it); returns whether there was one.
    async fn keep_secret(&self, name: &str, secret: Option<String>) -> Result<bool, DesktopError> {
        match secret {
            Some(secret) => {
                self.require_keyring().await?;
                self.secrets.set(name, &secret).await.map_err(unavailable)?;
                Ok(true)
            }
            None => {
                self.forget_secret(name).await?;
                Ok(false)
            }
        }
    }

    async fn forget_secret(&self, name: &str) -> Result<(), DesktopError> {
        // Without a keyring there is nothing to forget.
        if self.keyring_status().await.available {
            self.secrets.delete(name).await.map_err(unavailable)?;
        }
        Ok(())
    }

    pub(super) fn secrets(&self) -> &SecretStore {
        &self.secrets
    }
}

pub(super) fn unavailable(error: impl std::fmt::Display) -> DesktopError {
    DesktopError::new(ErrorKind::Unavailable, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_split_off_and_put_back() {
        let (url, password) = split_password("postgres://myca:s%40cr3t@db:5432/fleet").unwrap();
        assert_eq!(url, "postgres://myca@db:5432/fleet");
        assert_eq!(password.as_deref(), Some("s@cr3t"));
        assert_eq!(
            with_password(&url, password.as_deref()),
            "postgres://myca:s%40cr3t@db:5432/fleet"
        );
        let (url, password) = split_password("redis://127.0.0.1:6379/0").unwrap();
        assert_eq!(url, "redis://127.0.0.1:6379/0");
        assert_eq!(password, None);
        assert!(split_password("not a url").is_err());
    }
}
