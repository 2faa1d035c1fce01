use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::TaskPriority;

string_enum! {
    /// Kinds of agent-to-agent messages.
    MessageType("message type") {
        Request = "request",
        Response = "response",
        Event = "event",
        Command = "command",
        Heartbeat = "heartbeat",
        Broadcast = "broadcast",
        Ack = "ack",
    }
}

/// Messages live an hour unless the sender says otherwise.
pub const DEFAULT_MESSAGE_TTL_SECONDS: u64 = 3600;

fn default_ttl() -> u64 {
    DEFAULT_MESSAGE_TTL_SECONDS
}

/// An agent-to-agent message, as the seed's `AgentMessage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentMessage {
    #[serde(default = "Uuid::new_v4")]
    pub id: Uuid,
    pub from_agent: String,
    pub to_agent: String,
    pub message_type: MessageType,
    #[serde(default)]
    pub payload: Value,
    #[serde(default)]
    pub priority: TaskPriority,
    #[serde(default)]
    pub requires_ack: bool,
    #[serde(default = "Utc::now")]
    pub timestamp: DateTime<Utc>,
    #[serde(default)]
    pub correlation_id: Option<Uuid>,
    /// Seconds after `timestamp` when the message is dropped undelivered.
    #[serde(default = "default_ttl")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ttl: u64,
}

impl AgentMessage {
    pub fn new(
        from_agent: impl Into<String>,
        to_agent: impl Into<String>,
        message_type: MessageType,
        payload: Value,
    ) -> Self {
        Self {
            id: Uuid::new_v4(),
            from_agent: from_agent.into(),
            to_agent: to_agent.into(),
            message_type,
            payload,
            priority: TaskPriority::default(),
            requires_ack: false,
            timestamp: Utc::now(),
            correlation_id: None,
            ttl: DEFAULT_MESSAGE_TTL_SECONDS,
        }
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        let ttl = i64::try_from(self.ttl).unwrap_or(i64::MAX);
        Duration::try_seconds(ttl)
            .and_then(|ttl| self.timestamp.checked_add_signed(ttl))
            .is_some_and(|expiry| now >= expiry)
    }

    /// A response to this message, matched to it by `correlation_id`.
    pub fn reply(&self, payload: Value) -> Self {
        let mut response = Self::new(
            self.to_agent.clone(),
            self.from_agent.clone(),
            MessageType::Response,
            payload,
        );
        response.priority = self.priority;
        response.correlation_id = Some(self.id);
        response
    }
}
