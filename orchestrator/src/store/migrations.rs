//! Embedded migrations, one folder per backend (`migrations/sqlite`, `migrations/postgres`).

use sqlx::migrate::Migrator;
use sqlx::{PgPool, SqlitePool};

use super::StoreError;

pub(super) static SQLITE: Migrator = sqlx::migrate!("../migrations/sqlite");
pub(super) static POSTGRES: Migrator = sqlx::migrate!("../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: u32,
    pub available: u32,
}

impl MigrationStatus {
    pub fn up_to_date(&self) -> bool {
        self.applied == self.available
    }
}

fn available(migrator: &Migrator) -> u32 {
    u32::try_from(migrator.iter().count()).unwrap_or(u32::MAX)
}

fn status(applied: i64, migrator: &Migrator) -> MigrationStatus {
    MigrationStatus {
        applied: u32::try_from(applied).unwrap_or(0),
        available: available(migrator),
    }
}

pub(super) async fn status_sqlite(pool: &SqlitePool) -> Result<MigrationStatus, StoreError> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(pool)
    .await?;
    let applied = if has_table == 0 {
        0
    } else {
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await?
    };
    Ok(status(applied, &SQLITE))
}

pub(super) async fn status_postgres(pool: &PgPool) -> Result<MigrationStatus, StoreError> {
    let has_table: bool = sqlx::query_scalar(
        "SELECT to_regclass(current_schema() || '._sqlx_migrations') IS NOT NULL",
    )
    .fetch_one(pool)
    .await?;
    let applied = if has_table {
        sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await?
    } else {
        0
    };
    Ok(status(applied, &POSTGRES))
}
