//! The window's side of the orchestrator. Every command the desktop app
//! sends is one method of [`Desktop`] (src-tauri only translates), over the
//! same [`FleetService`] `myca serve` runs, started in the background so the
//! window opens at once and shows the start as it happens.

mod api;
mod artifacts;
mod batches;
mod bindings;
mod catalog;
mod config;
mod error;
mod fleet;
mod hosts;
mod live;
mod records;
mod samples;
pub mod setup;
mod spawn;
mod startup;
mod subscriptions;
mod tray;

use std::sync::{Arc, OnceLock};

pub use api::DESKTOP_API_ENV;
pub use artifacts::SavedArtifact;
pub use batches::{forward_in_batches, BatchSink, MAX_BATCH};
pub use catalog::CatalogEntry;
pub use config::{desktop_service_config, DesktopConfigError};
pub use error::{DesktopError, ErrorKind, FieldError};
pub use fleet::{ActionOutcome, AgentDetail, BulkAction, FleetAgent};
pub use hosts::{GeneratedKey, HostDraft, HostEntry};
pub use live::{FleetEvent, SavedLogs};
pub use records::{SnapshotTaken, TaskPage, TaskQuery};
pub use spawn::{SpawnProgress, SpawnRequest, SpawnStage};
pub use startup::{Phase, Startup, StartupStep, StepState};
pub use tray::{instance_id, FleetSnapshot, Notice, Notifier, TraySummary};

use crate::error_chain;
use crate::service::{FleetService, ServiceConfig};
use samples::Samples;
use startup::StartupTracker;
use subscriptions::Subscriptions;

#[derive(Default)]
pub struct Desktop {
    startup: StartupTracker,
    service: OnceLock<Arc<FleetService>>,
    samples: Samples,
    subscriptions: Subscriptions,
}

impl Desktop {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Starts the fleet; the window follows along with [`Desktop::startup`].
    pub async fn start(self: Arc<Self>, config: ServiceConfig) {
        let started =
            FleetService::start_reporting(config, &|stage| self.startup.reached(stage)).await;
        match started {
            Ok(service) => {
                self.samples.follow(&service.bus);
                // Only this task sets it; a second start is not possible.
                let _ = self.service.set(service);
                self.startup.ready();
                tracing::info!("embedded fleet ready");
            }
            Err(error) => {
                let detail = error_chain(&error);
                tracing::warn!(error = %detail, "embedded fleet failed to start");
                self.startup.failed(detail);
            }
        }
    }

    /// Starts the fleet from a configuration that could not be made.
    pub fn config_failed(&self, detail: String) {
        self.startup.failed(detail);
    }

    /// The embedded fleet once it runs, for callers that need the library
    /// itself (the window never does).
    pub fn fleet(&self) -> Option<&Arc<FleetService>> {
        self.service.get()
    }

    pub fn startup(&self) -> Startup {
        self.startup.snapshot()
    }

    fn service(&self) -> Result<&Arc<FleetService>, DesktopError> {
        self.service.get().ok_or_else(|| {
            DesktopError::new(
                ErrorKind::NotReady,
                "the fleet is not running yet: see the start-up steps",
            )
        })
    }

    /// Ends a live stream (`watch_fleet`, `follow_logs`).
    pub fn unsubscribe(&self, id: u32) -> bool {
        self.subscriptions.end(id)
    }

    pub fn live_subscriptions(&self) -> usize {
        self.subscriptions.count()
    }
}
