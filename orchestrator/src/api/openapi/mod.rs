//! `GET /openapi.json`: the API described for clients (OpenAPI 3.1), built
//! from one table of routes ([`routes::ROUTES`]) and schema components that
//! state every constraint the server checks.

mod routes;
mod schemas;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

pub use routes::{Route, ROUTES};
pub use schemas::Fleet;

use super::{ApiError, ApiState};

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// The schema of a path parameter, by what the route's handler parses.
fn path_parameter(path: &str, name: &str) -> Value {
    let schema = match (name, path.split('/').nth(1)) {
        ("name", _) => json!({"type": "string", "pattern": crate::hosts::HOST_NAME_PATTERN}),
        ("id", Some("snapshots")) => json!({"type": "integer", "minimum": 1, "maximum": i64::MAX}),
        ("id", Some("tasks" | "messages" | "approvals")) => reference("Uuid"),
        _ => reference("AgentId"),
    };
    json!({ "name": name, "in": "path", "required": true, "schema": schema })
}

fn status_text(code: u16) -> &'static str {
    axum::http::StatusCode::from_u16(code)
        .ok()
        .and_then(|status| status.canonical_reason())
        .unwrap_or("error")
}

fn operation(route: &Route) -> Value {
    let mut responses = Map::new();
    match route.answer {
        "WebSocket" => {
            responses.insert(
                "101".into(),
                json!({"description": "Switching Protocols: the WebSocket is open"}),
            );
        }
        "EventStream" => {
            responses.insert(
                "200".into(),
                json!({"description": "OK", "content": {"text/event-stream": {"schema": reference("SseEvent")}}}),
            );
        }
        answer => {
            responses.insert(
                "200".into(),
                json!({"description": "OK", "content": json_content(reference(answer))}),
            );
        }
    }
    let mut errors: Vec<u16> = route.errors.to_vec();
    if route.body.is_some() {
        errors.extend(routes::BODY_ERRORS);
    }
    if route.path != "/health" {
        errors.push(401);
    }
    errors.sort_unstable();
    errors.dedup();
    for code in errors {
        responses.insert(
            code.to_string(),
            json!({"description": status_text(code), "content": json_content(reference("Error"))}),
        );
    }
    let mut parameters: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| path_parameter(route.path, name))
        .collect();
    parameters.extend(route.query.iter().map(|(name, schema)| {
        json!({ "name": name, "in": "query", "required": false, "schema": reference(schema) })
    }));
    let mut op =
        json!({ "summary": route.summary, "parameters": parameters, "responses": responses });
    if route.path == "/health" {
        op["security"] = json!([]);
    }
    if let Some(schema) = route.body {
        op["requestBody"] = json!({ "required": true, "content": json_content(reference(schema)) });
    }
    op
}

pub fn document(fleet: &Fleet) -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method] = operation(route);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "MYCA orchestrator API", "version": env!("CARGO_PKG_VERSION")},
        "servers": [{"url": "http://127.0.0.1:8001"}],
        "security": [{"apiKeyHeader": []}, {"apiKeyQuery": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"}
            },
            "schemas": schemas::components(fleet)
        }
    })
}

pub async fn openapi(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let fleet = Fleet {
        kinds: myca_agents::runtime::handlers::known_kinds(),
        max_cpus: state.service.pool.host_cpus(),
    };
    Ok(Json(document(&fleet)))
}
