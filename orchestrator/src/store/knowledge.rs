//! `agent_knowledge`: an agent's long-term memory, key/value with optional expiry.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;

use super::dialect::on_store;
use super::{Page, Paged, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct KnowledgeEntry {
    pub key: String,
    #[sqlx(json)]
    pub value: Value,
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A live entry with the agent it belongs to, as `GET /knowledge` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentKnowledge {
    pub agent_id: String,
    #[serde(flatten)]
    pub entry: KnowledgeEntry,
}

#[derive(sqlx::FromRow)]
struct FleetRow {
    id: i64,
    agent_id: String,
    #[sqlx(flatten)]
    entry: KnowledgeEntry,
}

const LIVE: &str = "(expires_at IS NULL OR expires_at > $2)";

impl Store {
    /// Sets `key` for `agent_id`, replacing an earlier value and expiry.
    pub async fn put_knowledge(
        &self,
        agent_id: &str,
        key: &str,
        value: &Value,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let now = Utc::now();
        on_store!(self, pool, d => {
            sqlx::query(
                "INSERT INTO agent_knowledge (agent_id, key, value, created_at, updated_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $4, $5) ON CONFLICT (agent_id, key) DO UPDATE SET \
                 value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at",
            )
            .bind(agent_id)
            .bind(key)
            .bind(Json(value))
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live value of `key`; an expired one reads as absent.
    pub async fn knowledge(
        &self,
        agent_id: &str,
        key: &str,
    ) -> Result<Option<KnowledgeEntry>, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT key, value, updated_at, expires_at FROM agent_knowledge \
                 WHERE agent_id = $1 AND {LIVE} AND key = $3"
            ))
            .bind(agent_id)
            .bind(Utc::now())
            .bind(key)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Every live entry of an agent, by key.
    pub async fn all_knowledge(&self, agent_id: &str) -> Result<Vec<KnowledgeEntry>, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT key, value, updated_at, expires_at FROM agent_knowledge \
                 WHERE agent_id = $1 AND {LIVE} ORDER BY key"
            ))
            .bind(agent_id)
            .bind(Utc::now())
            .fetch_all(pool)
            .await?
        }))
    }

    /// Live entries of every agent (or of `agent_id`), newest first.
    pub async fn knowledge_page(
        &self,
        agent_id: Option<&str>,
        page: &Page,
    ) -> Result<Paged<AgentKnowledge>, StoreError> {
        let rows: Vec<FleetRow> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT id, agent_id, key, value, updated_at, expires_at FROM agent_knowledge \
                 WHERE ($1 IS NULL OR agent_id = $1) AND {LIVE} AND ($3 IS NULL OR id < $3) \
                 ORDER BY id DESC LIMIT $4"
            ))
            .bind(agent_id)
            .bind(Utc::now())
            .bind(page.before)
            .bind(page.fetch())
            .fetch_all(pool)
            .await?
        });
        let rows = rows
            .into_iter()
            .map(|row| {
                (
                    row.id,
                    AgentKnowledge {
                        agent_id: row.agent_id,
                        entry: row.entry,
                    },
                )
            })
            .collect();
        Ok(Paged::from_rows(rows, page))
    }

    pub async fn delete_knowledge(&self, agent_id: &str, key: &str) -> Result<bool, StoreError> {
        let deleted = on_store!(self, pool, d => {
            sqlx::query("DELETE FROM agent_knowledge WHERE agent_id = $1 AND key = $2")
                .bind(agent_id)
                .bind(key)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted > 0)
    }

    /// Drops expired entries of every agent; returns how many.
    pub async fn purge_expired_knowledge(&self) -> Result<u64, StoreError> {
        Ok(on_store!(self, pool, d => {
            sqlx::query("DELETE FROM agent_knowledge WHERE expires_at IS NOT NULL AND expires_at <= $1")
                .bind(Utc::now())
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }
}
