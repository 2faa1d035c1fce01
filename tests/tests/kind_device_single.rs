//! `mycobrain-device` in a real container, one per device, against a real
//! Mosquitto and simulated devices: its status with real telemetry, a
//! command acked with the device's result, a refusal as the device's own
//! error, a device that dropped off shown offline and silent, a bad
//! payload, a spawn without its device refused, and the broker down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::device_fleet::{DeviceFleet, CLEAN, STUFFY};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn mycobrain_device_reports_and_commands_its_own_device() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut fleet = DeviceFleet::start().await;
    let fleet_settings = fleet.settings();
    let body = |device: &str| {
        let mut settings = fleet_settings.clone();
        settings["device_id"] = json!(device);
        json!({"agent_type": "mycobrain-device", "category": "device", "memory_limit": 64, "settings": settings})
    };
    let clean = unique_agent_id("device-clean");
    spawn_healthy(&api, &mut guard, &clean, body(CLEAN)).await;
    let stuffy = unique_agent_id("device-stuffy");
    spawn_healthy(&api, &mut guard, &stuffy, body(STUFFY)).await;

    let status = completed(&api, &clean, "device_status", json!({})).await;
    assert_eq!(
        fields(&status, &["device_id", "status", "model", "firmware"]),
        json!([CLEAN, "online", "bme688", "1.4.0"])
    );
    assert_eq!(status["telemetry"]["temperature_c"], 21.5);
    let pinged = completed(&api, &clean, "send_command", json!({"command": "ping"})).await;
    assert_eq!(pinged["result"], json!({"pong": true}), "{pinged}");
    let refused = failed(
        &api,
        &stuffy,
        "send_command",
        json!({"command": "identify"}),
    )
    .await;
    assert_eq!(
        refused,
        "device mb-002 refused identify: identify refused by device mb-002"
    );

    fleet.sim.drop_off(STUFFY).await;
    let gone = completed(&api, &stuffy, "device_status", json!({})).await;
    assert_eq!(gone["status"], "offline", "{gone}");
    let silent = failed(
        &api,
        &stuffy,
        "send_command",
        json!({"command": "ping", "timeout_ms": 1000}),
    )
    .await;
    assert_eq!(
        silent,
        "device mb-002 did not ack ping within 1000 ms (offline?)"
    );

    let no_command = failed(&api, &clean, "send_command", json!({"params": {}})).await;
    assert_eq!(no_command, "invalid payload: payload.command: is required");
    let mut nameless = body(CLEAN);
    nameless["settings"]
        .as_object_mut()
        .unwrap()
        .remove("device_id");
    nameless["agent_id"] = json!(unique_agent_id("device-nameless"));
    let (code, refusal) = api
        .call(Method::POST, "/agents/spawn", Some(nameless))
        .await;
    assert_eq!(code, 422, "{refusal}");
    assert!(
        refusal.to_string().contains("settings.device_id"),
        "{refusal}"
    );

    fleet.broker.stop();
    let down = failed(&api, &clean, "device_status", json!({})).await;
    assert!(
        down.starts_with("mqtt: cannot reach the broker at 127.0.0.1:"),
        "{down}"
    );
}
