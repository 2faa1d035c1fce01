//! What the saved setup means at start: the fleet's store and broker (the
//! environment still wins, as for `myca serve`), the passwords put back from
//! the keyring, the retention, where the API listens and the log level.

use std::net::{Ipv4Addr, SocketAddr};

use super::endpoints::{with_password, BROKER_PASSWORD, STORE_PASSWORD};
use super::record::{BrokerSetting, StoreSetting};
use super::Setup;
use crate::config::{DatabaseTarget, DATABASE_URL_ENV, REDIS_URL_ENV};
use crate::desktop::{desktop_service_config, DESKTOP_API_ENV};
use crate::service::{BrokerChoice, ServiceConfig};
use crate::store::{HistoryRetention, SnapshotRetention};

/// The log filter variable that overrides the saved level.
pub const LOG_ENV: &str = "MYCA_LOG";

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.is_empty())
}

/// The variables set now that win over saved choices.
pub(super) fn env_overrides() -> Vec<String> {
    [DATABASE_URL_ENV, REDIS_URL_ENV, LOG_ENV, DESKTOP_API_ENV]
        .into_iter()
        .filter(|name| env_set(name))
        .map(str::to_owned)
        .collect()
}

impl Setup {
    /// The embedded fleet's configuration.
    pub async fn service_config(&self) -> Result<ServiceConfig, String> {
        let mut config = desktop_service_config(&self.data_dir).map_err(|e| e.to_string())?;
        let record = self.record();
        if !env_set(DATABASE_URL_ENV) {
            if let StoreSetting::Postgres {
                url,
                password_in_keyring,
            } = &record.store
            {
                let password = self
                    .saved_password(STORE_PASSWORD, *password_in_keyring)
                    .await?;
                config.database = DatabaseTarget::Postgres(with_password(url, password.as_deref()));
            }
        }
        if !env_set(REDIS_URL_ENV) {
            if let BrokerSetting::External {
                url,
                password_in_keyring,
            } = &record.broker
            {
                let password = self
                    .saved_password(BROKER_PASSWORD, *password_in_keyring)
                    .await?;
                config.broker = BrokerChoice::External(with_password(url, password.as_deref()));
            }
        }
        let settings = &record.settings;
        config.history.retention = HistoryRetention {
            log_days: settings.log_days,
            metric_days: settings.metric_days,
        };
        config.history.snapshots = SnapshotRetention {
            keep_last: settings.snapshot_keep_last,
            max_age_days: settings.snapshot_days,
        };
        Ok(config)
    }

    async fn saved_password(&self, name: &str, saved: bool) -> Result<Option<String>, String> {
        if !saved {
            return Ok(None);
        }
        match self.secrets.get(name).await {
            Ok(Some(password)) => Ok(Some(password)),
            Ok(None) => Err(format!(
                "the saved password ({name}) is no longer in the OS keyring: run the setup \
                 again from Settings"
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Where the app serves its API: `MYCA_DESKTOP_API`, else loopback at
    /// the saved port when the operator turned it on.
    pub fn api_address(&self) -> Option<SocketAddr> {
        if let Ok(wanted) = std::env::var(DESKTOP_API_ENV) {
            return match wanted.parse() {
                Ok(address) => Some(address),
                Err(_) => {
                    tracing::warn!(%wanted, "{DESKTOP_API_ENV} is not an address like 127.0.0.1:8001");
                    None
                }
            };
        }
        let settings = self.record().settings;
        settings
            .api_enabled
            .then(|| SocketAddr::from((Ipv4Addr::LOCALHOST, settings.api_port)))
    }

    /// The log filter: `MYCA_LOG`, else the saved level.
    pub fn log_filter(&self) -> String {
        match std::env::var(LOG_ENV) {
            Ok(filter) if !filter.is_empty() => filter,
            _ => self.record().settings.log_level.as_filter().to_owned(),
        }
    }
}
