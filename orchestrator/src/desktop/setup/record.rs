//! What the first-run setup and the settings view remember between starts:
//! nothing secret (passwords and credentials live in the OS keyring; a saved
//! URL has its password removed).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SetupStep {
    Docker,
    Broker,
    Store,
    Credentials,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    Done,
    Skipped,
}

/// The fleet's Redis.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum BrokerSetting {
    /// A `mas-redis` container the app runs on each host.
    #[default]
    Managed,
    /// A Redis the operator runs; `url` without its password.
    External {
        url: String,
        password_in_keyring: bool,
    },
}

/// The fleet's SQL store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum StoreSetting {
    /// One file in the app's data directory.
    #[default]
    Sqlite,
    /// `url` without its password.
    Postgres {
        url: String,
        password_in_keyring: bool,
    },
}

/// The last test of a credential against its service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct CredentialCheck {
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// What the service answered (never the value).
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    pub fn as_filter(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// The settings view's choices; they apply when the app next starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct AppSettings {
    /// Serve the HTTP API on 127.0.0.1:`api_port` (key from the keyring).
    pub api_enabled: bool,
    pub api_port: u16,
    pub log_level: LogLevel,
    /// Days agents' logs are kept in the store.
    pub log_days: u32,
    /// Days metric samples are kept.
    pub metric_days: u32,
    /// Snapshots older than this many days are dropped…
    pub snapshot_days: u32,
    /// …except each agent's newest this many.
    pub snapshot_keep_last: u32,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            api_enabled: false,
            api_port: 8001,
            log_level: LogLevel::Info,
            log_days: 30,
            metric_days: 7,
            snapshot_days: 30,
            snapshot_keep_last: 10,
        }
    }
}

/// Everything remembered, as one document of the settings file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct SetupRecord {
    /// The wizard was finished (or dismissed): the app opens on the fleet.
    pub completed: bool,
    /// How each step ended; a step without an outcome is where the wizard resumes.
    pub steps: BTreeMap<SetupStep, StepOutcome>,
    pub broker: BrokerSetting,
    pub store: StoreSetting,
    /// The kinds whose credentials the operator manages.
    pub kinds: Vec<String>,
    /// By credential name.
    pub checks: BTreeMap<String, CredentialCheck>,
    pub settings: AppSettings,
}
