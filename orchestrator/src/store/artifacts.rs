//! `task_artifacts`: the files tasks produce, kept with their task.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dialect::on_store;
use super::{Store, StoreError};

/// A stored artifact with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArtifact {
    pub id: Uuid,
    pub task_id: Uuid,
    pub agent_id: String,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub data: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    task_id: String,
    agent_id: String,
    name: String,
    content_type: String,
    sha256: String,
    data: Vec<u8>,
    created_at: DateTime<Utc>,
}

fn parse_uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|error| StoreError::Corrupt {
        table: "task_artifacts",
        detail: error.to_string(),
    })
}

impl TryFrom<Row> for StoredArtifact {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse_uuid(&row.id)?,
            task_id: parse_uuid(&row.task_id)?,
            agent_id: row.agent_id,
            name: row.name,
            content_type: row.content_type,
            sha256: row.sha256,
            data: row.data,
            created_at: row.created_at,
        })
    }
}

impl Store {
    /// Keeps an artifact; storing the same id again (a redelivered result)
    /// changes nothing.
    pub async fn insert_artifact(&self, artifact: &StoredArtifact) -> Result<(), StoreError> {
        let size = i64::try_from(artifact.data.len()).unwrap_or(i64::MAX);
        on_store!(self, pool, d => {
            sqlx::query(
                "INSERT INTO task_artifacts (id, task_id, agent_id, name, content_type, size, \
                 sha256, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(d::uuid(artifact.id))
            .bind(d::uuid(artifact.task_id))
            .bind(&artifact.agent_id)
            .bind(&artifact.name)
            .bind(&artifact.content_type)
            .bind(size)
            .bind(&artifact.sha256)
            .bind(&artifact.data)
            .bind(artifact.created_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Task `task_id`'s artifact `id`, with its bytes.
    pub async fn artifact(
        &self,
        task_id: Uuid,
        id: Uuid,
    ) -> Result<Option<StoredArtifact>, StoreError> {
        let row: Option<Row> = on_store!(self, pool, d => {
            sqlx::query_as(
                "SELECT CAST(id AS TEXT) AS id, CAST(task_id AS TEXT) AS task_id, agent_id, name, \
                 content_type, sha256, data, created_at FROM task_artifacts \
                 WHERE id = $1 AND task_id = $2",
            )
            .bind(d::uuid(id))
            .bind(d::uuid(task_id))
            .fetch_optional(pool)
            .await?
        });
        row.map(StoredArtifact::try_from).transpose()
    }
}
