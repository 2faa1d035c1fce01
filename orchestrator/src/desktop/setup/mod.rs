//! First-run setup and the settings view: the local Docker engine, the
//! broker and store the fleet uses, the credentials of the kinds the
//! operator picks, and the app's own settings. None of it needs the fleet to
//! run (the wizard is how an operator fixes a fleet that cannot start), and
//! what it remembers is non-secret: secrets go to the OS keyring only.

mod credentials;
mod endpoints;
mod engine;
mod launch;
mod record;
mod settings;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;

pub use credentials::{CredentialKind, CredentialState, CredentialStatus};
pub use endpoints::{BrokerTested, StoreTested};
pub use engine::EngineProbe;
pub use record::{
    AppSettings, BrokerSetting, CredentialCheck, LogLevel, SetupRecord, SetupStep, StepOutcome,
    StoreSetting,
};
pub use settings::{About, ApiKeyView};

use super::{DesktopError, ErrorKind};
use crate::config::DatabaseTarget;
use crate::secrets::SecretStore;

/// Where the non-secret record is kept: the desktop's settings file (the
/// Tauri store plugin), or any document store a test provides.
pub trait SettingsFile: Send + Sync {
    fn load(&self) -> Option<Value>;
    fn save(&self, value: Value) -> Result<(), String>;
}

/// Whether secrets can be stored at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct KeyringStatus {
    pub available: bool,
    /// Why not, and what to do.
    pub detail: Option<String>,
}

/// What the wizard and the settings view show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SetupView {
    pub record: SetupRecord,
    pub data_dir: String,
    /// The SQLite file the default store uses.
    pub sqlite_path: String,
    pub keyring: KeyringStatus,
    /// Environment variables set now that win over the saved choices.
    pub env_overrides: Vec<String>,
}

pub struct Setup {
    file: Arc<dyn SettingsFile>,
    data_dir: PathBuf,
    app_version: String,
    secrets: SecretStore,
    /// Read-modify-write of the record is one at a time.
    writing: Mutex<()>,
}

impl Setup {
    pub fn new(file: Arc<dyn SettingsFile>, data_dir: &Path, app_version: &str) -> Arc<Self> {
        Self::with_secrets(file, data_dir, app_version, SecretStore::default())
    }

    /// With the keyring service `secrets` (tests use their own).
    pub fn with_secrets(
        file: Arc<dyn SettingsFile>,
        data_dir: &Path,
        app_version: &str,
        secrets: SecretStore,
    ) -> Arc<Self> {
        Arc::new(Self {
            file,
            data_dir: data_dir.to_owned(),
            app_version: app_version.to_owned(),
            secrets,
            writing: Mutex::new(()),
        })
    }

    /// The saved record; an unreadable one counts as none (the wizard runs again).
    pub fn record(&self) -> SetupRecord {
        match self.file.load() {
            Some(value) => serde_json::from_value(value).unwrap_or_else(|error| {
                tracing::warn!(%error, "the saved setup is unreadable: starting over");
                SetupRecord::default()
            }),
            None => SetupRecord::default(),
        }
    }

    fn update(&self, change: impl FnOnce(&mut SetupRecord)) -> Result<SetupRecord, DesktopError> {
        let _one_writer = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let mut record = self.record();
        change(&mut record);
        let value = serde_json::to_value(&record)
            .map_err(|error| DesktopError::new(ErrorKind::Internal, error.to_string()))?;
        self.file.save(value).map_err(|error| {
            DesktopError::new(
                ErrorKind::Unavailable,
                format!("cannot save the settings file: {error}"),
            )
        })?;
        Ok(record)
    }

    pub async fn view(&self) -> SetupView {
        SetupView {
            record: self.record(),
            data_dir: self.data_dir.display().to_string(),
            sqlite_path: match DatabaseTarget::sqlite_in(&self.data_dir) {
                DatabaseTarget::Sqlite(path) => path.display().to_string(),
                DatabaseTarget::Postgres(url) => url,
            },
            keyring: self.keyring_status().await,
            env_overrides: launch::env_overrides(),
        }
    }

    /// Whether the first-run wizard should open.
    pub fn needs_setup(&self) -> bool {
        !self.record().completed
    }

