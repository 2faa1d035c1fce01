//! An n8n instance on loopback, answering as its public REST API documents
//! (`/api/v1`, `X-N8N-API-KEY`, lists as `{"data", "nextCursor"}` with an
//! opaque cursor, `{"message"}` errors: 401 without or with a wrong key,
//! 404 `Not Found`, 400 when a workflow without a trigger is activated),
//! with its production webhook listener (`/webhook/{path}`, only for
//! active workflows; 404 "The requested webhook … is not registered"
//! otherwise) that starts an execution and answers `Workflow was started`
//! at once, as a Webhook node set to respond immediately does. Executions
//! run a little later: Webhook and Set nodes pass, a Stop and Error node
//! fails the execution with its message.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_api::{error, header, Served};

pub const GREETER: &str = "1001";
pub const FAILING: &str = "1002";
pub const SCHEDULED: &str = "1003";
pub const INACTIVE: &str = "1004";

struct Fake {
    api_key: String,
    workflows: Mutex<Vec<Value>>,
    executions: Mutex<Vec<Value>>,
    next_execution: AtomicU64,
}

pub struct FakeN8n {
    served: Served,
    fake: Arc<Fake>,
}

fn message(status: StatusCode, text: &str) -> Response {
    error(status, shape(status, text))
}

fn shape(_: StatusCode, text: &str) -> Value {
    json!({"message": text})
}

impl Fake {
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        match header(headers, "x-n8n-api-key") {
            None => Some(message(
                StatusCode::UNAUTHORIZED,
                "'X-N8N-API-KEY' header required",
            )),
            Some(key) if key != self.api_key => {
                Some(message(StatusCode::UNAUTHORIZED, "unauthorized"))
            }
            Some(_) => None,
        }
    }
}

/// Page of `items` after `cursor` (an opaque token: here the offset, encoded).
fn page(items: Vec<Value>, query: &BTreeMap<String, String>) -> Response {
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 250);
    let offset = query
        .get("cursor")
        .and_then(|c| c.strip_prefix("eyJvZmZzZXQiO"))
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let shown: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
    let next = (offset + limit < items.len()).then(|| format!("eyJvZmZzZXQiO{}", offset + limit));
    Json(json!({"data": shown, "nextCursor": next})).into_response()
}

