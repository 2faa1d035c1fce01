//! `spectrometer-agent` in a real container, spawned by the seed's name for
//! it (`spectrometer`), against a real Mosquitto and simulated
//! spectrometers: calibration valid, expired and missing; a scan collected
//! with its peaks and classified as the mercury lamp it sees; a scan
//! refused while the calibration is expired, then a dark reference taken
//! and the scan classified as chlorophyll fluorescence; a device that acks
//! but never sends its reading; one that dropped off (scan refused,
//! calibration unacknowledged in time); bad payloads; the broker down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::device_fleet::DeviceFleet;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_e2e::sim_spectrometer::SimSpectrometer;
use myca_orchestrator::config::DatabaseTarget;
use serde_json::{json, Value};

const LAB: &str = "sp-001";
const FIELD: &str = "sp-002";
const STALLED: &str = "sp-003";

fn spectrometers(prefix: &str) -> Vec<Box<dyn myca_e2e::device_sim::Behaviour>> {
    vec![
        // A mercury calibration lamp, calibrated recently.
        SimSpectrometer {
            id: LAB,
            lines: vec![(404.7, 3000.0), (435.8, 5000.0), (546.1, 8000.0)],
            dark_age_h: Some(2),
            white_age_h: Some(3),
            stalls: false,
        }
        .boxed(prefix),
        // A leaf's chlorophyll fluorescence; its dark reference is stale.
        SimSpectrometer {
            id: FIELD,
            lines: vec![(685.0, 2000.0), (740.0, 1200.0)],
            dark_age_h: Some(30),
            white_age_h: Some(1),
            stalls: false,
        }
        .boxed(prefix),
        // A sodium lamp, never white-referenced, and it never sends its readings.
        SimSpectrometer {
            id: STALLED,
            lines: vec![(589.3, 6000.0)],
            dark_age_h: Some(1),
            white_age_h: None,
            stalls: true,
        }
        .boxed(prefix),
    ]
}

