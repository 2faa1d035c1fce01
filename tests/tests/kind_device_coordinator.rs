//! `mycobrain-coordinator` in a real container, spawned by the seed's
//! other name for it (`device-coordinator`), against a real Mosquitto and
//! simulated MycoBrain devices: presence of the fleet with a registered
//! device never seen, a command acked by all, one refused by a device, a
//! device that drops off shown offline by its last will and timing out on
//! a command, bad payloads, and the broker down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::device_fleet::{DeviceFleet, ADVANCED, CLEAN, STUFFY};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use serde_json::{json, Value};

fn device<'a>(presence: &'a Value, id: &str) -> &'a Value {
    presence["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["device_id"] == id)
        .unwrap_or_else(|| panic!("{id} missing from {presence}"))
}

#[tokio::test]
async fn coordinator_tracks_presence_and_commands_the_fleet_over_mqtt() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut fleet = DeviceFleet::start().await;

    let coordinator = unique_agent_id("coordinator");
    let body = json!({"agent_type": "device-coordinator", "category": "device",
                      "memory_limit": 64, "settings": fleet.settings()});
    let spawned = spawn_healthy(&api, &mut guard, &coordinator, body).await;
    assert_eq!(spawned["agent_type"], "mycobrain-coordinator", "{spawned}");

    // A device registered before it ever reports.
    let registered = completed(&api, &coordinator, "register_device",
        json!({"device_id": "mb-004", "name": "Greenhouse 4", "model": "bme688", "location": "greenhouse"})).await;
    assert_eq!(
        registered["topic"],
        format!("{}/devices/mb-004/registration", fleet.prefix)
    );
    assert_eq!(registered["registration"]["name"], "Greenhouse 4");

    let presence = completed(&api, &coordinator, "fleet_presence", json!({})).await;
    assert_eq!(
        fields(&presence, &["count", "online", "offline", "unknown"]),
        json!([4, 3, 0, 1]),
        "{presence}"
    );
    assert_eq!(
        fields(
            device(&presence, CLEAN),
            &["status", "model", "firmware", "registered"]
        ),
        json!(["online", "bme688", "1.4.0", false])
    );
    assert_eq!(
        fields(device(&presence, ADVANCED), &["model", "firmware"]),
        json!(["bme690", "2.0.1"])
    );
    assert!(
        device(&presence, CLEAN)["last_seen"]
            .as_str()
            .unwrap()
            .starts_with("20"),
        "{presence}"
    );
    assert_eq!(
        fields(
            device(&presence, "mb-004"),
            &["status", "last_seen", "registered", "name"]
        ),
        json!(["unknown", null, true, "Greenhouse 4"])
    );

    // Every online device, each acking.
    let pinged = completed(
        &api,
        &coordinator,
        "fleet_command",
        json!({"command": "ping"}),
    )
    .await;
    assert_eq!(
        fields(
            &pinged,
            &["acked", "failed", "timed_out", "all_acked", "sent_to"]
        ),
        json!([
            [CLEAN, STUFFY, ADVANCED],
            [],
            [],
            true,
            [CLEAN, STUFFY, ADVANCED]
        ]),
        "{pinged}"
    );
    assert_eq!(pinged["results"][CLEAN], json!({"pong": true}));

    // One device refuses: its own error, the others' results.
    let identified = completed(
        &api,
        &coordinator,
        "fleet_command",
        json!({"command": "identify", "devices": [CLEAN, STUFFY]}),
    )
    .await;
    assert_eq!(
        fields(&identified, &["acked", "failed", "timed_out", "all_acked"]),
        json!([[CLEAN], [{"device_id": STUFFY, "error": "identify refused by device mb-002"}], [], false])
    );
    assert_eq!(identified["results"][CLEAN], json!({"led": "blinking"}));

    // A device drops off: its last will marks it offline, still with when it was last seen.
    fleet.sim.drop_off(ADVANCED).await;
    let gone = completed(
        &api,
        &coordinator,
        "fleet_presence",
        json!({"listen_ms": 500}),
    )
    .await;
    assert_eq!(
        fields(&gone, &["online", "offline"]),
        json!([2, 1]),
        "{gone}"
    );
    assert_eq!(device(&gone, ADVANCED)["status"], "offline");
    assert!(device(&gone, ADVANCED)["last_seen"].is_string(), "{gone}");
    let unanswered = completed(
        &api,
        &coordinator,
        "fleet_command",
        json!({"command": "ping", "devices": [CLEAN, ADVANCED], "timeout_ms": 1500}),
    )
    .await;
    assert_eq!(
        fields(&unanswered, &["acked", "timed_out", "all_acked"]),
        json!([[CLEAN], [ADVANCED], false]),
        "{unanswered}"
    );

    // Bad payloads, refused before the broker is asked.
    let no_command = failed(
        &api,
        &coordinator,
        "fleet_command",
        json!({"devices": [CLEAN]}),
    )
    .await;
    assert_eq!(no_command, "invalid payload: payload.command: is required");
    let wildcard = failed(
        &api,
        &coordinator,
        "register_device",
        json!({"device_id": "mb/#", "name": "x", "model": "bme688"}),
    )
    .await;
    assert!(
        wildcard.starts_with("invalid payload: device id \"mb/#\""),
        "{wildcard}"
    );

    // The broker down.
    fleet.broker.stop();
    let down = failed(&api, &coordinator, "fleet_presence", json!({})).await;
    assert!(
        down.starts_with(&format!(
            "mqtt: cannot reach the broker at 127.0.0.1:{}",
            fleet.broker.port
        )),
        "{down}"
    );
}