async fn list_workflows(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let wanted_tags: Vec<&str> = query
        .get("tags")
        .map(|t| t.split(',').collect())
        .unwrap_or_default();
    let shown = fake
        .workflows
        .lock()
        .unwrap()
        .iter()
        .filter(|w| {
            query
                .get("active")
                .is_none_or(|a| w["active"] == (a == "true"))
        })
        .filter(|w| query.get("name").is_none_or(|n| w["name"] == n.as_str()))
        .filter(|w| {
            wanted_tags.iter().all(|tag| {
                w["tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["name"] == *tag)
            })
        })
        .cloned()
        .collect();
    page(shown, &query)
}

async fn get_workflow(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    match fake
        .workflows
        .lock()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id.as_str())
    {
        Some(workflow) => Json(workflow.clone()).into_response(),
        None => message(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn has_trigger(workflow: &Value) -> bool {
    workflow["nodes"].as_array().unwrap().iter().any(|node| {
        let kind = node["type"].as_str().unwrap_or_default();
        kind.ends_with("Trigger") || kind == "n8n-nodes-base.webhook"
    })
}

async fn set_active(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let active = match action.as_str() {
        "activate" => true,
        "deactivate" => false,
        _ => return message(StatusCode::NOT_FOUND, "Not Found"),
    };
    let mut workflows = fake.workflows.lock().unwrap();
    let Some(workflow) = workflows.iter_mut().find(|w| w["id"] == id.as_str()) else {
        return message(StatusCode::NOT_FOUND, "Not Found");
    };
    if active && !has_trigger(workflow) {
        return message(
            StatusCode::BAD_REQUEST,
            "Workflow has no node to start the workflow - at least one trigger, poller or webhook node is required",
        );
    }
    workflow["active"] = json!(active);
    workflow["updatedAt"] = json!("2026-12-06T09:00:00.000Z");
    Json(workflow.clone()).into_response()
}

/// An execution as the API shows it; its run data only when asked.
fn shown_execution(execution: &Value, include_data: bool) -> Value {
    let mut shown = execution.clone();
    if !include_data {
        shown.as_object_mut().unwrap().remove("data");
    }
    shown
}

async fn list_executions(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let include = query.get("includeData").map(String::as_str) == Some("true");
    // Newest first, as n8n lists them.
    let shown = fake
        .executions
        .lock()
        .unwrap()
        .iter()
        .rev()
        .filter(|e| {
            query
                .get("workflowId")
                .is_none_or(|w| e["workflowId"] == w.as_str())
        })
        .filter(|e| {
            query
                .get("status")
                .is_none_or(|s| e["status"] == s.as_str())
        })
        .map(|e| shown_execution(e, include))
        .collect();
    page(shown, &query)
}

async fn get_execution(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let include = query.get("includeData").map(String::as_str) == Some("true");
    match fake
        .executions
        .lock()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id.as_str())
    {
        Some(execution) => Json(shown_execution(execution, include)).into_response(),
        None => message(StatusCode::NOT_FOUND, "Not Found"),
    }
}

/// Runs the workflow's nodes in order on what the webhook received.
fn run(workflow: &Value, received: &Value) -> (&'static str, Value) {
    let mut run_data = serde_json::Map::new();
    let mut item = received.clone();
    let mut last = String::new();
    for node in workflow["nodes"].as_array().unwrap() {
        let name = node["name"].as_str().unwrap().to_owned();
        last = name.clone();
        match node["type"].as_str().unwrap() {
            "n8n-nodes-base.stopAndError" => {
                let text = node["parameters"]["errorMessage"]
                    .as_str()
                    .unwrap_or("Stopped");
                return (
                    "error",
                    json!({"resultData": {"runData": run_data, "lastNodeExecuted": name,
                                                       "error": {"message": text, "name": "NodeOperationError"}}}),
                );
            }
            "n8n-nodes-base.set" => {
                for (field, value) in node["parameters"]["values"].as_object().unwrap() {
                    item[field] = value.clone();
                }
            }
            _ => {}
        }
        run_data.insert(
            name,
            json!([{"data": {"main": [[{"json": item.clone()}]]}, "executionStatus": "success"}]),
        );
    }
    (
        "success",
        json!({"resultData": {"runData": run_data, "lastNodeExecuted": last}}),
    )
}

async fn webhook(
    State(fake): State<Arc<Fake>>,
    method: Method,
    Path(path): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    body: Option<Json<Value>>,
) -> Response {
    let found = fake
        .workflows
        .lock()
        .unwrap()
        .iter()
        .find(|w| {
            w["active"] == true
                && w["nodes"].as_array().unwrap().iter().any(|node| {
                    node["type"] == "n8n-nodes-base.webhook"
                        && node["parameters"]["path"] == path.as_str()
                        && node["parameters"]["httpMethod"] == method.as_str()
                })
        })
        .cloned();
    let Some(workflow) = found else {
        return error(
            StatusCode::NOT_FOUND,
            json!({"code": 404, "message": format!("The requested webhook \"{method} {path}\" is not registered."),
                   "hint": "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor."}),
        );
    };
    let id = fake
        .next_execution
        .fetch_add(1, Ordering::SeqCst)
        .to_string();
    let received = json!({"query": query, "body": body.map(|b| b.0).unwrap_or(Value::Null)});
    fake.executions.lock().unwrap().push(json!({
        "id": id, "finished": false, "mode": "webhook", "retryOf": null, "retrySuccessId": null,
        "startedAt": "2026-12-06T09:00:00.000Z", "stoppedAt": null, "workflowId": workflow["id"],
        "waitTill": null, "status": "running", "data": {"resultData": {"runData": {}}}}));
    let fake = fake.clone();
    tokio::spawn(async move {
        // The execution outlives the webhook's answer, as with "Respond: Immediately".
        tokio::time::sleep(Duration::from_millis(700)).await;
        let (status, data) = run(&workflow, &received);
        let mut executions = fake.executions.lock().unwrap();
        let execution = executions
            .iter_mut()
            .find(|e| e["id"] == id.as_str())
            .unwrap();
        execution["status"] = json!(status);
        execution["finished"] = json!(status == "success");
        execution["stoppedAt"] = json!("2026-12-06T09:00:01.000Z");
        execution["data"] = data;
    });
    Json(json!({"message": "Workflow was started"})).into_response()
}

fn node(name: &str, kind: &str, parameters: Value) -> Value {
    json!({"id": uuid::Uuid::new_v4().to_string(), "name": name, "type": kind, "typeVersion": 1,
           "position": [0, 0], "parameters": parameters})
}

fn workflow(id: &str, name: &str, active: bool, tags: &[&str], nodes: Vec<Value>) -> Value {
    let tags: Vec<Value> = tags
        .iter()
        .map(|t| json!({"id": format!("tag-{t}"), "name": t}))
        .collect();
    json!({"id": id, "name": name, "active": active, "createdAt": "2026-11-01T10:00:00.000Z",
           "updatedAt": "2026-11-01T10:00:00.000Z", "nodes": nodes, "connections": {}, "settings": {},
           "staticData": null, "tags": tags})
}

impl FakeN8n {
    /// `extra` more workflows (for paging) beside four: [`GREETER`] (active,
    /// POST webhook `greet`, sets `greeting`), [`FAILING`] (active, POST
    /// webhook `explode`, stops with an error), [`SCHEDULED`] (a schedule
    /// trigger, no webhook) and [`INACTIVE`] (GET webhook `later`).
    pub async fn start(api_key: &str, extra: usize) -> Self {
        let hook = |path: &str, method: &str| {
            node(
                "Webhook",
                "n8n-nodes-base.webhook",
                json!({"path": path, "httpMethod": method, "responseMode": "onReceived"}),
            )
        };
        let mut workflows = vec![
            workflow(
                GREETER,
                "Greeter",
                true,
                &["fleet", "demo"],
                vec![
                    hook("greet", "POST"),
                    node(
                        "Set greeting",
                        "n8n-nodes-base.set",
                        json!({"values": {"greeting": "hello from n8n"}}),
                    ),
                ],
            ),
            workflow(
                FAILING,
                "Exploder",
                true,
                &["fleet"],
                vec![
                    hook("explode", "POST"),
                    node(
                        "Stop and Error",
                        "n8n-nodes-base.stopAndError",
                        json!({"errorMessage": "inventory service refused the order"}),
                    ),
                ],
            ),
            workflow(
                SCHEDULED,
                "Nightly report",
                true,
                &[],
                vec![node(
                    "Schedule Trigger",
                    "n8n-nodes-base.scheduleTrigger",
                    json!({"rule": {"interval": [{"field": "days"}]}}),
                )],
            ),
            workflow(
                INACTIVE,
                "Later",
                false,
                &["demo"],
                vec![hook("later", "GET")],
            ),
        ];
        for i in 0..extra {
            workflows.push(workflow(
                &format!("{}", 2000 + i),
                &format!("Bulk {i}"),
                false,
                &[],
                vec![],
            ));
        }
        let fake = Arc::new(Fake {
            api_key: api_key.to_owned(),
            workflows: Mutex::new(workflows),
            executions: Mutex::new(vec![
                json!({"id": "1", "finished": true, "mode": "trigger", "startedAt": "2026-12-05T02:00:00.000Z",
                                                "stoppedAt": "2026-12-05T02:00:03.000Z", "workflowId": SCHEDULED, "status": "success",
                                                "data": {"resultData": {"runData": {}, "lastNodeExecuted": "Schedule Trigger"}}}),
            ]),
            next_execution: AtomicU64::new(2),
        });
        let router = Router::new()
            .route("/api/v1/workflows", get(list_workflows))
            .route("/api/v1/workflows/{id}", get(get_workflow))
            .route("/api/v1/workflows/{id}/{action}", post(set_active))
            .route("/api/v1/executions", get(list_executions))
            .route("/api/v1/executions/{id}", get(get_execution))
            .route("/webhook/{*path}", any(webhook))
            .with_state(fake.clone());
        Self {
            served: Served::start(router, shape).await,
            fake,
        }
    }

    pub fn workflow(&self, id: &str) -> Value {
        self.fake
            .workflows
            .lock()
            .unwrap()
            .iter()
            .find(|w| w["id"] == id)
            .unwrap()
            .clone()
    }

    pub fn executions_of(&self, workflow_id: &str) -> usize {
        self.fake
            .executions
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["workflowId"] == workflow_id)
            .count()
    }
}

impl std::ops::Deref for FakeN8n {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
