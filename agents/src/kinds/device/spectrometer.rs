//! `spectrometer-agent`: spectrometers on the MycoBrain broker. Each keeps
//! its calibration (when its dark and white references were last taken)
//! in its retained telemetry; a `scan` command is acknowledged at once and
//! the reading follows on `{prefix}/devices/{id}/spectrum` carrying the
//! command's id: counts from `wavelength_start_nm` in steps of
//! `wavelength_step_nm`. The agent finds the spectrum's peaks and names
//! the reference (a set of known lines) most of whose lines it shows.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::fleet::{
    command_one, devices_of_type, millis, read_devices_of_type, Device, READ_WINDOW,
};
use super::mqtt::{broker_settings, device_id, Session};
use crate::kinds::connect::text;
use crate::kinds::spec::{closed_object, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// The calibration of one spectrometer: `valid`, `expired` (a reference
/// older than `max_age_h`) or `missing` (a reference never taken).
fn calibration(telemetry: &Value, max_age_h: f64, now: DateTime<Utc>) -> Value {
    let age_h = |reference: &str| {
        telemetry["calibration"][reference]
            .as_str()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| ((now - at.with_timezone(&Utc)).num_seconds() as f64 / 360.0).round() / 10.0)
    };
    let (dark, white) = (age_h("dark_at"), age_h("white_at"));
    let (state, reason) = match (dark, white) {
        (None, _) => ("missing", "no dark reference taken".to_owned()),
        (_, None) => ("missing", "no white reference taken".to_owned()),
        (Some(dark), _) if dark > max_age_h => (
            "expired",
            format!("the dark reference is {dark} h old, beyond {max_age_h} h"),
        ),
        (_, Some(white)) if white > max_age_h => (
            "expired",
            format!("the white reference is {white} h old, beyond {max_age_h} h"),
        ),
        _ => ("valid", "both references are current".to_owned()),
    };
    json!({"state": state, "reason": reason, "dark_age_h": dark, "white_age_h": white,
           "dark_at": telemetry["calibration"]["dark_at"], "white_at": telemetry["calibration"]["white_at"]})
}

fn max_age_h(context: &TaskContext) -> f64 {
    context
        .settings
        .get("calibration_max_age_h")
        .and_then(Value::as_f64)
        .unwrap_or(24.0)
}

fn status_of(id: &str, device: &Device, max_age_h: f64) -> Value {
    let telemetry = device.telemetry.clone().unwrap_or_default();
    json!({"device_id": id, "status": device.status(), "last_seen": device.last_seen(),
           "detector_temp_c": telemetry["detector_temp_c"],
           "calibration": calibration(&telemetry, max_age_h, Utc::now())})
}

fn calibration_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let found = read_devices_of_type(&context, "spectrometer", "device_id").await;
        let devices: Vec<Value> = found?
            .iter()
            .map(|(id, device)| status_of(id, device, max_age_h(&context)))
            .collect();
        Ok(json!({"count": devices.len(), "max_age_h": max_age_h(&context), "devices": devices}))
    })
}

fn calibrate(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = device_id(text(payload, "device_id"))?.to_owned();
        let reference = text(payload, "reference");
        let mut params = Map::new();
        params.insert("reference".into(), json!(reference));
        let mut session = Session::connect(&context).await?;
        let answer = command_one(
            &mut session,
            &id,
            "calibrate",
            &params,
            millis(payload, "timeout_ms", 5000),
        )
        .await;
        session.close().await;
        let (request_id, result) = answer?;
        // The ack carries the device's calibration after this reference.
        let state = calibration(
            &json!({"calibration": result["calibration"]}),
            max_age_h(&context),
            Utc::now(),
        );
        Ok(
            json!({"device_id": id, "reference": reference, "request_id": request_id, "calibration": state}),
        )
    })
}

/// A local maximum of the spectrum and how far it stands above its surroundings.
#[derive(Debug, PartialEq)]
struct Peak {
    index: usize,
    prominence: f64,
}

