//! `lora-gateway-agent`: LoRaWAN end devices and gateways as a ChirpStack
//! v4 network server relays them over MQTT (its JSON integration):
//! uplinks on `{topic_prefix}/{application_id}/device/{devEui}/event/up`
//! (payload base64 in `data`, reception per gateway in `rxInfo`), downlinks
//! enqueued on `…/device/{devEui}/command/down` and followed by `txack`
//! (a gateway sent it) and, when confirmed, `ack` (the device acknowledged
//! it, or not); gateways' retained connection state on
//! `{gateway_prefix}/gateway/{gatewayId}/state/conn` and their counters on
//! `…/event/stats` (ChirpStack Gateway Bridge). Uplinks are not retained,
//! so devices are the ones heard while listening.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{json, Value};
use tokio::time::Instant;

use super::fleet::millis;
use super::mqtt::{broker_settings, topic_name, Session};
use crate::kinds::connect::{optional_text, setting, text};
use crate::kinds::spec::{closed_object, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// `{topic_prefix}/{application_id}/device/{dev_eui}`.
fn device_topic(context: &TaskContext, session: &Session, dev_eui: &str) -> Result<String, String> {
    let application = topic_name(
        "setting \"application_id\"",
        setting(context, "application_id")?,
    )?;
    Ok(format!(
        "{}/{application}/device/{dev_eui}",
        session.prefix()
    ))
}

/// A DevEUI as ChirpStack writes it in topics: 16 lowercase hex digits.
fn dev_eui(value: &str) -> Result<String, String> {
    if value.len() == 16 && value.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(format!(
            "invalid payload: DevEUI {value:?} must be 16 hex digits"
        ))
    }
}

fn gateway_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let prefix = setting(&context, "gateway_prefix")?.to_owned();
        for part in prefix.split('/') {
            topic_name("setting \"gateway_prefix\"", part)?;
        }
        let root = format!("{prefix}/gateway/");
        let mut session = Session::connect(&context).await?;
        let mut gateways: BTreeMap<String, Value> = BTreeMap::new();
        let heard = async {
            session.subscribe(&format!("{root}+/state/conn")).await?;
            session.subscribe(&format!("{root}+/event/stats")).await?;
            let deadline = Instant::now() + millis(&context.task.payload, "listen_ms", 1500);
            session
                .collect_published(deadline, |published| {
                    let Some((id, kind)) = published
                        .topic
                        .strip_prefix(&root)
                        .and_then(|rest| rest.split_once('/'))
                    else {
                        return true;
                    };
                    let gateway = gateways.entry(id.to_owned()).or_insert_with(
                        || json!({"gateway_id": id, "state": "unknown", "stats": null}),
                    );
                    match kind {
                        "state/conn" => {
                            gateway["state"] = json!(published.body["state"]
                                .as_str()
                                .unwrap_or("unknown")
                                .to_ascii_lowercase())
                        }
                        "event/stats" => gateway["stats"] = published.body,
                        _ => {}
                    }
                    true
                })
                .await
        }
        .await;
        session.close().await;
        heard?;
        let count = |state: &str| gateways.values().filter(|g| g["state"] == state).count();
        Ok(
            json!({"count": gateways.len(), "online": count("online"), "offline": count("offline"),
                  "gateways": gateways.into_values().collect::<Vec<_>>()}),
        )
    })
}

/// The strongest reception of one uplink: its gateway, RSSI and SNR.
fn best_reception(uplink: &Value) -> Value {
    uplink["rxInfo"]
        .as_array()
        .into_iter()
        .flatten()
        .max_by(|a, b| {
            a["rssi"]
                .as_f64()
                .unwrap_or(f64::MIN)
                .total_cmp(&b["rssi"].as_f64().unwrap_or(f64::MIN))
        })
        .map_or(
            json!({"gateway_id": null, "rssi": null, "snr": null}),
            |rx| json!({"gateway_id": rx["gatewayId"], "rssi": rx["rssi"], "snr": rx["snr"]}),
        )
}

/// What the devices list says about one uplink.
fn summary(uplink: &Value) -> Value {
    let data = uplink["data"].as_str().unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).ok();
    let mut summary = json!({"dev_eui": uplink["deviceInfo"]["devEui"], "device_name": uplink["deviceInfo"]["deviceName"],
        "last_seen": uplink["time"], "f_cnt": uplink["fCnt"], "f_port": uplink["fPort"], "dr": uplink["dr"],
        "frequency": uplink["txInfo"]["frequency"], "data": data, "data_hex": bytes.map(hex::encode)});
    if let (Some(summary), Value::Object(rx)) = (summary.as_object_mut(), best_reception(uplink)) {
        summary.extend(rx);
    }
    summary
}

