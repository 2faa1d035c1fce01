use axum::extract::State;
use axum::Json;
use myca_agents::protocol::{integral, AgentMessage, MessageType, TaskPriority};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

use super::extract::{Body, Path, Query};
use super::page::{paged_json, PageQuery};
use super::{ApiError, ApiState};
use crate::store::MessageFilter;

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
    #[serde(default, deserialize_with = "integral::optional")]
    ttl: Option<u64>,
}

/// The longest a message may wait for its reader: 30 days.
pub const MAX_MESSAGE_TTL_SECONDS: u64 = 30 * 24 * 3600;

pub async fn send(
    State(state): State<ApiState>,
    Body(request): Body<MessageRequest>,
) -> Result<Json<Value>, ApiError> {
    if request.ttl.is_some_and(|ttl| ttl > MAX_MESSAGE_TTL_SECONDS) {
        return Err(ApiError::Unprocessable(format!(
            "ttl is at most {MAX_MESSAGE_TTL_SECONDS} seconds"
        )));
    }
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

/// Messages newest first, paged: an agent's (`agent_id`), the replies to
/// one message (`correlation_id`), both filters together, or every one.
pub async fn list(
    State(state): State<ApiState>,
    Query(filter): Query<MessageFilter>,
    Query(paging): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    if let Some(agent_id) = &filter.agent_id {
        myca_agents::protocol::validate_agent_id(agent_id)?;
    }
    let messages = state
        .service
        .store
        .messages(&filter, &paging.page()?)
        .await?;
    Ok(Json(paged_json("messages", messages)))
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
