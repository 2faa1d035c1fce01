//! `n8n-agent`: workflows of an n8n instance through its public API
//! (`/api/v1`, `X-N8N-API-KEY`, `{"data", "nextCursor"}` lists). The API
//! has no route that runs a workflow, so a run goes through the workflow's
//! own Webhook trigger (`/webhook/{path}`), and the execution it started is
//! found among the workflow's executions and followed until it ends.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::integration::{
    all_pages, poll, Auth, Cursor, Polled, Service, ServiceConfig, ServiceError,
};
use crate::kinds::connect::{credential, optional_text, path_part, setting};
use crate::kinds::spec::{closed_object, task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const API_KEY: &str = "N8N_API_KEY";
const WEBHOOK_NODE: &str = "n8n-nodes-base.webhook";
/// n8n's largest page.
const PAGES: Cursor = Cursor {
    param: "cursor",
    items: "/data",
    next: "/nextCursor",
    max_pages: 20,
};
/// How often a running execution is looked at.
const POLL_EVERY: Duration = Duration::from_millis(500);
/// Execution states after which nothing changes.
const ENDED: [&str; 4] = ["success", "error", "crashed", "canceled"];

fn api(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new(
        "n8n",
        &format!(
            "{}/api/v1",
            setting(context, "base_url")?.trim_end_matches('/')
        ),
    );
    config.auth = Auth::Header {
        name: "X-N8N-API-KEY",
        value: credential(context, API_KEY)?,
    };
    Service::new(config).map_err(|e| e.to_string())
}

/// The instance's webhook listener: no API key (a webhook's own
/// authentication is the workflow's business).
fn webhooks(context: &TaskContext) -> Result<Service, String> {
    let base = match setting(context, "webhook_base_url")? {
        "" => setting(context, "base_url")?,
        given => given,
    };
    Service::new(ServiceConfig::new("n8n webhook", base)).map_err(|e| e.to_string())
}

/// The Webhook trigger nodes of a workflow: (HTTP method, path).
fn webhook_triggers(workflow: &Value) -> Vec<(String, String)> {
    workflow["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|node| node["type"] == WEBHOOK_NODE && node["disabled"] != true)
        .filter_map(|node| {
            let path = node["parameters"]["path"].as_str()?;
            let method = node["parameters"]["httpMethod"].as_str().unwrap_or("GET");
            Some((method.to_uppercase(), path.trim_matches('/').to_owned()))
        })
        .collect()
}

fn workflow_view(workflow: &Value) -> Value {
    let tags: Vec<&Value> = workflow["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|tag| &tag["name"])
        .collect();
    let triggers: Vec<Value> = webhook_triggers(workflow)
        .into_iter()
        .map(|(method, path)| json!({"method": method, "path": path}))
        .collect();
    json!({"id": workflow["id"], "name": workflow["name"], "active": workflow["active"], "tags": tags,
           "updated_at": workflow["updatedAt"], "webhooks": triggers})
}

fn execution_view(execution: &Value) -> Value {
    let mut view = json!({"id": execution["id"], "workflow_id": execution["workflowId"], "status": execution["status"],
           "finished": execution["finished"], "mode": execution["mode"],
           "started_at": execution["startedAt"], "stopped_at": execution["stoppedAt"]});
    let run = &execution["data"]["resultData"];
    if let Some(error) = run["error"]["message"].as_str() {
        view["error"] = json!(error);
    }
    if let Some(last) = run["lastNodeExecuted"].as_str() {
        view["last_node"] = json!(last);
    }
    view
}

fn list_workflows(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let mut query = vec![("limit", "250".to_owned())];
        if let Some(active) = payload["active"].as_bool() {
            query.push(("active", active.to_string()));
        }
        for field in ["name", "tags"] {
            if let Some(value) = optional_text(payload, field) {
                query.push((field, value.to_owned()));
            }
        }
        let (found, truncated) = all_pages(&api(&context)?, "/workflows", &query, PAGES)
            .await
            .map_err(|e| e.to_string())?;
        let workflows: Vec<Value> = found.iter().map(workflow_view).collect();
        let active = workflows.iter().filter(|w| w["active"] == true).count();
        Ok(
            json!({"count": workflows.len(), "active": active, "workflows": workflows, "truncated": truncated}),
        )
    })
}

fn set_workflow_active(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = path_part(payload, "workflow_id", false)?;
        let action = if payload["active"] == true {
            "activate"
        } else {
            "deactivate"
        };
        let workflow = api(&context)?
            .post(&format!("/workflows/{id}/{action}"), None)
            .await
            .map_err(|e| e.to_string())?;
        Ok(workflow_view(&workflow))
    })
}

