//! `GET /catalog`: every agent kind this orchestrator spawns, as declared
//! in `myca_agents::kinds` (task types with payload and result schemas,
//! credentials, settings schema, defaults, privileges).

use axum::Json;
use serde_json::{json, Value};

pub async fn catalog() -> Json<Value> {
    Json(json!({ "kinds": myca_agents::kinds::catalog() }))
}
