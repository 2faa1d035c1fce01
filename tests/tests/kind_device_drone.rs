//! `mycodrone-agent` in a real container, spawned by the seed's name for it
//! (`mycodrone`), against a real Mosquitto and simulated drones: status
//! from their telemetry, takeoff/goto/return-home acked by the drone,
//! commands outside the geofence, above the ceiling, in the wrong flight
//! state or short of battery refused with the rule's reason before
//! anything is sent, a mission flown leg by leg, a drone that never acks
//! `goto` (a mission brought home, a command timing out), a drone that
//! dropped off, bad payloads, a spawn without a geofence, the broker down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::device_fleet::DeviceFleet;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_e2e::sim_drone::SimDrone;
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::json;

const READY: &str = "dr-001";
const LOW: &str = "dr-002";
const LOSSY: &str = "dr-003";
const CENTRE: (f64, f64) = (52.37, 4.9);

fn drones(prefix: &str) -> Vec<Box<dyn myca_e2e::device_sim::Behaviour>> {
    let drone = |id, battery_pct, home, ignores| {
        SimDrone {
            id,
            battery_pct,
            home,
            ignores,
        }
        .boxed(prefix)
    };
    vec![
        drone(READY, 85.0, CENTRE, vec![]),
        drone(LOW, 18.0, (52.3705, 4.9005), vec![]),
        drone(LOSSY, 90.0, (52.3695, 4.8995), vec!["goto"]),
    ]
}

