//! `ifttt-agent`: fires IFTTT Webhooks events
//! (`/trigger/{event}/with/key/{key}` with `value1`–`value3`, or
//! `/trigger/{event}/json/with/key/{key}` with any JSON). The key sits in
//! the URL path, so it is learnt by the service's redactor and never
//! appears in an error, a log line or a result.

use serde_json::{json, Value};

use crate::integration::{Auth, Service, ServiceConfig};
use crate::kinds::connect::{credential, path_part, setting};
use crate::kinds::spec::{closed_object, task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const KEY: &str = "IFTTT_WEBHOOKS_KEY";

/// Posts `body` to the event's trigger (`/json` for any JSON).
async fn fire(context: &TaskContext, json_form: bool, body: &Value) -> Result<Value, String> {
    let event = path_part(&context.task.payload, "event", false)?;
    let key = credential(context, KEY)?;
    let form = if json_form { "/json" } else { "" };
    let path = format!("/trigger/{event}{form}/with/key/{}", key.expose());
    let mut config = ServiceConfig::new("ifttt", setting(context, "base_url")?);
    config.auth = Auth::InPath(key);
    let ifttt = Service::new(config).map_err(|e| e.to_string())?;
    let answer = ifttt
        .post(&path, Some(body))
        .await
        .map_err(|e| e.to_string())?;
    // IFTTT answers in plain text: "Congratulations! You've fired the … event".
    let message = answer
        .as_str()
        .map_or_else(|| answer.to_string(), str::to_owned);
    Ok(json!({"event": event, "fired": true, "message": ifttt.redact(&message)}))
}

fn trigger_event(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let mut values = json!({});
        for field in ["value1", "value2", "value3"] {
            if let Some(value) = payload.get(field) {
                values[field] = value.clone();
            }
        }
        fire(&context, false, &values).await
    })
}

fn trigger_event_json(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let data = context.task.payload["data"].clone();
        fire(&context, true, &data).await
    })
}

fn event() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 100, "description": "The event name the applet listens for"})
}

fn fired() -> Value {
    json!({"type": "object", "required": ["event", "fired", "message"],
           "properties": {"event": {"type": "string"}, "fired": {"const": true}, "message": {"type": "string"}}})
}

pub fn spec() -> KindSpec {
    let value = json!({"type": "string", "maxLength": 2000});
    KindSpec {
        kind: "ifttt-agent",
        aliases: vec!["ifttt"],
        category: AgentCategory::Integration,
        description: "IFTTT Webhooks: fires events with up to three values or any JSON (the key in the URL is redacted everywhere)",
        task_types: vec![
            task(
                "trigger_event",
                "Fire `event` with `value1`, `value2`, `value3` (the ingredients an applet uses)",
                closed_object(json!({"event": event(), "value1": value, "value2": value, "value3": value}), &["event"]),
                fired(),
                trigger_event,
            ),
            task(
                "trigger_event_json",
                "Fire `event` with any JSON object (for applets with filter code)",
                closed_object(json!({"event": event(), "data": {"type": "object"}}), &["event", "data"]),
                fired(),
                trigger_event_json,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: KEY,
            description: "The Webhooks service key (ifttt.com/maker_webhooks → Documentation)",
            check: None,
        }],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "https://maker.ifttt.com", "description": "The Webhooks service's address"}
            }
        }),
        defaults: KindDefaults {
            cpu_limit: 0.1,
            memory_limit_mb: 64,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
