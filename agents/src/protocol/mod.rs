//! The wire protocol shared by the orchestrator and every agent container.
//!
//! JSON field names and enum strings follow the seed plan (MAS v2) exactly;
//! `docs/protocol.md` is the prose contract for everything here.

#[macro_use]
mod string_enum;

mod category;
mod command;
mod config;
mod error;
mod knowledge;
mod message;
mod metrics;
pub mod names;
mod priority;
mod snapshot;
mod state;
mod status;
mod task;

pub use category::AgentCategory;
pub use command::{AgentCommand, HealthResponse, Heartbeat};
pub use config::{validate_agent_id, AgentConfig};
pub use error::ProtocolError;
pub use knowledge::{KnowledgeOp, KnowledgeReply, KnowledgeRequest};
pub use message::{AgentMessage, MessageType};
pub use metrics::AgentMetrics;
pub use priority::TaskPriority;
pub use snapshot::AgentSnapshot;
pub use state::AgentState;
pub use status::AgentStatus;
pub use task::{AgentTask, TaskStatus};
