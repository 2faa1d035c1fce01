//! The SQL store: SQLite (embedded default) or PostgreSQL, behind one type.
//!
//! Two typed pools rather than sqlx's `Any` driver, which cannot decode
//! PostgreSQL's TIMESTAMPTZ or JSONB columns.

mod actions;
mod approvals;
mod artifacts;
mod dialect;
mod flows;
mod hosts;
mod knowledge;
mod messages;
mod metrics;
mod migrations;
mod page;
mod retention;
mod snapshots;
mod summary;
mod task_cursor;
mod tasks;

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use ts_rs::TS;

use crate::config::DatabaseTarget;
use crate::redact::redact_url;

pub use actions::{AgentAction, StoredAction};
pub use approvals::{Approval, ApprovalStatus, AuditEntry, NewAudit};
pub use artifacts::StoredArtifact;
pub use knowledge::{AgentKnowledge, KnowledgeEntry};
pub use messages::{MessageFilter, StoredMessage};
pub use migrations::MigrationStatus;
pub use page::{Page, Paged, DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS};
pub use retention::HistoryRetention;
pub use snapshots::{SnapshotRetention, SnapshotSummary, StoredSnapshot};
pub use summary::{ActivitySummary, RecentError};
pub use task_cursor::{TaskCursor, TASK_CURSOR_PATTERN};
pub use tasks::{LedgerEntry, Route, TaskFilter};

/// Rows per multi-row INSERT: well under both backends' bind-parameter limits.
const BATCH_ROWS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum StoreBackend {
    Sqlite,
    Postgres,
}

impl std::fmt::Display for StoreBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            StoreBackend::Sqlite => "SQLite",
            StoreBackend::Postgres => "PostgreSQL",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open {target}: {source}")]
    Open { target: String, source: sqlx::Error },
    #[error("migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{table} holds an unreadable value: {detail}")]
    Corrupt { table: &'static str, detail: String },
    #[error("SQL error: {0}")]
    Sql(#[from] sqlx::Error),
    /// A write the task state machine forbids; nothing was written.
    #[error(transparent)]
    IllegalTransition(myca_agents::protocol::ProtocolError),
    /// The compare-and-set missed: another writer changed the task first.
    #[error("task {task_id} changed meanwhile: it is no longer {expected} at retry {retries}")]
    TaskChanged {
        task_id: uuid::Uuid,
        expected: myca_agents::protocol::TaskStatus,
        retries: u32,
    },
}

#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Store {
    /// Opens (creating an SQLite file and its directory if needed) without
    /// migrating; see [`Store::open_and_migrate`].
    pub async fn open(target: &DatabaseTarget) -> Result<Self, StoreError> {
        match target {
            DatabaseTarget::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                        path: dir.display().to_string(),
                        source,
                    })?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    // WAL lets the UI read while writers append history.
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .connect_with(options)
                    .await
                    .map_err(|source| StoreError::Open {
                        target: path.display().to_string(),
                        source,
                    })?;
                Ok(Self::Sqlite(pool))
            }
            DatabaseTarget::Postgres(url) => {
                let open_error = |source| StoreError::Open {
                    target: redact_url(url),
                    source,
                };
                let options =
                    sqlx::postgres::PgConnectOptions::from_str(url).map_err(open_error)?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(std::time::Duration::from_secs(5))
                    .connect_with(options)
                    .await
                    .map_err(open_error)?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    pub async fn open_and_migrate(target: &DatabaseTarget) -> Result<Self, StoreError> {
        let store = Self::open(target).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> StoreBackend {
        match self {
            Store::Sqlite(_) => StoreBackend::Sqlite,
            Store::Postgres(_) => StoreBackend::Postgres,
        }
    }

    /// Applies pending migrations; running it again changes nothing.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(pool) => migrations::SQLITE.run(pool).await?,
            Store::Postgres(pool) => migrations::POSTGRES.run(pool).await?,
        }
        Ok(())
    }

    pub async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        match self {
            Store::Sqlite(pool) => migrations::status_sqlite(pool).await,
            Store::Postgres(pool) => migrations::status_postgres(pool).await,
        }
    }

    /// Names of the tables in the store, for checks and diagnostics.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let names = match self {
            Store::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                )
                .fetch_all(pool)
                .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() ORDER BY table_name",
                )
                .fetch_all(pool)
                .await?
            }
        };
        Ok(names)
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }
}
