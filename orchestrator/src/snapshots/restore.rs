//! Reviving an agent from a stored snapshot.

use myca_agents::protocol::names::{conversation_key, CONVERSATION_TTL_SECONDS};
use myca_agents::protocol::{validate_agent_id, AgentConfig, TaskStatus};
use serde::Serialize;
use serde_json::Value;

use super::{SnapshotError, SnapshotManager};
use crate::broker::Broker;
use crate::pool::PooledAgent;
use crate::scrub::REDACTED;

/// What a restore did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Restored {
    pub agent: PooledAgent,
    /// Ids of the tasks queued again for the restored agent.
    pub requeued: Vec<uuid::Uuid>,
    pub knowledge_restored: usize,
    pub conversation_restored: usize,
    /// Secret settings and variables a snapshot never holds: the restored
    /// agent runs without them until they are provided again.
    pub secrets_to_provide: Vec<String>,
}

impl SnapshotManager {
    /// Spawns an agent from snapshot `id` — as `agent_id`, or under the
    /// snapshot's own id — with its knowledge and conversation put back and
    /// its pending tasks queued for it again. A task the original agent had
    /// already recorded is not recorded twice (its done marker stays).
    pub async fn restore(
        &self,
        id: i64,
        agent_id: Option<&str>,
    ) -> Result<Restored, SnapshotError> {
        let stored = self
            .store
            .snapshot(id)
            .await?
            .ok_or(SnapshotError::Unknown(id))?;
        let snapshot = stored.snapshot;
        let target = agent_id.unwrap_or(&snapshot.agent_id).to_owned();
        validate_agent_id(&target)?;
        let mut config = snapshot.config.clone();
        config.agent_id = target.clone();
        // Placed afresh: the snapshot's host may be gone, busy or disabled.
        config.host = None;
        let host = self.hosts.place(&config, None).await?;
        let secrets_to_provide = without_redacted(&mut config);

        let knowledge = snapshot
            .memory_state
            .get("knowledge")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, entry) in &knowledge {
            let value = entry.get("value").cloned().unwrap_or(Value::Null);
            let expires_at = entry
                .get("expires_at")
                .and_then(|e| serde_json::from_value(e.clone()).ok());
            self.store
                .put_knowledge(&target, key, &value, expires_at)
                .await?;
        }
        let conversation = snapshot
            .memory_state
            .get("short_term")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let broker = &host.broker.broker;
        self.restore_conversation(broker, &target, &conversation)
            .await?;

        let agent = host.pool.spawn(&config).await?;
        let mut requeued = Vec::new();
        for mut task in snapshot.pending_tasks {
            task.agent_id = target.clone();
            task.status = TaskStatus::Pending;
            task.started_at = None;
            task.completed_at = None;
            broker.submit_to_agent(&task).await?;
            requeued.push(task.id);
        }
        tracing::info!(snapshot = id, agent_id = %target, requeued = requeued.len(), "agent restored");
        Ok(Restored {
            agent,
            requeued,
            knowledge_restored: knowledge.len(),
            conversation_restored: conversation.len(),
            secrets_to_provide,
        })
    }

    async fn restore_conversation(
        &self,
        broker: &Broker,
        agent_id: &str,
        entries: &[Value],
    ) -> Result<(), SnapshotError> {
        if entries.is_empty() {
            return Ok(());
        }
        let key = conversation_key(agent_id);
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("DEL").arg(&key).ignore();
        // Oldest first, so the newest ends up at the head as agents keep it.
        for entry in entries {
            pipe.cmd("LPUSH").arg(&key).arg(entry.to_string()).ignore();
        }
        pipe.cmd("EXPIRE")
            .arg(&key)
            .arg(CONVERSATION_TTL_SECONDS)
            .ignore();
        let mut connection = broker.connection();
        pipe.query_async::<()>(&mut connection)
            .await
            .map_err(|e| SnapshotError::Broker(e.into()))
    }
}

/// Drops masked secrets from a configuration; returns their names.
fn without_redacted(config: &mut AgentConfig) -> Vec<String> {
    let mut names: Vec<String> = config
        .environment
        .iter()
        .filter(|(_, value)| value.as_str() == REDACTED)
        .map(|(key, _)| key.clone())
        .collect();
    config.environment.retain(|_, value| value != REDACTED);
    let settings: Vec<String> = config
        .settings
        .iter()
        .filter(|(_, value)| value.as_str() == Some(REDACTED))
        .map(|(key, _)| key.clone())
        .collect();
    for key in &settings {
        config.settings.remove(key);
    }
    names.extend(settings);
    names
}
