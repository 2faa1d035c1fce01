//! The settings view and About: the app's own choices (applied at the next
//! start), the API key shown masked, and the versions in play.

use serde::Serialize;

use super::endpoints::unavailable;
use super::record::AppSettings;
use super::{Setup, SetupView};
use crate::api::{resolve_api_key, API_KEY_SECRET};
use crate::desktop::{DesktopError, FieldError};
use crate::secrets::KEYRING_SERVICE;

/// Characters of the API key shown at its end, so an operator can tell
/// two keys apart without the key being readable.
const KEY_TAIL: usize = 4;
const MAX_DAYS: u32 = 3650;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ApiKeyView {
    /// `••••••••abcd`, or none when the keyring holds no key yet (one is
    /// made when the API first starts).
    pub masked: Option<String>,
    /// How to read the whole key outside the window.
    pub reveal_command: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct About {
    pub app_version: String,
    pub orchestrator_version: String,
    /// The local Docker Engine's version, when one answers.
    pub docker_version: Option<String>,
    pub docker_problem: Option<String>,
    pub data_dir: String,
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.to_owned(),
        message: message.to_owned(),
    }
}

fn problems(settings: &AppSettings) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if settings.api_port < 1024 {
        problems.push(field("api_port", "use a port from 1024 to 65535"));
    }
    for (name, days) in [
        ("log_days", settings.log_days),
        ("metric_days", settings.metric_days),
        ("snapshot_days", settings.snapshot_days),
    ] {
        if days == 0 || days > MAX_DAYS {
            problems.push(field(name, "keep from 1 to 3650 days"));
        }
    }
    if settings.snapshot_keep_last == 0 {
        problems.push(field("snapshot_keep_last", "keep at least one snapshot"));
    }
    problems
}

impl Setup {
    pub async fn save_settings(&self, settings: AppSettings) -> Result<SetupView, DesktopError> {
        let problems = problems(&settings);
        if !problems.is_empty() {
            return Err(DesktopError::invalid_fields(problems));
        }
        self.update(|record| record.settings = settings)?;
        Ok(self.view().await)
    }

    /// The API key, masked; `create` makes one when there is none.
    pub async fn api_key(&self, create: bool) -> Result<ApiKeyView, DesktopError> {
        let key = if create {
            self.require_keyring().await?;
            Some(
                resolve_api_key(None, self.secrets())
                    .await
                    .map_err(unavailable)?,
            )
        } else {
            self.secrets()
                .get(API_KEY_SECRET)
                .await
                .map_err(unavailable)?
        };
        Ok(ApiKeyView {
            masked: key.map(|key| mask(&key)),
            reveal_command: format!(
                "secret-tool lookup service {KEYRING_SERVICE} username {API_KEY_SECRET}"
            ),
        })
    }

    pub async fn about(&self) -> About {
        let engine = self.probe_docker().await;
        About {
            app_version: self.app_version.clone(),
            orchestrator_version: env!("CARGO_PKG_VERSION").to_owned(),
            docker_version: engine.version,
            docker_problem: engine.problem,
            data_dir: self.data_dir.display().to_string(),
        }
    }
}

fn mask(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(KEY_TAIL)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if key.chars().count() <= KEY_TAIL * 4 {
        return super::credentials::MASKED.to_owned();
    }
    format!("{}{tail}", super::credentials::MASKED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_shows_only_its_last_characters() {
        assert_eq!(mask("0123456789abcdef0123"), "••••••••0123");
        assert_eq!(mask("short"), "••••••••");
    }

    #[test]
    fn out_of_range_settings_are_refused_by_field() {
        let settings = AppSettings {
            api_port: 80,
            log_days: 0,
            snapshot_keep_last: 0,
            ..AppSettings::default()
        };
        let fields: Vec<_> = problems(&settings).into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["api_port", "log_days", "snapshot_keep_last"]);
        assert!(problems(&AppSettings::default()).is_empty());
    }
}
