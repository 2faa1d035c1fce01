//! The wire protocol shared by the orchestrator and every agent container.
//!
//! JSON field names and enum strings follow the seed plan (MAS v2) exactly;
//! `docs/protocol.md` is the prose contract for everything here.

#[macro_use]
mod string_enum;

mod artifact;
mod category;
mod command;
mod config;
mod credentials;
mod decision;
mod error;
mod identifiers;
pub mod integral;
mod knowledge;
mod message;
mod metrics;
pub mod names;
mod priority;
mod privilege;
mod snapshot;
mod state;
mod status;
mod task;

pub use artifact::{
    Artifact, ArtifactError, ArtifactRef, ARTIFACTS_FIELD, MAX_ARTIFACTS_PER_TASK,
    MAX_ARTIFACT_BYTES,
};
pub use category::AgentCategory;
pub use command::{AgentCommand, HealthResponse, Heartbeat};
pub use config::{
    validate_agent_id, AgentConfig, MAX_CONCURRENT_TASKS, MAX_INTERVAL_SECONDS, MAX_RESTARTS,
    MAX_TIMEOUT_SECONDS, MIN_CPUS, MIN_MEMORY_MB,
};
pub use credentials::{CredentialBundle, CredentialRef, CredentialReply, CredentialRequest};
pub use decision::{Decision, RuleCheck, Verdict};
pub use error::ProtocolError;
pub use identifiers::{
    validate_kind, validate_task_type, AGENT_ID_PATTERN, KIND_PATTERN, TASK_TYPE_PATTERN,
};
pub use knowledge::{KnowledgeOp, KnowledgeReply, KnowledgeRequest};
pub use message::{AgentMessage, MessageType};
pub use metrics::AgentMetrics;
pub use priority::TaskPriority;
pub use privilege::{Privilege, DOCKER_SOCKET_IN_AGENT};
pub use snapshot::AgentSnapshot;
pub use state::AgentState;
pub use status::AgentStatus;
pub use task::{AgentTask, TaskStatus, DEFAULT_TASK_TIMEOUT_SECONDS};
