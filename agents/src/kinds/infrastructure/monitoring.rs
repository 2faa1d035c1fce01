//! `monitoring-agent`: Prometheus queries and scrape targets
//! (`/api/v1`, `{"status", "data"}` answers) and Alertmanager alerts and
//! silences (`/api/v2`).

use serde_json::{json, Value};

use crate::integration::{Envelope, Service, ServiceConfig};
use crate::kinds::connect::{optional_text, setting, text_params};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn prometheus(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new("prometheus", setting(context, "prometheus_url")?);
    config.envelope = Envelope::StatusData;
    Service::new(config).map_err(|e| e.to_string())
}

fn alertmanager(context: &TaskContext) -> Result<Service, String> {
    Service::new(ServiceConfig::new(
        "alertmanager",
        setting(context, "alertmanager_url")?,
    ))
    .map_err(|e| e.to_string())
}

fn query(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let query = text_params(&context.task.payload, &["query", "time"]);
        prometheus(&context)?
            .get("/api/v1/query", &query)
            .await
            .map_err(|e| e.to_string())
    })
}

fn query_range(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let query = text_params(&context.task.payload, &["query", "start", "end", "step"]);
        prometheus(&context)?
            .get("/api/v1/query_range", &query)
            .await
            .map_err(|e| e.to_string())
    })
}

fn targets(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let data = prometheus(&context)?
            .get("/api/v1/targets", &[("state", "active".to_owned())])
            .await
            .map_err(|e| e.to_string())?;
        let targets: Vec<Value> = data["activeTargets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                json!({"job": t["labels"]["job"], "instance": t["labels"]["instance"], "health": t["health"],
                       "scrape_url": t["scrapeUrl"], "last_error": t["lastError"]})
            })
            .collect();
        let down = targets.iter().filter(|t| t["health"] != "up").count();
        Ok(json!({"targets": targets, "down": down}))
    })
}

fn alerts(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let answer = alertmanager(&context)?
            .get("/api/v2/alerts", &[])
            .await
            .map_err(|e| e.to_string())?;
        let alerts: Vec<Value> = answer
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| json!({"labels": a["labels"], "state": a["status"]["state"], "starts_at": a["startsAt"]}))
            .collect();
        Ok(json!({"alerts": alerts}))
    })
}

fn create_silence(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let minutes = payload["duration_minutes"].as_i64().unwrap_or(60);
        let now = chrono::Utc::now();
        let matchers: Vec<Value> = payload["matchers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| json!({"name": m["name"], "value": m["value"], "isRegex": m["is_regex"].as_bool().unwrap_or(false), "isEqual": true}))
            .collect();
        let silence = json!({
            "matchers": matchers,
            "startsAt": now.to_rfc3339(),
            "endsAt": (now + chrono::Duration::minutes(minutes)).to_rfc3339(),
            "createdBy": optional_text(payload, "created_by").unwrap_or(&context.agent.agent_id),
            "comment": payload["comment"],
        });
        let created = alertmanager(&context)?
            .post("/api/v2/silences", Some(&silence))
            .await
            .map_err(|e| e.to_string())?;
        Ok(json!({"silence_id": created["silenceID"], "ends_at": silence["endsAt"]}))
    })
}

fn promql(extra: &[&str]) -> Value {
    let mut properties =
        json!({"query": {"type": "string", "minLength": 1, "description": "PromQL"}});
    for name in extra {
        properties[*name] = json!({"type": "string", "minLength": 1, "description": "RFC 3339 or Unix time (step: a duration such as 15s)"});
    }
    let mut required = vec!["query"];
    if extra.len() > 1 {
        required.extend(extra);
    }
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

pub fn spec() -> KindSpec {
    let vector = json!({"type": "object", "required": ["resultType", "result"],
                        "properties": {"resultType": {"type": "string"}, "result": {}}});
    KindSpec {
        kind: "monitoring-agent",
        aliases: vec!["monitoring", "monitor"],
        category: AgentCategory::Infrastructure,
        description: "Prometheus instant and range queries and scrape targets; Alertmanager alerts and silences",
        task_types: vec![
            task("query", "A PromQL instant query (at `time`, default now)", promql(&["time"]), vector.clone(), query),
            task("query_range", "A PromQL range query from `start` to `end` every `step`", promql(&["start", "end", "step"]), vector, query_range),
            task(
                "targets",
                "Every active scrape target with its health, and how many are down",
                json!({"description": "Ignored"}),
                json!({"type": "object", "required": ["targets", "down"],
                       "properties": {"targets": {"type": "array", "items": {"type": "object"}}, "down": {"type": "integer"}}}),
                targets,
            ),
            task(
                "alerts",
                "The alerts Alertmanager holds, with their state",
                json!({"description": "Ignored"}),
                json!({"type": "object", "required": ["alerts"], "properties": {"alerts": {"type": "array", "items": {"type": "object"}}}}),
                alerts,
            ),
            task(
                "create_silence",
                "Silence the alerts matching `matchers` for `duration_minutes`",
                json!({"type": "object", "additionalProperties": false, "required": ["matchers", "comment"],
                       "properties": {
                           "matchers": {"type": "array", "minItems": 1, "items": {
                               "type": "object", "additionalProperties": false, "required": ["name", "value"],
                               "properties": {"name": {"type": "string", "minLength": 1}, "value": {"type": "string"},
                                              "is_regex": {"type": "boolean"}}}},
                           "duration_minutes": {"type": "integer", "minimum": 1, "maximum": 43200},
                           "comment": {"type": "string", "minLength": 1},
                           "created_by": {"type": "string"}}}),
                json!({"type": "object", "required": ["silence_id", "ends_at"],
                       "properties": {"silence_id": {"type": "string"}, "ends_at": {"type": "string"}}}),
                create_silence,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "prometheus_url": {"type": "string", "default": "http://127.0.0.1:9090", "description": "Prometheus, http(s)://HOST:9090"},
                "alertmanager_url": {"type": "string", "default": "http://127.0.0.1:9093", "description": "Alertmanager, http(s)://HOST:9093"}
            }
        }),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 10 },
        privileges: Vec::new(),
    }
}
