//! The orchestrator handle shared by the desktop app and the `myca` binary.

use chrono::Utc;
use tokio::sync::Mutex;

use crate::config::{DatabaseTarget, OrchestratorConfig};
use crate::docker;
use crate::redact::redact_url;
use crate::status::{self, ServiceStatus, SystemStatus};
use crate::store::{Store, StoreError};

pub struct Orchestrator {
    config: OrchestratorConfig,
    /// Opened on first use and kept; a failed open is retried on the next use,
    /// so a database that comes up later is picked up without a restart.
    store: Mutex<Option<Store>>,
}

impl Orchestrator {
    pub fn new(config: OrchestratorConfig) -> Self {
        Self {
            config,
            store: Mutex::new(None),
        }
    }

    pub fn config(&self) -> &OrchestratorConfig {
        &self.config
    }

    /// The SQL store, opened and migrated on first use.
    pub async fn store(&self) -> Result<Store, StoreError> {
        let mut slot = self.store.lock().await;
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store = Store::open_and_migrate(&self.config.database).await?;
        *slot = Some(store.clone());
        Ok(store)
    }

    /// Checks the Docker engine, Redis and the SQL store concurrently. Never
    /// fails: a service that cannot be reached is reported down with why.
    pub async fn status(&self) -> SystemStatus {
        let docker = async {
            let docker = docker::connect_local(&self.config.docker_socket).await?;
            status::probe_docker(&docker).await
        };
        let redis = async {
            let client = redis::Client::open(self.config.redis_url.as_str())?;
            status::probe_redis(&client).await
        };
        let store = async {
            let store = self.store().await?;
            status::probe_store(&store).await
        };
        let (docker, redis, store) = tokio::join!(
            status::timed_probe(docker),
            status::timed_probe(redis),
            status::timed_probe(store),
        );
        SystemStatus {
            checked_at: Utc::now(),
            docker: ServiceStatus {
                endpoint: self.config.docker_socket.display().to_string(),
                probe: docker,
            },
            redis: ServiceStatus {
                endpoint: redact_url(&self.config.redis_url),
                probe: redis,
            },
            store: ServiceStatus {
                endpoint: store_endpoint(&self.config.database),
                probe: store,
            },
        }
    }

    pub async fn shutdown(&self) {
        if let Some(store) = self.store.lock().await.take() {
            store.close().await;
        }
    }
}

fn store_endpoint(target: &DatabaseTarget) -> String {
    match target {
        DatabaseTarget::Sqlite(path) => format!("sqlite:{}", path.display()),
        DatabaseTarget::Postgres(url) => redact_url(url),
    }
}
