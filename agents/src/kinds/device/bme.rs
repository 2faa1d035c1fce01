//! `bme688-agent` and `bme690-agent`: Bosch BME688/BME690 environmental
//! sensors on MycoBrain devices, read from the telemetry each device keeps
//! retained on `{prefix}/devices/{id}/telemetry` (temperature, humidity,
//! pressure, gas resistance). One implementation; each kind reads only the
//! devices whose telemetry names its sensor.
//!
//! Air quality: Bosch's own IAQ index comes from its closed BSEC library,
//! so this uses the open approximation common in hobby firmware — a score
//! of 0–100 (higher is cleaner), 25 points from humidity (full at 40 %RH,
//! falling linearly to 0 at 0 and 100 %RH) and 75 from gas resistance
//! (full at or above the clean-air baseline `gas_baseline_ohm`, linear
//! below), turned into an index `(100 − score) × 5` on Bosch's 0–500 scale
//! and classified with Bosch's bands (≤50 excellent … >350 extremely polluted).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::fleet::{millis, snapshot};
use super::mqtt::{broker_settings, device_id, Session};
use crate::kinds::connect::{optional_text, setting};
use crate::kinds::spec::{closed_object, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const METRICS: [&str; 5] = [
    "temperature_c",
    "humidity_pct",
    "pressure_hpa",
    "gas_resistance_ohm",
    "iaq",
];
const IDEAL_HUMIDITY: f64 = 40.0;

/// Bosch's IAQ bands: the upper bound of each class.
const CLASSES: [(f64, &str); 6] = [
    (50.0, "excellent"),
    (100.0, "good"),
    (150.0, "lightly polluted"),
    (200.0, "moderately polluted"),
    (250.0, "heavily polluted"),
    (350.0, "severely polluted"),
];

/// The IAQ index (0–500) of one reading, with the scores it is made of.
fn air_quality(humidity: f64, gas_ohm: f64, baseline_ohm: f64) -> Value {
    let offset = humidity - IDEAL_HUMIDITY;
    let humidity_score = if offset > 0.0 {
        (100.0 - IDEAL_HUMIDITY - offset) / (100.0 - IDEAL_HUMIDITY) * 25.0
    } else {
        (IDEAL_HUMIDITY + offset) / IDEAL_HUMIDITY * 25.0
    }
    .clamp(0.0, 25.0);
    let gas_score = (gas_ohm / baseline_ohm).clamp(0.0, 1.0) * 75.0;
    let score = humidity_score + gas_score;
    let iaq = (100.0 - score) * 5.0;
    let class = CLASSES
        .iter()
        .find(|(upper, _)| iaq <= *upper)
        .map_or("extremely polluted", |(_, class)| class);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    json!({"iaq": round(iaq), "class": class, "score": round(score),
           "humidity_score": round(humidity_score), "gas_score": round(gas_score)})
}

/// This kind's sensor's latest telemetry per device (of `device_id` only, if given).
async fn readings(context: &TaskContext) -> Result<BTreeMap<String, Value>, String> {
    let sensor = setting(context, "sensor")?;
    let only = optional_text(&context.task.payload, "device_id")
        .map(device_id)
        .transpose()?;
    let mut session = Session::connect(context).await?;
    let window = millis(&context.task.payload, "listen_ms", 1000);
    let fleet = snapshot(&mut session, window).await?;
    session.close().await;
    let found: BTreeMap<String, Value> = fleet
        .into_iter()
        .filter(|(id, _)| only.is_none_or(|only| only == id))
        .filter_map(|(id, device)| {
            let status = device.status().to_owned();
            let mut telemetry = device.telemetry.filter(|t| t["sensor"] == sensor)?;
            telemetry["device_id"] = json!(id);
            telemetry["status"] = json!(status);
            Some((id, telemetry))
        })
        .collect();
    match only {
        Some(id) if found.is_empty() => Err(format!(
            "no {sensor} telemetry from device {id} on the broker"
        )),
        _ => Ok(found),
    }
}

fn baseline(context: &TaskContext) -> f64 {
    context.task.payload["gas_baseline_ohm"]
        .as_f64()
        .or_else(|| {
            context
                .settings
                .get("gas_baseline_ohm")
                .and_then(Value::as_f64)
        })
        .unwrap_or(DEFAULT_BASELINE_OHM)
}

const DEFAULT_BASELINE_OHM: f64 = 200_000.0;

/// The reading with its air quality added.
fn assessed(mut reading: Value, baseline_ohm: f64) -> Value {
    let (humidity, gas) = (
        reading["humidity_pct"].as_f64(),
        reading["gas_resistance_ohm"].as_f64(),
    );
    if let (Some(humidity), Some(gas)) = (humidity, gas) {
        reading["air_quality"] = air_quality(humidity, gas, baseline_ohm);
    }
    reading
}

fn read_telemetry(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let readings: Vec<Value> = readings(&context).await?.into_values().collect();
        Ok(
            json!({"sensor": setting(&context, "sensor")?, "count": readings.len(), "readings": readings}),
        )
    })
}