/// Ids of the workflow's most recent executions.
async fn execution_ids(n8n: &Service, workflow_id: &str) -> Result<BTreeSet<String>, ServiceError> {
    let page = n8n
        .get(
            "/executions",
            &[
                ("workflowId", workflow_id.to_owned()),
                ("limit", "100".to_owned()),
            ],
        )
        .await?;
    Ok(page["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|execution| id_text(&execution["id"]))
        .collect())
}

/// n8n answers ids as strings (numbers in older releases).
fn id_text(id: &Value) -> Option<String> {
    match id {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

fn trigger_workflow(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = path_part(payload, "workflow_id", false)?;
        let n8n = api(&context)?;
        let workflow = n8n
            .get(&format!("/workflows/{id}"), &[])
            .await
            .map_err(|e| e.to_string())?;
        let name = workflow["name"].as_str().unwrap_or(id).to_owned();
        let (method, path) = match webhook_triggers(&workflow).into_iter().next() {
            Some(trigger) => trigger,
            None => {
                return Err(format!(
                "workflow {name} ({id}) has no Webhook trigger: n8n's API cannot run a workflow, \
                     so give it a Webhook trigger node to run it from the fleet"
            ))
            }
        };
        if workflow["active"] != true {
            return Err(format!(
                "workflow {name} ({id}) is inactive, so its webhook is not listening: activate it first (set_workflow_active)"
            ));
        }
        let before = execution_ids(&n8n, id).await.map_err(|e| e.to_string())?;
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| {
            format!("workflow {name}: webhook method {method} is not an HTTP method")
        })?;
        let data = payload.get("data").cloned().unwrap_or_else(|| json!({}));
        let (query, body): (Vec<(&str, String)>, Option<&Value>) = if method == reqwest::Method::GET
        {
            let fields = data.as_object().into_iter().flatten();
            (
                fields
                    .map(|(k, v)| (k.as_str(), v.as_str().map_or(v.to_string(), str::to_owned)))
                    .collect(),
                None,
            )
        } else {
            (Vec::new(), Some(&data))
        };
        let answered = webhooks(&context)?
            .call(method, &format!("/webhook/{path}"), &query, body)
            .await
            .map_err(|e| e.to_string())?;
        let mut result =
            json!({"workflow_id": id, "workflow": name, "webhook": path, "response": answered});
        if payload["wait"] == false {
            return Ok(result);
        }
        let limit = Duration::from_secs(payload["timeout_seconds"].as_u64().unwrap_or(60));
        let started = poll(&n8n, POLL_EVERY, limit, || async {
            let now = execution_ids(&n8n, id).await?;
            Ok(match now.difference(&before).next() {
                Some(new) => Polled::Done(json!(new)),
                None => Polled::Running,
            })
        })
        .await
        .map_err(|e| format!("the webhook answered but no execution of {name} appeared: {e}"))?;
        let execution_path = format!("/executions/{}", started.as_str().unwrap_or_default());
        let ended = poll(&n8n, POLL_EVERY, limit, || async {
            let execution = n8n
                .get(&execution_path, &[("includeData", "true".to_owned())])
                .await?;
            Ok(
                if ENDED.contains(&execution["status"].as_str().unwrap_or_default()) {
                    Polled::Done(execution)
                } else {
                    Polled::Running
                },
            )
        })
        .await
        .map_err(|e| e.to_string())?;
        let execution = execution_view(&ended);
        if execution["status"] != "success" {
            return Err(format!(
                "n8n: the execution {} of {name} ended with status {} at node {}: {}",
                execution["id"].as_str().unwrap_or_default(),
                execution["status"].as_str().unwrap_or_default(),
                execution["last_node"].as_str().unwrap_or("?"),
                execution["error"].as_str().unwrap_or("no error message")
            ));
        }
        result["execution"] = execution;
        Ok(result)
    })
}

