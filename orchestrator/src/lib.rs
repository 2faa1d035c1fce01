//! MYCA orchestrator: everything an operator can do, as plain async functions.
//!
//! The desktop app (`myca-desktop`) and the headless `myca` binary are thin
//! shells over this crate; nothing here knows about a window.

pub mod agent_image;
pub mod api;
pub mod broker;
pub mod broker_image;
pub mod config;
pub mod desktop;
pub mod docker;
mod error_chain;
pub mod events;
pub mod gaps;
pub mod health;
pub mod history;
pub mod hosts;
pub mod hostset;
pub mod image_shipping;
pub mod ledger;
pub mod locate;
pub mod messaging;
pub mod orchestrator;
pub mod pool;
pub mod scratch_image;
pub mod secrets;
pub mod serve;
pub mod service;
pub mod snapshots;
pub mod ssh;
pub mod status;
pub mod store;
pub mod topology;

pub use config::{ConfigError, DatabaseTarget, OrchestratorConfig};
pub use error_chain::error_chain;
// Their room is `secrets/`; the short paths stay for every caller.
pub use orchestrator::Orchestrator;
pub use secrets::{redact, scrub};
pub use status::{DockerInfo, Probe, RedisInfo, ServiceStatus, StoreInfo, SystemStatus};
pub use store::{
    ActivitySummary, AgentAction, HistoryRetention, KnowledgeEntry, LedgerEntry, RecentError,
    Route, SnapshotRetention, SnapshotSummary, Store, StoreBackend, StoreError, StoredAction,
    StoredMessage, StoredSnapshot, TaskFilter,
};
