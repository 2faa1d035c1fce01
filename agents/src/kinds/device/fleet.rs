//! The fleet as the broker holds it: each device's retained presence,
//! registration and latest telemetry, and commands answered by acks.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::mqtt::{device_id, Session};
use crate::kinds::connect::optional_text;
use crate::runtime::handlers::TaskContext;

/// The payload's `field` in milliseconds, `default` when absent.
pub fn millis(payload: &Value, field: &str, default: u64) -> Duration {
    Duration::from_millis(payload[field].as_u64().unwrap_or(default))
}

/// How long a device kind reads the broker's retained messages.
pub const READ_WINDOW: Duration = Duration::from_millis(700);

/// What the broker holds about one device.
#[derive(Default)]
pub struct Device {
    pub presence: Option<Value>,
    pub registration: Option<Value>,
    pub telemetry: Option<Value>,
}

impl Device {
    /// `online`, `offline` (its last will, or a clean goodbye) or `unknown`
    /// (registered but never seen).
    pub fn status(&self) -> &str {
        self.presence
            .as_ref()
            .and_then(|p| p["status"].as_str())
            .unwrap_or("unknown")
    }

    /// The latest time the device itself stamped on its presence or telemetry.
    pub fn last_seen(&self) -> Option<&str> {
        [&self.presence, &self.telemetry]
            .into_iter()
            .flatten()
            .filter_map(|body| body["ts"].as_str())
            .max()
    }
}

/// Every device with a retained message on the broker, by id, read for `window`.
pub async fn snapshot(
    session: &mut Session,
    window: Duration,
) -> Result<BTreeMap<String, Device>, String> {
    for channel in ["presence", "registration", "telemetry"] {
        let filter = session.topic("+", channel);
        session.subscribe(&filter).await?;
    }
    let mut fleet: BTreeMap<String, Device> = BTreeMap::new();
    session
        .collect(Instant::now() + window, |message| {
            let device = fleet.entry(message.device_id).or_default();
            match message.channel.as_str() {
                "presence" => device.presence = Some(message.body),
                "registration" => device.registration = Some(message.body),
                "telemetry" => device.telemetry = Some(message.body),
                _ => {}
            }
            true
        })
        .await?;
    Ok(fleet)
}

/// How each device answered one command.
pub struct Outcome {
    pub request_id: String,
    pub acked: BTreeMap<String, Value>,
    pub failed: BTreeMap<String, String>,
    pub timed_out: BTreeSet<String>,
}

impl Outcome {
    pub fn to_json(&self) -> Value {
        let failed: Vec<Value> = self
            .failed
            .iter()
            .map(|(device, error)| json!({"device_id": device, "error": error}))
            .collect();
        json!({
            "request_id": self.request_id,
            "acked": self.acked.keys().collect::<Vec<_>>(),
            "results": self.acked,
            "failed": failed,
            "timed_out": self.timed_out,
            "all_acked": self.failed.is_empty() && self.timed_out.is_empty(),
        })
    }
}

/// `command` with `params` sent to every device in `devices`, each ack
/// (`{"id": request_id, "ok": bool, "result"|"error"}`) waited for until `timeout`.
pub async fn command(
    session: &mut Session,
    devices: &BTreeSet<String>,
    command: &str,
    params: &Map<String, Value>,
    timeout: Duration,
) -> Result<Outcome, String> {
    let request_id = uuid::Uuid::new_v4().to_string();
    let acks = session.topic("+", "ack");
    session.subscribe(&acks).await?;
    let deadline = Instant::now() + timeout;
    let body = json!({"id": request_id, "command": command, "params": params});
    for device in devices {
        let topic = session.topic(device, "cmd");
        session.publish(&topic, &body, false).await?;
    }
    let mut outcome = Outcome {
        request_id,
        acked: BTreeMap::new(),
        failed: BTreeMap::new(),
        timed_out: devices.clone(),
    };
    session
        .collect(deadline, |message| {
            let answered = message.channel == "ack"
                && message.body["id"] == outcome.request_id.as_str()
                && outcome.timed_out.remove(&message.device_id);
            if answered {
                if message.body["ok"] == true {
                    outcome
                        .acked
                        .insert(message.device_id, message.body["result"].clone());
                } else {
                    let error = message.body["error"]
                        .as_str()
                        .unwrap_or("the device refused without a reason")
                        .to_owned();
                    outcome.failed.insert(message.device_id, error);
                }
            }
            !outcome.timed_out.is_empty()
        })
        .await?;
    Ok(outcome)
}

/// `name` sent to the one device `id`: its ack's result, or its refusal or
/// silence (offline, or too slow) as the error.
pub async fn command_one(
    session: &mut Session,
    id: &str,
    name: &str,
    params: &Map<String, Value>,
    timeout: Duration,
) -> Result<(String, Value), String> {
    let mut outcome = command(
        session,
        &BTreeSet::from([id.to_owned()]),
        name,
        params,
        timeout,
    )
    .await?;
    if let Some(error) = outcome.failed.remove(id) {
        return Err(format!("device {id} refused {name}: {error}"));
    }
    let result = outcome.acked.remove(id).ok_or_else(|| {
        format!(
            "device {id} did not ack {name} within {} ms (offline?)",
            timeout.as_millis()
        )
    })?;
    Ok((outcome.request_id, result))
}

/// The devices whose retained telemetry says `"type": kind` (only `only`,
/// if given, which must be one of them), read for `window`.
pub async fn devices_of_type(
    session: &mut Session,
    window: Duration,
    kind: &str,
    only: Option<&str>,
) -> Result<Vec<(String, Device)>, String> {
    let found: Vec<(String, Device)> = snapshot(session, window)
        .await?
        .into_iter()
        .filter(|(id, device)| {
            only.is_none_or(|only| only == id)
                && device.telemetry.as_ref().is_some_and(|t| t["type"] == kind)
        })
        .collect();
    match only {
        Some(id) if found.is_empty() => Err(format!("no {kind} {id} has reported on the broker")),
        _ => Ok(found),
    }
}

/// The devices of `kind` (only the one the payload's `field` names, if it
/// does), read in a session of their own.
pub async fn read_devices_of_type(
    context: &TaskContext,
    kind: &str,
    field: &str,
) -> Result<Vec<(String, Device)>, String> {
    let only = optional_text(&context.task.payload, field)
        .map(device_id)
        .transpose()?;
    let mut session = Session::connect(context).await?;
    let found = devices_of_type(&mut session, READ_WINDOW, kind, only).await;
    session.close().await;
    found
}