fn air_quality_task(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let baseline_ohm = baseline(&context);
        let devices: Vec<Value> = readings(&context)
            .await?
            .into_iter()
            .map(|(id, reading)| {
                let mut quality = assessed(reading.clone(), baseline_ohm)["air_quality"].take();
                quality["device_id"] = json!(id);
                quality["ts"] = reading["ts"].clone();
                quality
            })
            .collect();
        Ok(json!({"gas_baseline_ohm": baseline_ohm, "count": devices.len(), "devices": devices}))
    })
}

fn check_thresholds(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let thresholds = context
            .task
            .payload
            .get("thresholds")
            .or_else(|| context.settings.get("thresholds"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        let baseline_ohm = baseline(&context);
        let readings = readings(&context).await?;
        let mut alerts = Vec::new();
        for (id, reading) in &readings {
            let reading = assessed(reading.clone(), baseline_ohm);
            for metric in METRICS {
                let limits = &thresholds[metric];
                let value = if metric == "iaq" {
                    reading["air_quality"]["iaq"].as_f64()
                } else {
                    reading[metric].as_f64()
                };
                let Some(value) = value else { continue };
                if let Some(max) = limits["max"].as_f64().filter(|max| value > *max) {
                    alerts.push(json!({"device_id": id, "metric": metric, "value": value, "limit": max, "breach": "above_max"}));
                }
                if let Some(min) = limits["min"].as_f64().filter(|min| value < *min) {
                    alerts.push(json!({"device_id": id, "metric": metric, "value": value, "limit": min, "breach": "below_min"}));
                }
            }
        }
        Ok(
            json!({"checked": readings.len(), "thresholds": thresholds, "alert_count": alerts.len(), "alerts": alerts}),
        )
    })
}

fn thresholds_schema() -> Value {
    let limits = json!({"type": "object", "additionalProperties": false,
                        "properties": {"min": {"type": "number"}, "max": {"type": "number"}}});
    let properties: serde_json::Map<String, Value> = METRICS
        .iter()
        .map(|metric| ((*metric).to_owned(), limits.clone()))
        .collect();
    json!({"type": "object", "additionalProperties": false, "properties": properties,
           "description": "Per metric (temperature_c, humidity_pct, pressure_hpa, gas_resistance_ohm, iaq): min and/or max"})
}

fn selection(extra: Value) -> Value {
    let mut properties = json!({
        "device_id": {"type": "string", "description": "One device; all when absent"},
        "listen_ms": {"type": "integer", "minimum": 100, "maximum": 10000, "default": 1000}});
    if let (Some(all), Some(extra)) = (properties.as_object_mut(), extra.as_object()) {
        all.extend(extra.clone());
    }
    closed_object(properties, &[])
}