    /// Records how `step` ended (the wizard resumes at the first step without one).
    pub async fn step_done(
        &self,
        step: SetupStep,
        outcome: StepOutcome,
    ) -> Result<SetupView, DesktopError> {
        self.update(|record| {
            record.steps.insert(step, outcome);
        })?;
        Ok(self.view().await)
    }

    /// Ends the wizard (`completed`), or opens it again from the settings view.
    pub async fn set_completed(&self, completed: bool) -> Result<SetupView, DesktopError> {
        self.update(|record| {
            record.completed = completed;
            if !completed {
                record.steps.clear();
            }
        })?;
        Ok(self.view().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Memory(Mutex<Option<Value>>);

    impl SettingsFile for Memory {
        fn load(&self) -> Option<Value> {
            self.0.lock().unwrap().clone()
        }
        fn save(&self, value: Value) -> Result<(), String> {
            *self.0.lock().unwrap() = Some(value);
            Ok(())
        }
    }

    fn setup() -> (Arc<Memory>, Arc<Setup>) {
        let file = Arc::new(Memory::default());
        let setup = Setup::new(file.clone(), Path::new("/data/myca"), "1.2.3");
        (file, setup)
    }

    #[tokio::test]
    async fn the_wizard_resumes_where_it_stopped_and_is_reopened_from_settings() {
        let (file, setup) = setup();
        assert!(setup.needs_setup());
        setup
            .step_done(SetupStep::Docker, StepOutcome::Done)
            .await
            .unwrap();
        setup
            .step_done(SetupStep::Broker, StepOutcome::Skipped)
            .await
            .unwrap();
        // A new start reads the same file.
        let again = Setup::new(file.clone(), Path::new("/data/myca"), "1.2.3");
        let record = again.record();
        assert_eq!(record.steps.len(), 2);
        assert_eq!(
            record.steps.get(&SetupStep::Broker),
            Some(&StepOutcome::Skipped)
        );
        assert_eq!(record.steps.get(&SetupStep::Store), None);
        let saved = file.load().unwrap();
        assert_eq!(saved["steps"]["docker"], "done");
        assert_eq!(saved["store"]["backend"], "sqlite");
        assert_eq!(saved["broker"]["mode"], "managed");

        again.set_completed(true).await.unwrap();
        assert!(!setup.needs_setup());
        let view = setup.set_completed(false).await.unwrap();
        assert!(view.record.steps.is_empty(), "reopened from the start");
        assert_eq!(view.sqlite_path, "/data/myca/myca.db");
    }

    #[tokio::test]
    async fn kinds_are_picked_by_id_or_alias_and_unknown_ones_refused() {
        let (_, setup) = setup();
        let view = setup
            .choose_kinds(vec!["openai-agent".into(), "openai-agent".into()])
            .await
            .unwrap();
        assert_eq!(view.record.kinds, ["openai-agent"]);
        let error = setup
            .choose_kinds(vec!["no-such-kind".into()])
            .await
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Invalid);
        assert!(error.message.contains("no-such-kind"));
    }

    #[tokio::test]
    async fn settings_are_saved_and_shape_the_fleet_and_the_api() {
        let (_, setup) = setup();
        let mut settings = AppSettings::default();
        assert_eq!(setup.api_address(), None, "the API is off by default");
        settings.api_enabled = true;
        settings.api_port = 18_555;
        settings.log_level = LogLevel::Debug;
        settings.log_days = 3;
        setup.save_settings(settings.clone()).await.unwrap();
        assert_eq!(setup.record().settings, settings);
        assert_eq!(
            setup.api_address(),
            Some("127.0.0.1:18555".parse().unwrap())
        );
        settings.api_port = 22;
        let refused = setup.save_settings(settings).await.unwrap_err();
        assert_eq!(refused.fields[0].field, "api_port");
        assert_eq!(setup.record().settings.api_port, 18_555, "unchanged");
    }

    #[test]
    fn an_unreadable_record_starts_the_wizard_over() {
        let file = Arc::new(Memory(Mutex::new(Some(serde_json::json!({"steps": 7})))));
        let setup = Setup::new(file, Path::new("/d"), "1");
        assert!(setup.needs_setup());
    }
}
