//! `agent_messages`: every agent-to-agent message that went through the orchestrator.

use chrono::{DateTime, Utc};
use myca_agents::protocol::{AgentMessage, MessageType, TaskPriority};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::dialect::on_store;
use super::{Page, Paged, Store, StoreError, BATCH_ROWS};

/// Which messages to list; both filters apply when both are given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MessageFilter {
    pub agent_id: Option<String>,
    pub correlation_id: Option<Uuid>,
}

impl MessageFilter {
    pub fn agent(agent_id: &str) -> Self {
        Self {
            agent_id: Some(agent_id.to_owned()),
            correlation_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    #[serde(flatten)]
    pub message: AgentMessage,
    pub acknowledged: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    message_id: String,
    from_agent: String,
    to_agent: String,
    message_type: String,
    payload: Json<Value>,
    priority: i32,
    timestamp: DateTime<Utc>,
    correlation_id: Option<String>,
    acknowledged: bool,
}

const COLUMNS: &str =
    "CAST(id AS BIGINT) AS id, CAST(message_id AS TEXT) AS message_id, from_agent, to_agent, \
    message_type, payload, priority, timestamp, CAST(correlation_id AS TEXT) AS correlation_id, \
    acknowledged";

impl TryFrom<Row> for StoredMessage {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let corrupt = |what: &str, value: &str| StoreError::Corrupt {
            table: "agent_messages",
            detail: format!("{what} {value:?}"),
        };
        let uuid = |value: &str| Uuid::parse_str(value).map_err(|_| corrupt("uuid", value));
        let mut message = AgentMessage::new(
            row.from_agent,
            row.to_agent,
            row.message_type
                .parse::<MessageType>()
                .map_err(|_| corrupt("message_type", &row.message_type))?,
            row.payload.0,
        );
        message.id = uuid(&row.message_id)?;
        message.priority = TaskPriority::try_from(i64::from(row.priority))
            .map_err(|_| corrupt("priority", &row.priority.to_string()))?;
        message.timestamp = row.timestamp;
        message.correlation_id = row.correlation_id.as_deref().map(uuid).transpose()?;
        Ok(Self {
            message,
            acknowledged: row.acknowledged,
        })
    }
}

impl Store {
    /// Stores messages; one already stored (same id) is left as it is.
    pub async fn insert_messages(&self, messages: &[AgentMessage]) -> Result<(), StoreError> {
        if messages.is_empty() {
            return Ok(());
        }
        on_store!(self, pool, d => {
            let mut tx = pool.begin().await?;
            for chunk in messages.chunks(BATCH_ROWS) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO agent_messages (message_id, from_agent, to_agent, message_type, \
                     payload, priority, timestamp, correlation_id) ",
                );
                insert.push_values(chunk, |mut row, m| {
                    row.push_bind(d::uuid(m.id))
                        .push_bind(&m.from_agent)
                        .push_bind(&m.to_agent)
                        .push_bind(m.message_type.as_str())
                        .push_bind(Json(&m.payload))
                        .push_bind(i32::from(m.priority.value()))
                        .push_bind(m.timestamp)
                        .push_bind(m.correlation_id.map(d::uuid));
                });
                insert.push(" ON CONFLICT (message_id) DO NOTHING");
                insert.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn acknowledge_message(&self, message_id: Uuid) -> Result<bool, StoreError> {
        let updated = on_store!(self, pool, d => {
            sqlx::query("UPDATE agent_messages SET acknowledged = TRUE WHERE message_id = $1")
                .bind(d::uuid(message_id))
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(updated > 0)
    }

    /// A message by its id.
    pub async fn message(&self, id: Uuid) -> Result<Option<StoredMessage>, StoreError> {
        let row: Option<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM agent_messages WHERE message_id = $1"))
                .bind(d::uuid(id))
                .fetch_optional(pool)
                .await?
        });
        row.map(StoredMessage::try_from).transpose()
    }

    /// Messages newest first: those an agent sent or received, the replies
    /// and acknowledgements to one message, or both (every message when
    /// neither is given).
    pub async fn messages(
        &self,
        filter: &MessageFilter,
        page: &Page,
    ) -> Result<Paged<StoredMessage>, StoreError> {
        let rows: Vec<Row> = on_store!(self, pool, d => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM agent_messages \
                 WHERE ($1 IS NULL OR from_agent = $1 OR to_agent = $1) \
                 AND ($2 IS NULL OR correlation_id = $2) \
                 AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
            ))
            .bind(filter.agent_id.as_deref())
            .bind(filter.correlation_id.map(d::uuid))
            .bind(page.before)
            .bind(page.fetch())
            .fetch_all(pool)
            .await?
        });
        let rows = rows
            .into_iter()
            .map(|row| Ok((row.id, StoredMessage::try_from(row)?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(Paged::from_rows(rows, page))
    }
}
