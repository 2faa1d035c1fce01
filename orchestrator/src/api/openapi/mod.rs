//! `GET /openapi.json`: the API described for clients (OpenAPI 3.1), built
//! from one table of routes ([`routes::ROUTES`]) and schema components that
//! state every constraint the server checks.

mod audit;
mod kinds;
mod routes;
mod schemas;

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use routes::{Route, LINKS, ROUTES};
use schemas::Fleet;

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
        ("id", Some("tasks" | "messages" | "approvals")) | ("artifact_id", _) => reference("Uuid"),
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

/// `get /agents/{id}` → `get_agents_id`.
fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    format!("{method}_{}", words.join("_"))
}

fn links(route: &Route) -> Value {
    let links: Map<String, Value> = LINKS
        .iter()
        .filter(|(method, path, ..)| *method == route.method && *path == route.path)
        .map(|(_, _, to_method, to_path, parameter, pointer)| {
            let target = operation_id(to_method, to_path);
            let link = json!({
                "operationId": target,
                "parameters": { *parameter: format!("$response.body#{pointer}") },
            });
            (target, link)
        })
        .collect();
    Value::Object(links)
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
        "Artifact" => {
            responses.insert(
                "200".into(),
                json!({"description": "OK: the bytes, with the media type the agent gave them",
                       "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}),
            );
        }
        answer => {
            let mut ok = json!({"description": "OK", "content": json_content(reference(answer))});
            let links = links(route);
            if links.as_object().is_some_and(|links| !links.is_empty()) {
                ok["links"] = links;
            }
            responses.insert("200".into(), ok);
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
    let mut op = json!({
        "operationId": operation_id(route.method, route.path),
        "summary": route.summary,
        "parameters": parameters,
        "responses": responses,
    });
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
    let hosts = &state.service.hosts;
    let up = hosts.up();
    let mut labels: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for host in &up {
        for (key, value) in &host.profile.labels {
            labels.entry(key.clone()).or_default().insert(value.clone());
        }
    }
    let fleet = Fleet {
        kinds: myca_agents::kinds::catalog(),
        max_cpus: hosts.max_cpus(),
        capabilities: myca_agents::runtime::handlers::all_capabilities(),
        hosts: up.iter().map(|host| host.name().to_owned()).collect(),
        labels,
    };
    Ok(Json(document(&fleet)))
}

#[cfg(test)]
mod tests {

    use super::*;

    fn fleet() -> Fleet {
        Fleet {
            kinds: myca_agents::kinds::catalog(),
            max_cpus: 2.0,
            capabilities: vec!["echo".into()],
            hosts: vec!["local".into()],
            labels: BTreeMap::new(),
        }
    }

    #[test]
    fn operations_are_named_once_and_links_reach_them() {
        let document = document(&fleet());
        let mut ids = BTreeSet::new();
        let mut targets = Vec::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, op) in operations.as_object().unwrap() {
                assert!(
                    ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                    "{method} {path}"
                );
                let links = op["responses"]["200"]["links"].as_object();
                targets.extend(links.into_iter().flat_map(|l| l.values()).cloned());
            }
        }
        assert_eq!(targets.len(), LINKS.len());
        for link in targets {
            assert!(
                ids.contains(link["operationId"].as_str().unwrap()),
                "{link}"
            );
        }
    }

    #[test]
    fn every_reference_resolves() {
        let document = document(&fleet());
        let text = document.to_string();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        for reference in text.split("#/components/schemas/").skip(1) {
            let name: String = reference
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(
                schemas.contains_key(&name),
                "{name} is referenced but not defined"
            );
        }
    }
}
