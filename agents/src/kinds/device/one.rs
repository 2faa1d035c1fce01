//! `mycobrain-device`: one MycoBrain device (its id in the settings) —
//! its presence, firmware and latest telemetry, and a command answered by
//! the device's own ack (its result, or its error as the task's failure).

use std::time::Duration;

use serde_json::{json, Map};

use super::fleet::{command_one, millis, snapshot};
use super::mqtt::{broker_settings, device_id, Session};
use crate::kinds::connect::{setting, text};
use crate::kinds::spec::{closed_object, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn this_device(context: &TaskContext) -> Result<String, String> {
    device_id(setting(context, "device_id")?).map(str::to_owned)
}

fn device_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let id = this_device(&context)?;
        let mut session = Session::connect(&context).await?;
        let mut fleet = snapshot(&mut session, Duration::from_millis(1000)).await?;
        session.close().await;
        let device = fleet
            .remove(&id)
            .ok_or_else(|| format!("device {id} has never reported on the broker"))?;
        let presence = device.presence.clone().unwrap_or_default();
        Ok(
            json!({"device_id": id, "status": device.status(), "last_seen": device.last_seen(),
                  "model": presence["model"], "firmware": presence["firmware"],
                  "registered": device.registration.is_some(), "telemetry": device.telemetry}),
        )
    })
}

fn send_command(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let id = this_device(&context)?;
        let payload = &context.task.payload;
        let params = payload["params"]
            .as_object()
            .cloned()
            .unwrap_or_else(Map::new);
        let timeout = millis(payload, "timeout_ms", 5000);
        let mut session = Session::connect(&context).await?;
        let name = text(payload, "command");
        let answer = command_one(&mut session, &id, name, &params, timeout).await;
        session.close().await;
        let (request_id, result) = answer?;
        Ok(json!({"device_id": id, "command": name, "request_id": request_id, "result": result}))
    })
}

pub fn spec() -> KindSpec {
    let mut settings = broker_settings();
    if let Some(settings) = settings.as_object_mut() {
        settings.insert(
            "device_id".into(),
            json!({"type": "string", "minLength": 1, "maxLength": 64,
            "description": "The device this agent controls"}),
        );
    }
    KindSpec {
        kind: "mycobrain-device",
        aliases: vec!["mycobrain-device-agent"],
        category: AgentCategory::Device,
        description: "One MycoBrain device over MQTT: its presence, firmware and latest telemetry, and commands it acknowledges",
        task_types: vec![
            task("device_status", "The device's presence (online/offline), when it was last seen, its model, firmware and latest telemetry",
                 closed_object(json!({}), &[]),
                 json!({"type": "object", "required": ["device_id", "status", "last_seen"],
                        "properties": {"device_id": {"type": "string"}, "status": {"enum": ["online", "offline", "unknown"]},
                                       "last_seen": {"type": ["string", "null"]}, "telemetry": {"type": ["object", "null"]}}}),
                 device_status),
            task("send_command", "Send a command on the device's cmd topic and return its ack's result (its refusal or silence fails the task)",
                 closed_object(json!({
                     "command": {"type": "string", "minLength": 1, "maxLength": 64, "examples": ["ping", "identify"]},
                     "params": {"type": "object"},
                     "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 60000, "default": 5000}}), &["command"]),
                 json!({"type": "object", "required": ["device_id", "command", "result"],
                        "properties": {"device_id": {"type": "string"}, "command": {"type": "string"}, "request_id": {"type": "string"}}}),
                 send_command),
        ],
        credentials: Vec::new(),
        settings_schema: json!({"type": "object", "additionalProperties": false, "required": ["device_id"], "properties": settings}),
        defaults: KindDefaults { cpu_limit: 0.1, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}
