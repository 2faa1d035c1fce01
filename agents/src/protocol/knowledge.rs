use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// What an agent asks of its long-term memory (the orchestrator's `agent_knowledge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum KnowledgeOp {
    /// Reply value: the entry's value, or null.
    Get { key: String },
    /// Reply value: null. Without `ttl_seconds` the entry never expires.
    Put {
        key: String,
        value: Value,
        #[serde(default)]
        ttl_seconds: Option<u64>,
    },
    /// Reply value: whether the key existed.
    Delete { key: String },
    /// Reply value: an object of every live key and its value.
    List,
}

/// A request on `mas:knowledge:requests` (field `request`); the reply is
/// pushed onto `mas:knowledge:reply:{request_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeRequest {
    pub request_id: Uuid,
    pub agent_id: String,
    #[serde(flatten)]
    pub op: KnowledgeOp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnowledgeReply {
    pub ok: bool,
    #[serde(default)]
    pub value: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl KnowledgeReply {
    pub fn value(value: Value) -> Self {
        Self {
            ok: true,
            value,
            error: None,
        }
    }

    pub fn error(error: impl Into<String>) -> Self {
        Self {
            ok: false,
            value: Value::Null,
            error: Some(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn requests_are_flat_json_with_an_op() {
        let request = KnowledgeRequest {
            request_id: Uuid::nil(),
            agent_id: "a1".into(),
            op: KnowledgeOp::Put {
                key: "k".into(),
                value: json!(1),
                ttl_seconds: Some(60),
            },
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            json!({"request_id": Uuid::nil(), "agent_id": "a1", "op": "put", "key": "k", "value": 1, "ttl_seconds": 60})
        );
        assert_eq!(
            serde_json::from_value::<KnowledgeRequest>(json).unwrap(),
            request
        );
        let list: KnowledgeRequest = serde_json::from_value(
            json!({"request_id": Uuid::nil(), "agent_id": "a1", "op": "list"}),
        )
        .unwrap();
        assert_eq!(list.op, KnowledgeOp::List);
        assert!(serde_json::from_value::<KnowledgeRequest>(
            json!({"request_id": Uuid::nil(), "agent_id": "a1", "op": "drop_all"})
        )
        .is_err());
    }
}
