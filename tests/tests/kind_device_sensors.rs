//! `bme688-agent` and `bme690-agent` in real containers, spawned by the
//! seed's names for them (`sensor-bme688`, `bme690-agent`), against a real
//! Mosquitto and simulated MycoBrain devices: each reads only its own
//! sensor's telemetry, classifies air quality, raises alerts from the
//! thresholds in its settings or the payload, shows a device that dropped
//! off as offline with its last reading; bad payloads and the broker down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::device_fleet::{DeviceFleet, ADVANCED, CLEAN, STUFFY};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use serde_json::json;

#[tokio::test]
async fn bme_agents_read_classify_and_alert_on_their_sensors_telemetry() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut fleet = DeviceFleet::start().await;

    let bme688 = unique_agent_id("bme688");
    let body = |kind: &str| json!({"agent_type": kind, "category": "device", "memory_limit": 64, "settings": fleet.settings()});
    let spawned = spawn_healthy(&api, &mut guard, &bme688, body("sensor-bme688")).await;
    assert_eq!(spawned["agent_type"], "bme688-agent", "{spawned}");
    let bme690 = unique_agent_id("bme690");
    spawn_healthy(&api, &mut guard, &bme690, body("bme690-agent")).await;

    // Each reads only the devices with its sensor.
    let read = completed(&api, &bme688, "read_telemetry", json!({})).await;
    assert_eq!(
        fields(&read, &["sensor", "count"]),
        json!(["bme688", 2]),
        "{read}"
    );
    let clean = &read["readings"][0];
    assert_eq!(
        fields(
            clean,
            &[
                "device_id",
                "status",
                "temperature_c",
                "humidity_pct",
                "pressure_hpa",
                "gas_resistance_ohm"
            ]
        ),
        json!([CLEAN, "online", 21.5, 40.0, 1013.2, 250000.0])
    );
    assert!(
        clean["seq"].as_u64().unwrap() >= 1 && clean["ts"].is_string(),
        "{clean}"
    );
    let advanced = completed(
        &api,
        &bme690,
        "read_telemetry",
        json!({"device_id": ADVANCED}),
    )
    .await;
    assert_eq!(
        fields(
            &advanced["readings"][0],
            &["device_id", "sensor", "temperature_c", "pressure_hpa"]
        ),
        json!([ADVANCED, "bme690", 19.0, 1020.0])
    );
    let elsewhere = failed(
        &api,
        &bme688,
        "read_telemetry",
        json!({"device_id": ADVANCED}),
    )
    .await;
    assert_eq!(
        elsewhere,
        "no bme688 telemetry from device mb-003 on the broker"
    );

    // Air quality against the default clean-air baseline (200 kΩ).
    let quality = completed(&api, &bme688, "air_quality", json!({})).await;
    assert_eq!(
        fields(
            &quality["devices"][0],
            &["device_id", "iaq", "class", "score"]
        ),
        json!([CLEAN, 0.0, "excellent", 100.0])
    );
    assert_eq!(
        fields(&quality["devices"][1], &["device_id", "iaq", "class"]),
        json!([STUFFY, 446.3, "extremely polluted"])
    );
    let advanced = completed(
        &api,
        &bme690,
        "air_quality",
        json!({"gas_baseline_ohm": 90000}),
    )
    .await;
    assert_eq!(
        fields(&advanced["devices"][0], &["iaq", "class"]),
        json!([31.3, "excellent"]),
        "{advanced}"
    );

    // Thresholds from the settings' defaults (IAQ above 150, humidity above 70), then from the payload.
    let alerts = completed(&api, &bme688, "check_thresholds", json!({})).await;
    assert_eq!(
        fields(&alerts, &["checked", "alert_count"]),
        json!([2, 2]),
        "{alerts}"
    );
    assert_eq!(
        alerts["alerts"],
        json!([
        {"device_id": STUFFY, "metric": "humidity_pct", "value": 85.0, "limit": 70.0, "breach": "above_max"},
        {"device_id": STUFFY, "metric": "iaq", "value": 446.3, "limit": 150.0, "breach": "above_max"}])
    );
    let warm = completed(
        &api,
        &bme688,
        "check_thresholds",
        json!({"thresholds": {"temperature_c": {"min": 22, "max": 30}}}),
    )
    .await;
    assert_eq!(
        warm["alerts"],
        json!([
        {"device_id": CLEAN, "metric": "temperature_c", "value": 21.5, "limit": 22.0, "breach": "below_min"},
        {"device_id": STUFFY, "metric": "temperature_c", "value": 31.0, "limit": 30.0, "breach": "above_max"}])
    );

    // A device that dropped off: offline, its last reading kept.
    fleet.sim.drop_off(STUFFY).await;
    let gone = completed(
        &api,
        &bme688,
        "read_telemetry",
        json!({"device_id": STUFFY}),
    )
    .await;
    assert_eq!(
        fields(&gone["readings"][0], &["status", "temperature_c"]),
        json!(["offline", 31.0]),
        "{gone}"
    );

    // Bad payloads.
    let typo = failed(
        &api,
        &bme688,
        "check_thresholds",
        json!({"thresholds": {"iaq": {"maximum": 100}}}),
    )
    .await;
    assert!(
        typo.starts_with("invalid payload: payload.thresholds.iaq"),
        "{typo}"
    );
    let wildcard = failed(&api, &bme690, "read_telemetry", json!({"device_id": "+"})).await;
    assert!(
        wildcard.starts_with("invalid payload: device id \"+\""),
        "{wildcard}"
    );

    // The broker down.
    fleet.broker.stop();
    let down = failed(&api, &bme690, "air_quality", json!({})).await;
    assert!(
        down.starts_with("mqtt: cannot reach the broker at 127.0.0.1:"),
        "{down}"
    );
}