/// Local maxima whose prominence (height above the higher of the lowest
/// points between it and a higher point on either side) is at least
/// `min_prominence`, highest first.
fn peaks(counts: &[f64], min_prominence: f64) -> Vec<Peak> {
    let mut found = Vec::new();
    for i in 1..counts.len().saturating_sub(1) {
        let value = counts[i];
        if !(value > counts[i - 1] && value >= counts[i + 1]) {
            continue;
        }
        let base = |side: &mut dyn Iterator<Item = &f64>| {
            side.take_while(|c| **c <= value)
                .fold(value, |low, c| low.min(*c))
        };
        let left = base(&mut counts[..i].iter().rev());
        let right = base(&mut counts[i + 1..].iter());
        let prominence = value - left.max(right);
        if prominence >= min_prominence {
            found.push(Peak {
                index: i,
                prominence,
            });
        }
    }
    found.sort_by(|a, b| counts[b.index].total_cmp(&counts[a.index]));
    found
}

/// The reference most of whose lines have a peak within `tolerance_nm`
/// (at least half of them), with the share it matched.
fn classify(peaks_nm: &[f64], references: &Value, tolerance_nm: f64) -> Value {
    let mut scores: Vec<Value> = references
        .as_array()
        .into_iter()
        .flatten()
        .map(|reference| {
            let lines: Vec<f64> = reference["lines_nm"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
            let matched: Vec<f64> = lines.iter().copied().filter(|line| peaks_nm.iter().any(|p| (p - line).abs() <= tolerance_nm)).collect();
            let score = if lines.is_empty() { 0.0 } else { matched.len() as f64 / lines.len() as f64 };
            json!({"name": reference["name"], "score": (score * 100.0).round() / 100.0, "matched_nm": matched})
        })
        .collect();
    scores.sort_by(|a, b| {
        b["score"]
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&a["score"].as_f64().unwrap_or(0.0))
    });
    let best = scores
        .first()
        .filter(|best| best["score"].as_f64().unwrap_or(0.0) >= 0.5)
        .map(|best| best["name"].clone());
    json!({"class": best.unwrap_or_else(|| json!("unclassified")), "tolerance_nm": tolerance_nm, "scores": scores})
}

