use axum::extract::State;
use axum::Json;
use myca_agents::protocol::{AgentMessage, MessageType, TaskPriority};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::extract::{Body, Path, Query};
use super::{ApiError, ApiState};

/// The seed's message body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    from_agent: String,
    to_agent: String,
    message_type: MessageType,
    #[serde(default)]
    payload: Value,
    #[serde(default)]
    priority: TaskPriority,
    #[serde(default)]
    requires_ack: bool,
    #[serde(default)]
    correlation_id: Option<Uuid>,
    #[serde(default)]
    ttl: Option<u64>,
}

pub async fn send(
    State(state): State<ApiState>,
    Body(request): Body<MessageRequest>,
) -> Result<Json<Value>, ApiError> {
    let broadcast = request.message_type == MessageType::Broadcast || request.to_agent == "*";
    if !broadcast {
        super::agents::known(&state, &request.to_agent).await?;
    }
    let mut message = AgentMessage::new(
        request.from_agent,
        request.to_agent,
        request.message_type,
        request.payload,
    );
    message.priority = request.priority;
    message.requires_ack = request.requires_ack;
    message.correlation_id = request.correlation_id;
    message.ttl = request.ttl.unwrap_or(message.ttl);
    let delivery = state
        .service
        .messages
        .route(message.clone())
        .await
        .map_err(|error| ApiError::Unavailable(error.to_string()))?;
    Ok(Json(
        json!({ "message_id": message.id, "status": "sent", "delivery": delivery }),
    ))
}

#[derive(Deserialize)]
pub struct MessageFilter {
    agent_id: Option<String>,
    correlation_id: Option<Uuid>,
    limit: Option<u32>,
}

/// Messages of an agent, or the replies to one message.
pub async fn list(
    State(state): State<ApiState>,
    Query(filter): Query<MessageFilter>,
) -> Result<Json<Value>, ApiError> {
    let store = &state.service.store;
    let messages = match (filter.agent_id, filter.correlation_id) {
        (_, Some(id)) => store.correlated_messages(id).await?,
        (Some(agent), None) => store.messages(&agent, filter.limit.unwrap_or(100)).await?,
        (None, None) => {
            return Err(ApiError::Unprocessable(
                "give agent_id or correlation_id".into(),
            ))
        }
    };
    Ok(Json(json!({ "messages": messages })))
}

pub async fn one(
    State(state): State<ApiState>,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, ApiError> {
    let message = state
        .service
        .store
        .message(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no message {id}")))?;
    Ok(Json(json!(message)))
}