fn get_execution(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let id = path_part(&context.task.payload, "execution_id", false)?;
        let execution = api(&context)?
            .get(
                &format!("/executions/{id}"),
                &[("includeData", "true".to_owned())],
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(execution_view(&execution))
    })
}

fn workflow_result() -> Value {
    json!({"type": "object", "required": ["id", "name", "active", "tags", "webhooks"],
           "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "active": {"type": "boolean"},
                          "tags": {"type": "array", "items": {"type": "string"}}, "updated_at": {"type": ["string", "null"]},
                          "webhooks": {"type": "array", "items": {"type": "object"}}}})
}

fn execution_result() -> Value {
    json!({"type": "object", "required": ["id", "workflow_id", "status", "finished"],
           "properties": {"id": {"type": "string"}, "workflow_id": {"type": "string"},
                          "status": {"type": "string"}, "finished": {"type": "boolean"},
                          "mode": {"type": ["string", "null"]}, "started_at": {"type": ["string", "null"]},
                          "stopped_at": {"type": ["string", "null"]}, "error": {"type": "string"},
                          "last_node": {"type": "string"}}})
}

pub fn spec() -> KindSpec {
    let workflow_id = json!({"type": "string", "minLength": 1, "maxLength": 64});
    KindSpec {
        kind: "n8n-agent",
        aliases: vec!["n8n", "workflow"],
        category: AgentCategory::Integration,
        description: "n8n workflow automation through its public API: workflows listed, activated and deactivated, \
                      run through their Webhook trigger and followed to the end of the execution",
        task_types: vec![
            task(
                "list_workflows",
                "The instance's workflows (every page) with their tags and webhook paths, optionally only active ones, by name or tag",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"active": {"type": "boolean"}, "name": {"type": "string", "minLength": 1},
                                      "tags": {"type": "string", "minLength": 1, "description": "Comma-separated tag names"}}}),
                json!({"type": "object", "required": ["count", "active", "workflows", "truncated"],
                       "properties": {"count": {"type": "integer"}, "active": {"type": "integer"},
                                      "workflows": {"type": "array", "items": workflow_result()}, "truncated": {"type": "boolean"}}}),
                list_workflows,
            ),
            task(
                "set_workflow_active",
                "Activate a workflow (its triggers start listening) or deactivate it",
                closed_object(json!({"workflow_id": workflow_id, "active": {"type": "boolean"}}), &["workflow_id", "active"]),
                workflow_result(),
                set_workflow_active,
            ),
            task(
                "trigger_workflow",
                "Run an active workflow through its Webhook trigger with `data`, then follow the execution it started until it ends (unless `wait` is false)",
                closed_object(
                    json!({"workflow_id": workflow_id, "data": {"type": "object", "description": "The webhook's body (its query for a GET webhook)"},
                           "wait": {"type": "boolean", "default": true},
                           "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": 600, "default": 60}}),
                    &["workflow_id"],
                ),
                json!({"type": "object", "required": ["workflow_id", "workflow", "webhook", "response"],
                       "properties": {"workflow_id": {"type": "string"}, "workflow": {"type": "string"}, "webhook": {"type": "string"},
                                      "response": {"description": "What the webhook answered"}, "execution": execution_result()}}),
                trigger_workflow,
            ),
            task(
                "get_execution",
                "One execution's state: status, timing, the node it stopped at and its error",
                closed_object(json!({"execution_id": {"type": "string", "minLength": 1, "maxLength": 64}}), &["execution_id"]),
                execution_result(),
                get_execution,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: API_KEY,
            description: "An n8n API key (Settings → n8n API)",
            check: Some("list_workflows"),
        }],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "http://n8n:5678", "description": "The n8n instance's address"},
                "webhook_base_url": {"type": "string", "default": "", "description": "Where its webhooks listen, if not at base_url (n8n's WEBHOOK_URL)"}
            }
        }),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