/// What the agent makes of one reading.
fn analysed(spectrum: &Value, payload: &Value, references: &Value) -> Result<Value, String> {
    let counts: Vec<f64> = spectrum["counts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_f64)
        .collect();
    let (start, step) = (
        spectrum["wavelength_start_nm"].as_f64(),
        spectrum["wavelength_step_nm"].as_f64(),
    );
    let (Some(start), Some(step)) = (start, step) else {
        return Err(
            "the spectrometer's reading lacks wavelength_start_nm or wavelength_step_nm".to_owned(),
        );
    };
    let max = counts.iter().copied().fold(0.0, f64::max);
    let relative = payload["min_prominence"].as_f64().unwrap_or(0.05);
    let limit = payload["max_peaks"].as_u64().unwrap_or(10) as usize;
    let found: Vec<Value> = peaks(&counts, relative * max)
        .into_iter()
        .take(limit)
        .map(|peak| json!({"wavelength_nm": start + step * peak.index as f64, "counts": counts[peak.index], "prominence": peak.prominence}))
        .collect();
    let peaks_nm: Vec<f64> = found
        .iter()
        .filter_map(|p| p["wavelength_nm"].as_f64())
        .collect();
    let tolerance = payload["tolerance_nm"].as_f64().unwrap_or(3.0);
    Ok(
        json!({"points": counts.len(), "range_nm": [start, start + step * counts.len().saturating_sub(1) as f64],
              "max_counts": max, "peaks": found, "classification": classify(&peaks_nm, references, tolerance)}),
    )
}

fn scan(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = device_id(text(payload, "device_id"))?.to_owned();
        let references = payload
            .get("references")
            .or_else(|| context.settings.get("references"))
            .cloned()
            .unwrap_or_default();
        let mut params = Map::new();
        params.insert(
            "integration_ms".into(),
            json!(payload["integration_ms"].as_u64().unwrap_or(100)),
        );
        params.insert(
            "averages".into(),
            json!(payload["averages"].as_u64().unwrap_or(1)),
        );
        let mut session = Session::connect(&context).await?;
        let reading = async {
            let found = devices_of_type(&mut session, READ_WINDOW, "spectrometer", Some(&id)).await?;
            let calibration = found.first().map(|(id, device)| status_of(id, device, max_age_h(&context))).unwrap_or_default();
            if calibration["status"] == "offline" {
                return Err(format!("scan refused: spectrometer {id} is offline"));
            }
            if calibration["calibration"]["state"] != "valid" && payload["allow_uncalibrated"] != true {
                return Err(format!("scan refused: spectrometer {id}'s calibration is {}: {}; calibrate it or allow_uncalibrated",
                    calibration["calibration"]["state"].as_str().unwrap_or("unknown"), calibration["calibration"]["reason"].as_str().unwrap_or("")));
            }
            // Subscribed before asking, so the reading cannot slip past.
            let readings = session.topic(&id, "spectrum");
            session.subscribe(&readings).await?;
            let deadline = Instant::now() + millis(payload, "timeout_ms", 5000);
            let (request_id, _) = command_one(&mut session, &id, "scan", &params, millis(payload, "timeout_ms", 5000)).await?;
            let mut spectrum = None;
            session
                .collect(deadline, |message| {
                    if message.channel == "spectrum" && message.device_id == id && message.body["id"] == request_id.as_str() {
                        spectrum = Some(message.body);
                    }
                    spectrum.is_none()
                })
                .await?;
            let spectrum = spectrum.ok_or_else(|| format!("spectrometer {id} acknowledged the scan but sent no reading within {} ms", millis(payload, "timeout_ms", 5000).as_millis()))?;
            Ok((request_id, calibration["calibration"].clone(), spectrum))
        }
        .await;
        session.close().await;
        let (request_id, calibration, spectrum) = reading?;
        let mut result = analysed(&spectrum, payload, &references)?;
        result["device_id"] = json!(id);
        result["request_id"] = json!(request_id);
        result["ts"] = spectrum["ts"].clone();
        result["integration_ms"] = spectrum["integration_ms"].clone();
        result["calibration"] = calibration;
        Ok(result)
    })
}

fn references_schema() -> Value {
    json!({"type": "array", "maxItems": 50, "description": "Known spectra, each a set of lines: a scan is classified as the one most of whose lines it shows",
           "items": {"type": "object", "additionalProperties": false, "required": ["name", "lines_nm"],
                     "properties": {"name": {"type": "string", "minLength": 1}, "lines_nm": {"type": "array", "minItems": 1, "items": {"type": "number"}}}}})
}

