//! Gap detection and the agent factory: required agents that are missing,
//! filled from templates — at once where policy allows, after a person's
//! approval (persisted, audited) where it does not.

mod detector;
mod requirements;
mod templates;

use chrono::Utc;
use myca_agents::protocol::{AgentConfig, Privilege};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::hostset::{HostSet, HostSetError};
use crate::pool::{PoolError, PooledAgent};
use crate::store::{Approval, ApprovalStatus, Store, StoreError};

pub use detector::{detect, Gap, GapType, Severity};
pub use requirements::{RequiredAgent, Requirements, Watched, REQUIREMENTS_KEY};
pub use templates::{
    config_from_template, template_for, validate_new, Template, TemplateError, TEMPLATES,
};

const SPAWN_AGENT: &str = "spawn_agent";
/// The audit trail's actor for what the detector does by itself.
pub const AUTO_FILLER: &str = "gap-detector";

#[derive(Debug, thiserror::Error)]
pub enum GapError {
    #[error("{0:?} is not a gap: no missing required agent has that id")]
    NotAGap(String),
    #[error("no approval {0}")]
    UnknownApproval(Uuid),
    #[error("approval {0} was already decided")]
    AlreadyDecided(Uuid),
    #[error("invalid requirements: {0}")]
    InvalidRequirements(String),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Placement(#[from] HostSetError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored requirements are unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// What filling a gap did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Filled {
    Spawned { agent: PooledAgent },
    AwaitingApproval { approval: Approval },
    Rejected { approval: Approval },
}

#[derive(Clone)]
pub struct GapFactory {
    store: Store,
    hosts: HostSet,
}

impl GapFactory {
    pub fn new(store: Store, hosts: HostSet) -> Self {
        Self { store, hosts }
    }

    pub async fn requirements(&self) -> Result<Requirements, GapError> {
        Ok(match self.store.setting(REQUIREMENTS_KEY).await? {
            Some(value) => serde_json::from_value(value)?,
            None => Requirements::default(),
        })
    }

    pub async fn set_requirements(
        &self,
        requirements: &Requirements,
        by: &str,
    ) -> Result<(), GapError> {
        requirements
            .validate()
            .map_err(GapError::InvalidRequirements)?;
        let value = serde_json::to_value(requirements)?;
        self.store.put_setting(REQUIREMENTS_KEY, &value).await?;
        self.store
            .record_audit(by, "requirements_changed", REQUIREMENTS_KEY, &value)
            .await?;
        Ok(())
    }

    async fn existing(&self) -> Result<Vec<String>, GapError> {
        // Agents of a host that is away still exist: they are no gap.
        Ok(self
            .hosts
            .all_agents()
            .await
            .into_iter()
            .map(|placed| placed.agent.agent_id)
            .collect())
    }

    pub async fn gaps(&self) -> Result<Vec<Gap>, GapError> {
        Ok(detect(&self.requirements().await?, &self.existing().await?))
    }

    /// Fills the gap of `agent_id`: spawns it, or files (once) an approval
    /// request; `grants` are the privileges the filler gives it (the
    /// detector's own fills give none, so a kind that needs one stays a gap).
    pub async fn fill(
        &self,
        agent_id: &str,
        requested_by: &str,
        grants: &[Privilege],
    ) -> Result<Filled, GapError> {
        let existing = self.existing().await?;
        let gap = detect(&self.requirements().await?, &existing)
            .into_iter()
            .find(|g| g.agent_id == agent_id)
            .ok_or_else(|| GapError::NotAGap(agent_id.to_owned()))?;
        let mut config = config_from_template(&gap.agent_id, &gap.agent_type, gap.category);
        config.grants = grants.to_vec();
        validate_new(&config, &existing)?;
        if !gap.requires_approval {
            return self.create(&config, requested_by).await;
        }
        if let Some(approval) = self.store.pending_approval(SPAWN_AGENT, agent_id).await? {
            return Ok(Filled::AwaitingApproval { approval });
        }
        let approval = Approval {
            id: Uuid::new_v4(),
            kind: SPAWN_AGENT.to_owned(),
            subject: agent_id.to_owned(),
            request: json!({ "config": config, "gap": gap }),
            status: ApprovalStatus::Pending,
            requested_at: Utc::now(),
            decided_by: None,
            decided_at: None,
            comment: None,
        };
        self.store.insert_approval(&approval).await?;
        self.store
            .record_audit(
                requested_by,
                "approval_requested",
                agent_id,
                &json!({ "approval": approval.id }),
            )
            .await?;
        Ok(Filled::AwaitingApproval { approval })
    }

    /// When requirements ask for it, fills every gap the runtime can fill
    /// (a kind it runs); returns what was done. Others stay listed as gaps.
    pub async fn auto_fill(&self) -> Result<Vec<Filled>, GapError> {
        if !self.requirements().await?.auto_create {
            return Ok(Vec::new());
        }
        let mut done = Vec::new();
        for gap in self.gaps().await? {
            if myca_agents::runtime::handlers::ensure_known_kind(&gap.agent_type).is_err() {
                continue;
            }
            match self.fill(&gap.agent_id, AUTO_FILLER, &[]).await {
                Ok(filled) => done.push(filled),
                Err(error) => tracing::warn!(%error, agent_id = %gap.agent_id, "gap not filled"),
            }
        }
        Ok(done)
    }

    async fn create(&self, config: &AgentConfig, by: &str) -> Result<Filled, GapError> {
        let host = self.hosts.place(config, config.host.as_deref()).await?;
        let agent = host.pool.spawn(config).await?;
        self.store
            .record_audit(
                by,
                "agent_created",
                &config.agent_id,
                &json!({ "agent_type": config.agent_type }),
            )
            .await?;
        Ok(Filled::Spawned { agent })
    }

    /// Approves (and spawns) or rejects a pending request, recording who and when.
    pub async fn decide(
        &self,
        id: Uuid,
        approve: bool,
        by: &str,
        comment: Option<&str>,
    ) -> Result<Filled, GapError> {
        let approval = self
            .store
            .approval(id)
            .await?
            .ok_or(GapError::UnknownApproval(id))?;
        if approval.status != ApprovalStatus::Pending {
            return Err(GapError::AlreadyDecided(id));
        }
        let config: AgentConfig = serde_json::from_value(approval.request["config"].clone())?;
        if approve {
            // Checked again: the agent may have been created meanwhile.
            validate_new(&config, &self.existing().await?)?;
        }
        let status = if approve {
            ApprovalStatus::Approved
        } else {
            ApprovalStatus::Rejected
        };
        if !self.store.decide_approval(id, status, by, comment).await? {
            return Err(GapError::AlreadyDecided(id));
        }
        let decided = self
            .store
            .approval(id)
            .await?
            .ok_or(GapError::UnknownApproval(id))?;
        if approve {
            self.create(&config, by).await
        } else {
            Ok(Filled::Rejected { approval: decided })
        }
    }
}
