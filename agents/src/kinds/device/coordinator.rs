//! `mycobrain-coordinator`: the MycoBrain fleet seen through its MQTT
//! broker — which devices are online (their retained presence; a device
//! that drops off is marked offline by its last will), registering a
//! device, and one command sent to many devices with each device's ack.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::fleet::{command, millis, snapshot};
use super::mqtt::{broker_settings, device_id, Session};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{closed_object, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// How long retained messages are read for when the payload does not say.
const LISTEN_MS: u64 = 1000;

fn fleet_presence(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let mut session = Session::connect(&context).await?;
        let fleet = snapshot(
            &mut session,
            millis(&context.task.payload, "listen_ms", LISTEN_MS),
        )
        .await?;
        session.close().await;
        let devices: Vec<Value> = fleet
            .iter()
            .map(|(id, device)| {
                json!({"device_id": id, "status": device.status(), "last_seen": device.last_seen(),
                       "registered": device.registration.is_some(),
                       "name": device.registration.as_ref().map(|r| r["name"].clone()),
                       "model": device.presence.as_ref().map(|p| p["model"].clone()),
                       "firmware": device.presence.as_ref().map(|p| p["firmware"].clone())})
            })
            .collect();
        let count = |status: &str| fleet.values().filter(|d| d.status() == status).count();
        Ok(
            json!({"count": devices.len(), "online": count("online"), "offline": count("offline"),
                  "unknown": count("unknown"), "devices": devices}),
        )
    })
}

fn register_device(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = device_id(text(payload, "device_id"))?;
        let mut session = Session::connect(&context).await?;
        let registration = json!({
            "device_id": id, "name": text(payload, "name"), "model": text(payload, "model"),
            "location": optional_text(payload, "location"),
            "registered_at": chrono::Utc::now().to_rfc3339(),
        });
        // Retained, so every later presence read knows the device.
        let topic = session.topic(id, "registration");
        session.publish(&topic, &registration, true).await?;
        session.close().await;
        Ok(json!({"registered": true, "topic": topic, "registration": registration}))
    })
}

fn fleet_command(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let mut session = Session::connect(&context).await?;
        let devices: BTreeSet<String> = match payload["devices"].as_array() {
            Some(ids) => ids
                .iter()
                .map(|id| device_id(id.as_str().unwrap_or_default()).map(str::to_owned))
                .collect::<Result<_, _>>()?,
            // Without a list, every device online now.
            None => snapshot(&mut session, Duration::from_millis(LISTEN_MS))
                .await?
                .into_iter()
                .filter(|(_, device)| device.status() == "online")
                .map(|(id, _)| id)
                .collect(),
        };
        if devices.is_empty() {
            return Err("no device to send the command to: none is online".to_owned());
        }
        let params = payload["params"]
            .as_object()
            .cloned()
            .unwrap_or_else(Map::new);
        let timeout = millis(payload, "timeout_ms", 5000);
        let outcome = command(
            &mut session,
            &devices,
            text(payload, "command"),
            &params,
            timeout,
        )
        .await?;
        session.close().await;
        let mut result = outcome.to_json();
        result["command"] = json!(text(payload, "command"));
        result["sent_to"] = json!(devices);
        Ok(result)
    })
}

pub fn device_ids() -> Value {
    json!({"type": "array", "minItems": 1, "maxItems": 500,
           "items": {"type": "string", "minLength": 1, "maxLength": 64}})
}

/// The result schema of a command sent to many devices.
pub fn outcome_schema() -> Value {
    let ids = json!({"type": "array", "items": {"type": "string"}});
    json!({"type": "object", "required": ["request_id", "acked", "failed", "timed_out", "all_acked"],
           "properties": {"request_id": {"type": "string"}, "acked": ids, "timed_out": ids,
                          "results": {"type": "object"}, "all_acked": {"type": "boolean"},
                          "failed": {"type": "array", "items": {"type": "object", "required": ["device_id", "error"]}}}})
}

pub fn spec() -> KindSpec {
    let device = json!({"type": "object", "required": ["device_id", "status", "last_seen", "registered"],
        "properties": {"device_id": {"type": "string"}, "status": {"enum": ["online", "offline", "unknown"]},
                       "last_seen": {"type": ["string", "null"]}, "registered": {"type": "boolean"}}});
    KindSpec {
        kind: "mycobrain-coordinator",
        aliases: vec!["device-coordinator", "mycobrain-coordinator-agent"],
        category: AgentCategory::Device,
        description: "MycoBrain fleet over MQTT: which devices are online or offline and when each was last seen, device registration, commands sent to many devices with per-device acknowledgements",
        task_types: vec![
            task(
                "fleet_presence",
                "Every device the broker knows (retained presence, registration, telemetry): online, offline (dropped off: its last will) or unknown (registered, never seen), with when it was last seen",
                closed_object(json!({"listen_ms": {"type": "integer", "minimum": 100, "maximum": 10000, "default": LISTEN_MS,
                                                  "description": "How long to read the broker's retained messages"}}), &[]),
                json!({"type": "object", "required": ["count", "online", "offline", "devices"],
                       "properties": {"count": {"type": "integer"}, "online": {"type": "integer"},
                                      "offline": {"type": "integer"}, "unknown": {"type": "integer"},
                                      "devices": {"type": "array", "items": device}}}),
                fleet_presence,
            ),
            task(
                "register_device",
                "Register a device (retained on {prefix}/devices/{id}/registration), so the fleet knows it before it first reports",
                closed_object(json!({
                    "device_id": {"type": "string", "maxLength": 64},
                    "name": {"type": "string", "minLength": 1, "maxLength": 120},
                    "model": {"type": "string", "minLength": 1, "maxLength": 60, "examples": ["mycobrain-v2", "bme688"]},
                    "location": {"type": "string", "maxLength": 200}}), &["device_id", "name", "model"]),
                json!({"type": "object", "required": ["registered", "topic", "registration"],
                       "properties": {"registered": {"const": true}, "topic": {"type": "string"}, "registration": {"type": "object"}}}),
                register_device,
            ),
            task(
                "fleet_command",
                "Send a command to the listed devices (or every online one) on …/{id}/cmd and wait for each ack on …/{id}/ack: acked (with the device's result), failed (with its error) or timed out",
                closed_object(json!({
                    "command": {"type": "string", "minLength": 1, "maxLength": 64, "examples": ["ping", "set_interval", "identify"]},
                    "params": {"type": "object"},
                    "devices": device_ids(),
                    "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 60000, "default": 5000}}), &["command"]),
                outcome_schema(),
                fleet_command,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: json!({"type": "object", "additionalProperties": false, "properties": broker_settings()}),
        defaults: KindDefaults {
            cpu_limit: 0.1,
            memory_limit_mb: 64,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