fn peak_wavelengths(scan: &Value) -> Vec<f64> {
    scan["peaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["wavelength_nm"].as_f64().unwrap())
        .collect()
}

#[tokio::test]
async fn spectrometer_scans_finds_peaks_and_keeps_calibration_over_mqtt() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut fleet = DeviceFleet::start_with(spectrometers).await;
    let body = json!({"agent_type": "spectrometer", "category": "device", "memory_limit": 64, "settings": fleet.settings()});
    let agent = unique_agent_id("spectrometer");
    let spawned = spawn_healthy(&api, &mut guard, &agent, body).await;
    assert_eq!(spawned["agent_type"], "spectrometer-agent", "{spawned}");

    let status = completed(&api, &agent, "calibration_status", json!({})).await;
    assert_eq!(
        fields(&status, &["count", "max_age_h"]),
        json!([3, 24.0]),
        "{status}"
    );
    let states: Vec<Value> = status["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            json!([
                d["device_id"],
                d["status"],
                d["calibration"]["state"],
                d["calibration"]["reason"]
            ])
        })
        .collect();
    assert_eq!(
        json!(states),
        json!([
            [LAB, "online", "valid", "both references are current"],
            [
                FIELD,
                "online",
                "expired",
                "the dark reference is 30 h old, beyond 24 h"
            ],
            [STALLED, "online", "missing", "no white reference taken"]
        ])
    );
    assert_eq!(status["devices"][0]["calibration"]["dark_age_h"], 2.0);
    assert_eq!(status["devices"][0]["detector_temp_c"], 24.5);

    // The mercury lamp: three lines found, highest first, and named.
    let mercury = completed(
        &api,
        &agent,
        "scan",
        json!({"device_id": LAB, "integration_ms": 250}),
    )
    .await;
    assert_eq!(
        fields(&mercury, &["points", "range_nm", "integration_ms"]),
        json!([401, [380.0, 780.0], 250]),
        "{mercury}"
    );
    assert_eq!(peak_wavelengths(&mercury), vec![546.0, 436.0, 405.0]);
    let top = &mercury["peaks"][0];
    assert!(
        (top["counts"].as_f64().unwrap() - 8095.6).abs() < 0.5,
        "{top}"
    );
    assert!(top["prominence"].as_f64().unwrap() > 7990.0, "{top}");
    assert_eq!(mercury["classification"]["class"], "mercury");
    assert_eq!(
        mercury["classification"]["scores"][0],
        json!({"name": "mercury", "score": 1.0, "matched_nm": [404.7, 435.8, 546.1]})
    );
    assert_eq!(mercury["calibration"]["state"], "valid");
    let limited = completed(
        &api,
        &agent,
        "scan",
        json!({"device_id": LAB, "max_peaks": 1, "min_prominence": 0.5}),
    )
    .await;
    assert_eq!(peak_wavelengths(&limited), vec![546.0]);
    assert_eq!(limited["classification"]["class"], "unclassified");

    // Stale calibration: refused until the dark reference is retaken.
    let stale = failed(&api, &agent, "scan", json!({"device_id": FIELD})).await;
    assert_eq!(stale, "scan refused: spectrometer sp-002's calibration is expired: the dark reference is 30 h old, beyond 24 h; calibrate it or allow_uncalibrated");
    let dark = completed(
        &api,
        &agent,
        "calibrate",
        json!({"device_id": FIELD, "reference": "dark"}),
    )
    .await;
    assert_eq!(
        fields(&dark["calibration"], &["state", "dark_age_h"]),
        json!(["valid", 0.0]),
        "{dark}"
    );
    let leaf = completed(&api, &agent, "scan", json!({"device_id": FIELD})).await;
    assert_eq!(peak_wavelengths(&leaf), vec![685.0, 740.0]);
    assert_eq!(leaf["classification"]["class"], "chlorophyll_fluorescence");
    let own = completed(&api, &agent, "scan",
        json!({"device_id": FIELD, "references": [{"name": "far_red_led", "lines_nm": [735]}], "tolerance_nm": 6})).await;
    assert_eq!(own["classification"]["class"], "far_red_led");

    // Acked but no reading; allowed uncalibrated only when asked.
    let missing = failed(&api, &agent, "scan", json!({"device_id": STALLED})).await;
    assert!(
        missing.contains("calibration is missing: no white reference taken"),
        "{missing}"
    );
    let stalled = failed(
        &api,
        &agent,
        "scan",
        json!({"device_id": STALLED, "allow_uncalibrated": true, "timeout_ms": 1500}),
    )
    .await;
    assert_eq!(
        stalled,
        "spectrometer sp-003 acknowledged the scan but sent no reading within 1500 ms"
    );

    // Dropped off: offline, no scan sent; a calibration it never acknowledges.
    fleet.sim.drop_off(LAB).await;
    let gone = completed(
        &api,
        &agent,
        "calibration_status",
        json!({"device_id": LAB}),
    )
    .await;
    assert_eq!(fields(&gone["devices"][0], &["status"]), json!(["offline"]));
    let offline = failed(&api, &agent, "scan", json!({"device_id": LAB})).await;
    assert_eq!(offline, "scan refused: spectrometer sp-001 is offline");
    let unanswered = failed(
        &api,
        &agent,
        "calibrate",
        json!({"device_id": LAB, "reference": "white", "timeout_ms": 1000}),
    )
    .await;
    assert_eq!(
        unanswered,
        "device sp-001 did not ack calibrate within 1000 ms (offline?)"
    );

    // Bad payloads and an unknown device.
    let no_device = failed(&api, &agent, "scan", json!({})).await;
    assert_eq!(no_device, "invalid payload: payload.device_id: is required");
    let grey = failed(
        &api,
        &agent,
        "calibrate",
        json!({"device_id": FIELD, "reference": "grey"}),
    )
    .await;
    assert!(
        grey.starts_with("invalid payload: payload.reference"),
        "{grey}"
    );
    let unknown = failed(&api, &agent, "scan", json!({"device_id": "sp-404"})).await;
    assert_eq!(unknown, "no spectrometer sp-404 has reported on the broker");

    fleet.broker.stop();
    let down = failed(&api, &agent, "calibration_status", json!({})).await;
    assert!(
        down.starts_with(&format!(
            "mqtt: cannot reach the broker at 127.0.0.1:{}",
            fleet.broker.port
        )),
        "{down}"
    );
}
