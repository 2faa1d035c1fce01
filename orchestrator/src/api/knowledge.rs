//! `GET /knowledge`: the fleet's long-term memory (what agents stored with
//! their knowledge requests), for kinds that index or review it.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::extract::Query;
use super::page::{paged_json, PageQuery};
use super::{ApiError, ApiState};

#[derive(Debug, Default, Deserialize)]
pub struct KnowledgeFilter {
    agent_id: Option<String>,
}

/// Live entries newest first, of every agent or of `agent_id`, paged.
pub async fn list(
    State(state): State<ApiState>,
    Query(filter): Query<KnowledgeFilter>,
    Query(paging): Query<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    if let Some(agent_id) = &filter.agent_id {
        myca_agents::protocol::validate_agent_id(agent_id)?;
    }
    let entries = state
        .service
        .store
        .knowledge_page(filter.agent_id.as_deref(), &paging.page()?)
        .await?;
    Ok(Json(paged_json("knowledge", entries)))
}