/// The kind reading `sensor` (`bme688` or `bme690`).
pub fn spec_for(
    kind: &'static str,
    alias: &'static str,
    sensor: &'static str,
    description: &'static str,
) -> KindSpec {
    let mut settings = broker_settings();
    if let Some(settings) = settings.as_object_mut() {
        settings.insert(
            "sensor".into(),
            json!({"type": "string", "default": sensor,
            "description": "The sensor model named in the telemetry this agent reads"}),
        );
        settings.insert("gas_baseline_ohm".into(), json!({"type": "number", "minimum": 1000, "default": DEFAULT_BASELINE_OHM,
            "description": "Gas resistance of clean air for this site (the sensor's burn-in value)"}));
        settings.insert("thresholds".into(), {
            let mut schema = thresholds_schema();
            schema["default"] = json!({"iaq": {"max": 150}, "humidity_pct": {"max": 70}});
            schema
        });
    }
    let baseline = json!({"gas_baseline_ohm": {"type": "number", "minimum": 1000}});
    KindSpec {
        kind,
        aliases: vec![alias],
        category: AgentCategory::Device,
        description,
        task_types: vec![
            task("read_telemetry", "The latest reading of one device or of every device with this sensor (retained telemetry on the broker)",
                 selection(json!({})),
                 json!({"type": "object", "required": ["sensor", "count", "readings"],
                        "properties": {"sensor": {"type": "string"}, "count": {"type": "integer"},
                                       "readings": {"type": "array", "items": {"type": "object", "required": ["device_id", "ts", "status"]}}}}),
                 read_telemetry),
            task("air_quality", "IAQ index (0–500) and class per device, from humidity and gas resistance against the clean-air baseline (formula in the kind's documentation)",
                 selection(baseline.clone()),
                 json!({"type": "object", "required": ["count", "devices"],
                        "properties": {"gas_baseline_ohm": {"type": "number"}, "count": {"type": "integer"},
                                       "devices": {"type": "array", "items": {"type": "object", "required": ["device_id", "iaq", "class", "score"]}}}}),
                 air_quality_task),
            task("check_thresholds", "Alerts for every reading outside its thresholds (from the payload, else the agent's settings)",
                 selection(json!({"thresholds": thresholds_schema(), "gas_baseline_ohm": baseline["gas_baseline_ohm"]})),
                 json!({"type": "object", "required": ["checked", "alert_count", "alerts"],
                        "properties": {"checked": {"type": "integer"}, "alert_count": {"type": "integer"},
                                       "alerts": {"type": "array", "items": {"type": "object", "required": ["device_id", "metric", "value", "limit", "breach"]}}}}),
                 check_thresholds),
        ],
        credentials: Vec::new(),
        settings_schema: json!({"type": "object", "additionalProperties": false, "properties": settings}),
        defaults: KindDefaults { cpu_limit: 0.1, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}

pub fn bme688() -> KindSpec {
    spec_for("bme688-agent", "sensor-bme688",  "bme688",
        "BME688 air-quality sensors on MycoBrain devices (MQTT): latest telemetry, IAQ classification, thresholds → alerts")
}

pub fn bme690() -> KindSpec {
    spec_for("bme690-agent", "sensor-bme690", "bme690",
        "BME690 environmental sensors on MycoBrain devices (MQTT): latest telemetry, IAQ classification, thresholds → alerts")
}

#[cfg(test)]
mod tests {
    use super::air_quality;
    use serde_json::json;

    #[test]
    fn clean_air_is_excellent_and_stuffy_air_extremely_polluted() {
        assert_eq!(air_quality(40.0, 250_000.0, 200_000.0)["iaq"], json!(0.0));
        assert_eq!(
            air_quality(40.0, 250_000.0, 200_000.0)["class"],
            "excellent"
        );
        // 85 %RH: 6.25 points; 12 kΩ of 200 kΩ: 4.5 points.
        assert_eq!(air_quality(85.0, 12_000.0, 200_000.0)["iaq"], json!(446.3));
        assert_eq!(
            air_quality(55.0, 90_000.0, 200_000.0)["class"],
            "heavily polluted"
        );
    }
}