#[tokio::test]
async fn mycodrone_flies_within_its_geofence_and_battery_rules_over_mqtt() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut fleet = DeviceFleet::start_with(drones).await;
    let mut settings = fleet.settings();
    settings["geofence"] =
        json!({"lat": CENTRE.0, "lon": CENTRE.1, "radius_m": 500, "max_altitude_m": 120});
    let body = json!({"agent_type": "mycodrone", "category": "device", "memory_limit": 64, "settings": settings});
    let pilot = unique_agent_id("drone");
    let spawned = spawn_healthy(&api, &mut guard, &pilot, body.clone()).await;
    assert_eq!(spawned["agent_type"], "mycodrone-agent", "{spawned}");

    let status = completed(&api, &pilot, "drone_status", json!({})).await;
    assert_eq!(status["count"], 3, "{status}");
    let ready = &status["drones"][0];
    assert_eq!(
        fields(
            ready,
            &["drone_id", "status", "state", "battery_pct", "model"]
        ),
        json!([READY, "online", "landed", 85.0, "mycodrone-x1"])
    );
    assert_eq!(
        ready["position"],
        json!({"lat": 52.37, "lon": 4.9, "alt_m": 0.0})
    );
    assert!(
        ready["last_seen"].as_str().unwrap().starts_with("20"),
        "{ready}"
    );

    // Takeoff and a goto inside the fence, each acked with the drone's new state.
    let up = completed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "takeoff", "alt_m": 30}),
    )
    .await;
    assert_eq!(fields(&up, &["acked", "command"]), json!([true, "takeoff"]));
    assert_eq!(
        up["result"],
        json!({"state": "flying", "position": {"lat": 52.37, "lon": 4.9, "alt_m": 30.0}})
    );
    let moved = completed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "goto", "lat": 52.372, "lon": 4.901, "alt_m": 40}),
    )
    .await;
    assert_eq!(
        moved["result"]["position"],
        json!({"lat": 52.372, "lon": 4.901, "alt_m": 40.0})
    );
    let now = completed(&api, &pilot, "drone_status", json!({"drone_id": READY})).await;
    assert_eq!(fields(&now["drones"][0], &["state"]), json!(["flying"]));
    assert_eq!(now["drones"][0]["position"]["lat"], 52.372);

    // Refused before sending, each with its rule.
    let outside = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "goto", "lat": 52.38, "lon": 4.9}),
    )
    .await;
    assert!(outside.starts_with("goto refused before sending to drone dr-001: (52.38, 4.9) is 1112 m from the geofence centre, beyond its 500 m radius"), "{outside}");
    let ceiling = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "goto", "lat": 52.371, "lon": 4.9, "alt_m": 150}),
    )
    .await;
    assert_eq!(ceiling, "goto refused before sending to drone dr-001: altitude 150 m is outside the geofence's 0–120 m");
    let twice = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "takeoff"}),
    )
    .await;
    assert_eq!(
        twice,
        "takeoff refused before sending to drone dr-001: it is flying, not landed"
    );
    let low = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": LOW, "command": "takeoff"}),
    )
    .await;
    assert_eq!(low, "takeoff refused before sending to drone dr-002: battery 18% is below the 30% takeoff minimum");
    let grounded = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": LOW, "command": "land"}),
    )
    .await;
    assert_eq!(
        grounded,
        "land refused before sending to drone dr-002: it is landed, not flying"
    );

    let home = completed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "return_home"}),
    )
    .await;
    assert_eq!(
        home["result"],
        json!({"state": "landed", "position": {"lat": 52.37, "lon": 4.9, "alt_m": 0.0}})
    );

    // A mission: every leg acked, home at the end.
    let mission = completed(&api, &pilot, "fly_mission", json!({"drone_id": READY,
        "waypoints": [{"lat": 52.371, "lon": 4.9005, "alt_m": 30}, {"lat": 52.369, "lon": 4.899, "alt_m": 30}]})).await;
    assert_eq!(
        fields(&mission, &["completed", "distance_m"]),
        json!([true, 491.0]),
        "{mission}"
    );
    assert_eq!(mission["battery_needed_pct"], 30.0);
    let steps: Vec<_> = mission["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| fields(s, &["command", "acked"]))
        .collect();
    assert_eq!(
        json!(steps),
        json!([
            ["takeoff", true],
            ["goto", true],
            ["goto", true],
            ["return_home", true]
        ])
    );
    assert_eq!(
        mission["steps"][2]["result"]["position"],
        json!({"lat": 52.369, "lon": 4.899, "alt_m": 30.0})
    );
    let outside_mission = failed(&api, &pilot, "fly_mission",
        json!({"drone_id": READY, "waypoints": [{"lat": 52.371, "lon": 4.9}, {"lat": 52.39, "lon": 4.9}]})).await;
    assert!(
        outside_mission.starts_with(
            "mission refused before sending to drone dr-001: waypoint 2: (52.39, 4.9) is 2224 m"
        ),
        "{outside_mission}"
    );
    let short = failed(
        &api,
        &pilot,
        "fly_mission",
        json!({"drone_id": LOW, "waypoints": [{"lat": 52.371, "lon": 4.9}]}),
    )
    .await;
    assert!(
        short.starts_with(
            "mission refused before sending to drone dr-002: battery 18% is below the 30% needed"
        ),
        "{short}"
    );

    // A drone that never acks goto: the mission stops and brings it home; a lone goto times out.
    let lossy = completed(
        &api,
        &pilot,
        "fly_mission",
        json!({"drone_id": LOSSY, "waypoints": [{"lat": 52.37, "lon": 4.9}], "timeout_ms": 1500}),
    )
    .await;
    assert_eq!(lossy["completed"], false, "{lossy}");
    assert_eq!(
        fields(&lossy["steps"][1], &["command", "acked", "error"]),
        json!([
            "goto",
            false,
            "device dr-003 did not ack goto within 1500 ms (offline?)"
        ])
    );
    assert_eq!(lossy["return_home"]["acked"], true, "{lossy}");
    assert_eq!(lossy["return_home"]["result"]["state"], "landed");
    completed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": LOSSY, "command": "takeoff"}),
    )
    .await;
    let silent = failed(&api, &pilot, "drone_command",
        json!({"drone_id": LOSSY, "command": "goto", "lat": 52.3701, "lon": 4.9, "timeout_ms": 1000})).await;
    assert_eq!(
        silent,
        "device dr-003 did not ack goto within 1000 ms (offline?)"
    );

    // Dropped off: offline by its last will, and nothing is sent to it.
    fleet.sim.drop_off(LOSSY).await;
    let gone = completed(&api, &pilot, "drone_status", json!({"drone_id": LOSSY})).await;
    assert_eq!(
        fields(&gone["drones"][0], &["status", "state"]),
        json!(["offline", "flying"])
    );
    let offline = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": LOSSY, "command": "land"}),
    )
    .await;
    assert_eq!(
        offline,
        "land refused before sending to drone dr-003: it is offline"
    );

    // Bad payloads, an unknown drone, a spawn without a geofence.
    let no_command = failed(&api, &pilot, "drone_command", json!({"drone_id": READY})).await;
    assert_eq!(no_command, "invalid payload: payload.command: is required");
    let flip = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "flip"}),
    )
    .await;
    assert!(
        flip.starts_with("invalid payload: payload.command"),
        "{flip}"
    );
    let nowhere = failed(
        &api,
        &pilot,
        "drone_command",
        json!({"drone_id": READY, "command": "takeoff", "lat": "north"}),
    )
    .await;
    assert!(
        nowhere.starts_with("invalid payload: payload.lat"),
        "{nowhere}"
    );
    let unknown = failed(&api, &pilot, "drone_status", json!({"drone_id": "dr-404"})).await;
    assert_eq!(unknown, "no drone dr-404 has reported on the broker");
    let mut unfenced = body.clone();
    unfenced["settings"]
        .as_object_mut()
        .unwrap()
        .remove("geofence");
    unfenced["agent_id"] = json!(unique_agent_id("drone-unfenced"));
    let (code, refusal) = api
        .call(Method::POST, "/agents/spawn", Some(unfenced))
        .await;
    assert_eq!(code, 422, "{refusal}");
    assert!(
        refusal.to_string().contains("settings.geofence"),
        "{refusal}"
    );

    fleet.broker.stop();
    let down = failed(&api, &pilot, "drone_status", json!({})).await;
    assert!(
        down.starts_with(&format!(
            "mqtt: cannot reach the broker at 127.0.0.1:{}",
            fleet.broker.port
        )),
        "{down}"
    );
}