fn list_devices(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let only = optional_text(payload, "dev_eui").map(dev_eui).transpose()?;
        let window = millis(payload, "listen_ms", 2500);
        let mut session = Session::connect(&context).await?;
        let mut devices: BTreeMap<String, Value> = BTreeMap::new();
        let heard = async {
            let filter = device_topic(&context, &session, "+")?;
            session.subscribe(&format!("{filter}/event/up")).await?;
            session
                .collect_published(Instant::now() + window, |published| {
                    let eui = published.body["deviceInfo"]["devEui"]
                        .as_str()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if published.topic.ends_with("/event/up")
                        && only.as_ref().is_none_or(|only| *only == eui)
                    {
                        let heard = devices
                            .get(&eui)
                            .map_or(0, |d| d["uplinks_heard"].as_u64().unwrap_or(0));
                        let mut device = summary(&published.body);
                        device["uplinks_heard"] = json!(heard + 1);
                        devices.insert(eui, device);
                    }
                    true
                })
                .await
        }
        .await;
        session.close().await;
        heard?;
        if let Some(eui) = only.filter(|_| devices.is_empty()) {
            return Err(format!(
                "device {eui} sent no uplink within {} ms",
                window.as_millis()
            ));
        }
        Ok(
            json!({"count": devices.len(), "listened_ms": window.as_millis() as u64, "devices": devices.into_values().collect::<Vec<_>>()}),
        )
    })
}

/// The downlink's bytes, base64 for ChirpStack, from hex or base64.
fn downlink_data(payload: &Value) -> Result<String, String> {
    let engine = base64::engine::general_purpose::STANDARD;
    match (
        optional_text(payload, "data_hex"),
        optional_text(payload, "data_base64"),
    ) {
        (Some(data), None) => hex::decode(data)
            .map(|bytes| engine.encode(bytes))
            .map_err(|e| format!("invalid payload: data_hex is not hex: {e}")),
        (None, Some(data)) => engine
            .decode(data)
            .map(|_| data.to_owned())
            .map_err(|e| format!("invalid payload: data_base64 is not base64: {e}")),
        _ => Err("invalid payload: give exactly one of data_hex or data_base64".to_owned()),
    }
}

fn send_downlink(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let eui = dev_eui(text(payload, "dev_eui"))?;
        let data = downlink_data(payload)?;
        let confirmed = payload["confirmed"].as_bool().unwrap_or(true);
        let timeout = millis(payload, "timeout_ms", 10_000);
        let id = uuid::Uuid::new_v4().to_string();
        let command = json!({"id": id, "devEui": eui, "confirmed": confirmed, "fPort": payload["f_port"], "data": data});
        let mut session = Session::connect(&context).await?;
        let (mut txack, mut ack) = (None, None);
        let sent = async {
            let topic = device_topic(&context, &session, &eui)?;
            session.subscribe(&format!("{topic}/event/+")).await?;
            let deadline = Instant::now() + timeout;
            session
                .publish(&format!("{topic}/command/down"), &command, false)
                .await?;
            session
                .collect_published(deadline, |published| {
                    if published.body["queueItemId"] == id.as_str() {
                        if published.topic.ends_with("/event/txack") {
                            txack = Some(published.body);
                        } else if published.topic.ends_with("/event/ack") {
                            ack = Some(published.body);
                        }
                    }
                    // Unconfirmed downlinks end at the gateway's txack.
                    if confirmed {
                        ack.is_none()
                    } else {
                        txack.is_none()
                    }
                })
                .await
        }
        .await;
        session.close().await;
        sent?;
        let transmitted_by = txack.as_ref().map(|t| t["gatewayId"].clone());
        let f_cnt_down = txack
            .as_ref()
            .or(ack.as_ref())
            .map(|t| t["fCntDown"].clone());
        match (confirmed, &ack, &txack) {
            (true, Some(ack), _) if ack["acknowledged"] != true => Err(format!(
                "device {eui} did not acknowledge confirmed downlink {id} (ChirpStack's ack event says acknowledged=false)"
            )),
            (true, None, _) | (false, _, None) => Err(format!(
                "downlink {id} to {eui} was not {} within {} ms ({})",
                if confirmed { "acknowledged by the device" } else { "transmitted" },
                timeout.as_millis(),
                if txack.is_some() { "a gateway transmitted it" } else { "no gateway transmitted it" }
            )),
            _ => Ok(json!({"dev_eui": eui, "queue_item_id": id, "confirmed": confirmed, "f_port": payload["f_port"], "data": data,
                           "transmitted": txack.is_some(), "gateway_id": transmitted_by, "f_cnt_down": f_cnt_down,
                           "acknowledged": confirmed})),
        }
    })
}

