//! The artifacts that come with a task's result, stored before the result
//! itself so a completed task never names an artifact the store lacks.

use chrono::Utc;
use myca_agents::protocol::{AgentTask, Artifact};

use super::{LedgerError, TaskLedger};
use crate::store::StoredArtifact;

impl TaskLedger {
    /// Stores `artifacts` of `task`; one that fails its size or SHA-256
    /// check is dropped with a warning (its reference then finds nothing).
    pub(super) async fn keep_artifacts(
        &self,
        task: &AgentTask,
        artifacts: &[Artifact],
    ) -> Result<(), LedgerError> {
        for artifact in artifacts {
            let data = match artifact.bytes() {
                Ok(data) => data,
                Err(error) => {
                    tracing::warn!(task_id = %task.id, %error, "artifact dropped");
                    continue;
                }
            };
            let reference = &artifact.reference;
            let stored = StoredArtifact {
                id: reference.id,
                task_id: task.id,
                agent_id: task.agent_id.clone(),
                name: reference.name.clone(),
                content_type: reference.content_type.clone(),
                sha256: reference.sha256.clone(),
                data,
                created_at: Utc::now(),
            };
            self.store.insert_artifact(&stored).await?;
        }
        Ok(())
    }
}