pub fn spec() -> KindSpec {
    let mut settings = broker_settings();
    if let Some(settings) = settings.as_object_mut() {
        settings.insert("calibration_max_age_h".into(), json!({"type": "number", "minimum": 0.1, "default": 24,
            "description": "A dark or white reference older than this makes the calibration expired"}));
        let mut references = references_schema();
        // Classic calibration lamps' lines, and chlorophyll's fluorescence.
        references["default"] = json!([
            {"name": "mercury", "lines_nm": [404.7, 435.8, 546.1]},
            {"name": "sodium", "lines_nm": [589.3]},
            {"name": "chlorophyll_fluorescence", "lines_nm": [685, 740]}]);
        settings.insert("references".into(), references);
    }
    let id = json!({"type": "string", "minLength": 1, "maxLength": 64});
    let calibration = json!({"type": "object", "required": ["state", "reason"],
        "properties": {"state": {"enum": ["valid", "expired", "missing"]}, "reason": {"type": "string"}}});
    let timeout = json!({"type": "integer", "minimum": 100, "maximum": 120000, "default": 5000});
    KindSpec {
        kind: "spectrometer-agent",
        aliases: vec!["spectrometer"],
        category: AgentCategory::Device,
        description: "Spectrometers over MQTT: calibration state, dark/white calibration, scans collected with peak detection and classification against reference lines",
        task_types: vec![
            task("calibration_status", "Every spectrometer (or one): online/offline, detector temperature, and whether its calibration is valid, expired or missing",
                 closed_object(json!({"device_id": id}), &[]),
                 json!({"type": "object", "required": ["count", "devices"],
                        "properties": {"count": {"type": "integer"}, "devices": {"type": "array", "items": {"type": "object", "required": ["device_id", "status", "calibration"]}}}}),
                 calibration_status),
            task("calibrate", "Take a dark or white reference on the device and return its calibration afterwards",
                 closed_object(json!({"device_id": id, "reference": {"enum": ["dark", "white"]}, "timeout_ms": timeout}), &["device_id", "reference"]),
                 json!({"type": "object", "required": ["device_id", "reference", "calibration"],
                        "properties": {"device_id": {"type": "string"}, "reference": {"type": "string"}, "calibration": calibration}}),
                 calibrate),
            task("scan", "Request a scan (refused while the calibration is not valid unless allow_uncalibrated), collect the reading, find its peaks and classify it against the reference lines",
                 closed_object(json!({"device_id": id,
                     "integration_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 100},
                     "averages": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                     "min_prominence": {"type": "number", "minimum": 0, "maximum": 1, "default": 0.05, "description": "A peak's least prominence, as a share of the highest count"},
                     "max_peaks": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                     "tolerance_nm": {"type": "number", "minimum": 0, "maximum": 50, "default": 3},
                     "references": references_schema(),
                     "allow_uncalibrated": {"type": "boolean", "default": false},
                     "timeout_ms": timeout}), &["device_id"]),
                 json!({"type": "object", "required": ["device_id", "points", "peaks", "classification", "calibration"],
                        "properties": {"device_id": {"type": "string"}, "points": {"type": "integer"}, "max_counts": {"type": "number"},
                                       "peaks": {"type": "array", "items": {"type": "object", "required": ["wavelength_nm", "counts", "prominence"]}},
                                       "classification": {"type": "object", "required": ["class", "scores"]}, "calibration": calibration}}),
                 scan),
        ],
        credentials: Vec::new(),
        settings_schema: json!({"type": "object", "additionalProperties": false, "properties": settings}),
        defaults: KindDefaults { cpu_limit: 0.1, memory_limit_mb: 64, max_concurrent_tasks: 2 },
        privileges: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_are_found_by_prominence_highest_first() {
        // A small bump on the shoulder of a big one is not prominent enough.
        let counts = [0.0, 1.0, 5.0, 1.0, 0.0, 3.0, 9.0, 8.5, 8.6, 3.0, 0.0];
        assert_eq!(
            peaks(&counts, 1.0),
            vec![
                Peak {
                    index: 6,
                    prominence: 9.0
                },
                Peak {
                    index: 2,
                    prominence: 5.0
                }
            ]
        );
        assert_eq!(peaks(&counts, 0.05).len(), 3);
        assert!(peaks(&[], 0.0).is_empty());
    }

    #[test]
    fn a_scan_is_the_reference_most_of_whose_lines_it_shows() {
        let references = json!([{"name": "mercury", "lines_nm": [404.7, 435.8, 546.1]}, {"name": "sodium", "lines_nm": [589.3]}]);
        let mercury = classify(&[436.0, 546.0, 700.0], &references, 3.0);
        assert_eq!(mercury["class"], "mercury");
        assert_eq!(mercury["scores"][0]["score"], 0.67);
        assert_eq!(
            classify(&[500.0], &references, 3.0)["class"],
            "unclassified"
        );
    }

    #[test]
    fn calibration_is_valid_expired_or_missing() {
        let now = Utc::now();
        let at = |hours: i64| json!((now - chrono::Duration::hours(hours)).to_rfc3339());
        let state = |dark: Value, white: Value| {
            calibration(
                &json!({"calibration": {"dark_at": dark, "white_at": white}}),
                24.0,
                now,
            )["state"]
                .clone()
        };
        assert_eq!(state(at(1), at(2)), "valid");
        assert_eq!(state(at(30), at(2)), "expired");
        assert_eq!(state(Value::Null, at(2)), "missing");
    }
}