pub fn spec() -> KindSpec {
    let mut settings = broker_settings();
    if let Some(settings) = settings.as_object_mut() {
        settings.insert("topic_prefix".into(), json!({"type": "string", "minLength": 1, "default": "application",
            "description": "ChirpStack's integration topic root: {topic_prefix}/{application_id}/device/{devEui}/event|command/…"}));
        settings.insert("application_id".into(), json!({"type": "string", "minLength": 1, "maxLength": 64,
            "description": "The ChirpStack application whose devices this agent reads and commands"}));
        settings.insert("gateway_prefix".into(), json!({"type": "string", "minLength": 1, "default": "eu868",
            "description": "ChirpStack Gateway Bridge's topic prefix: {gateway_prefix}/gateway/{gatewayId}/state/conn|event/stats"}));
    }
    let window = |default: u64| json!({"type": "integer", "minimum": 100, "maximum": 60000, "default": default, "description": "How long to listen"});
    let eui = json!({"type": "string", "minLength": 16, "maxLength": 16, "examples": ["0101010101010101"]});
    KindSpec {
        kind: "lora-gateway-agent",
        aliases: vec!["lora-gateway"],
        category: AgentCategory::Device,
        description: "LoRaWAN through a ChirpStack network server over MQTT: gateways online/offline with their counters, end devices heard with last RSSI/SNR and payload, downlinks enqueued and followed to the device's acknowledgement",
        task_types: vec![
            task("gateway_status", "Every gateway the bridge announced: online or offline (its retained connection state, a lost gateway's last will) and its latest counters",
                 closed_object(json!({"listen_ms": window(1500)}), &[]),
                 json!({"type": "object", "required": ["count", "online", "offline", "gateways"],
                        "properties": {"count": {"type": "integer"}, "online": {"type": "integer"}, "offline": {"type": "integer"},
                                       "gateways": {"type": "array", "items": {"type": "object", "required": ["gateway_id", "state"]}}}}),
                 gateway_status),
            task("list_devices", "The application's end devices heard while listening (or one): last uplink's time, counters, payload (base64 and hex) and its best reception (gateway, RSSI, SNR)",
                 closed_object(json!({"dev_eui": eui, "listen_ms": window(2500)}), &[]),
                 json!({"type": "object", "required": ["count", "devices"],
                        "properties": {"count": {"type": "integer"}, "listened_ms": {"type": "integer"},
                                       "devices": {"type": "array", "items": {"type": "object", "required": ["dev_eui", "last_seen", "rssi", "snr", "uplinks_heard"]}}}}),
                 list_devices),
            task("send_downlink", "Enqueue a downlink (hex or base64 bytes on an fPort) and wait until the device acknowledges it (confirmed) or a gateway transmits it (unconfirmed)",
                 closed_object(json!({"dev_eui": eui, "f_port": {"type": "integer", "minimum": 1, "maximum": 223},
                                      "data_hex": {"type": "string", "maxLength": 484}, "data_base64": {"type": "string", "maxLength": 324},
                                      "confirmed": {"type": "boolean", "default": true},
                                      "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 300000, "default": 10000}}), &["dev_eui", "f_port"]),
                 json!({"type": "object", "required": ["dev_eui", "queue_item_id", "transmitted", "acknowledged"],
                        "properties": {"dev_eui": {"type": "string"}, "queue_item_id": {"type": "string"}, "transmitted": {"type": "boolean"},
                                       "acknowledged": {"type": "boolean"}, "gateway_id": {"type": ["string", "null"]}}}),
                 send_downlink),
        ],
        credentials: Vec::new(),
        settings_schema: json!({"type": "object", "additionalProperties": false, "required": ["application_id"], "properties": settings}),
        defaults: KindDefaults { cpu_limit: 0.1, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uplink_is_summarised_with_its_best_reception() {
        let uplink = json!({"time": "2026-12-06T10:00:00Z", "deviceInfo": {"devEui": "0101010101010101", "deviceName": "soil-1"},
            "fCnt": 7, "fPort": 2, "dr": 5, "data": "AQID", "txInfo": {"frequency": 868100000},
            "rxInfo": [{"gatewayId": "aa", "rssi": -110, "snr": -3.5}, {"gatewayId": "bb", "rssi": -72, "snr": 9.25}]});
        let device = summary(&uplink);
        assert_eq!(device["data_hex"], "010203");
        assert_eq!(
            (&device["gateway_id"], &device["rssi"], &device["snr"]),
            (&json!("bb"), &json!(-72), &json!(9.25))
        );
    }

    #[test]
    fn downlink_bytes_come_as_hex_or_base64_never_both() {
        assert_eq!(
            downlink_data(&json!({"data_hex": "010203"})),
            Ok("AQID".to_owned())
        );
        assert_eq!(
            downlink_data(&json!({"data_base64": "AQID"})),
            Ok("AQID".to_owned())
        );
        assert!(downlink_data(&json!({"data_hex": "zz"}))
            .unwrap_err()
            .contains("not hex"));
        assert!(downlink_data(&json!({}))
            .unwrap_err()
            .contains("exactly one"));
        assert_eq!(
            dev_eui("0101010101ABCDEF"),
            Ok("0101010101abcdef".to_owned())
        );
    }
}
