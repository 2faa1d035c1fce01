//! `hosts`: saved connection profiles (no key material: a key file path,
//! a keyring secret name or an ssh-agent).

use chrono::Utc;
use sqlx::types::Json;

use super::dialect::on_store;
use super::{Store, StoreError};
use crate::hosts::HostProfile;

impl Store {
    /// Saves a profile, replacing one of the same name.
    pub async fn put_host(&self, profile: &HostProfile) -> Result<(), StoreError> {
        let now = Utc::now();
        on_store!(self, pool, d => {
            sqlx::query(
                "INSERT INTO hosts (name, profile, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (name) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
            )
            .bind(&profile.name)
            .bind(Json(profile))
            .bind(now)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn hosts(&self) -> Result<Vec<HostProfile>, StoreError> {
        let rows: Vec<Json<HostProfile>> = on_store!(self, pool, d => {
            sqlx::query_scalar("SELECT profile FROM hosts ORDER BY name")
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|Json(profile)| profile).collect())
    }

    pub async fn host(&self, name: &str) -> Result<Option<HostProfile>, StoreError> {
        Ok(self.hosts().await?.into_iter().find(|h| h.name == name))
    }

    pub async fn delete_host(&self, name: &str) -> Result<bool, StoreError> {
        let deleted = on_store!(self, pool, d => {
            sqlx::query("DELETE FROM hosts WHERE name = $1")
                .bind(name)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted > 0)
    }
}
