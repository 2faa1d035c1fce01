//! `lora-gateway-agent` in a real container, spawned by the seed's name for
//! it (`lora-gateway`), against a real Mosquitto carrying a simulated
//! LoRaWAN network in ChirpStack v4's MQTT topics: gateways online (and one
//! lost, offline by its last will) with their counters, end devices heard
//! with their payloads and last RSSI/SNR, confirmed downlinks acknowledged
//! by the device or not, an unconfirmed one transmitted, a device gone
//! silent (no uplink, a downlink unacknowledged in time), bad payloads, a
//! spawn without its application, the broker down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::device_fleet::DeviceFleet;
use myca_e2e::device_sim::Behaviour;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_e2e::sim_lora::{SimEndDevice, SimGateway, APPLICATION_ROOT};
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::{json, Value};

const ROOF: &str = "gw-roof";
const BARN: &str = "gw-barn";
const SOIL: &str = "0101010101010101";
const WEATHER: &str = "0202020202020202";
const VALVE: &str = "0303030303030303";

fn network(application: &str) -> Vec<Box<dyn Behaviour>> {
    let device = |dev_eui, name, gateway, rssi, snr, data: &[u8], acknowledges| {
        SimEndDevice {
            dev_eui,
            name,
            gateway,
            rssi,
            snr,
            data: data.to_vec(),
            acknowledges,
        }
        .boxed(application)
    };
    vec![
        SimGateway::boxed(ROOF, 2),
        SimGateway::boxed(BARN, 1),
        device(SOIL, "soil-1", ROOF, -72, 9.25, &[0x00, 0xd7, 0x28], true),
        // Never acknowledges confirmed downlinks.
        device(WEATHER, "weather-1", ROOF, -95, 2.5, &[0x01, 0x02], false),
        device(VALVE, "valve-1", BARN, -110, -4.75, &[0xff], true),
    ]
}

fn device<'a>(list: &'a Value, dev_eui: &str) -> &'a Value {
    list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dev_eui"] == dev_eui)
        .unwrap_or_else(|| panic!("{dev_eui} missing from {list}"))
}

#[tokio::test]
async fn lora_gateway_lists_devices_and_follows_downlinks_over_chirpstack_mqtt() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut fleet = DeviceFleet::start_with(network).await;
    let mut settings = fleet.settings();
    settings["topic_prefix"] = json!(APPLICATION_ROOT);
    settings["application_id"] = json!(fleet.prefix);
    let body = json!({"agent_type": "lora-gateway", "category": "device", "memory_limit": 64, "settings": settings});
    let agent = unique_agent_id("lora");
    let spawned = spawn_healthy(&api, &mut guard, &agent, body.clone()).await;
    assert_eq!(spawned["agent_type"], "lora-gateway-agent", "{spawned}");

    let gateways = completed(&api, &agent, "gateway_status", json!({})).await;
    assert_eq!(
        fields(&gateways, &["count", "online", "offline"]),
        json!([2, 2, 0]),
        "{gateways}"
    );
    let barn = &gateways["gateways"][0];
    assert_eq!(
        fields(barn, &["gateway_id", "state"]),
        json!([BARN, "online"])
    );
    assert_eq!(barn["stats"]["gatewayId"], BARN);
    assert!(
        barn["stats"]["rxPacketsReceived"].as_u64().unwrap() >= 1,
        "{barn}"
    );
    let roof = &gateways["gateways"][1]["stats"];
    assert_eq!(roof["rxPacketsReceived"].as_u64().unwrap() % 2, 0, "{roof}");

    // Every device heard while listening, with its payload and reception.
    let heard = completed(&api, &agent, "list_devices", json!({})).await;
    assert_eq!(
        fields(&heard, &["count", "listened_ms"]),
        json!([3, 2500]),
        "{heard}"
    );
    let soil = device(&heard, SOIL);
    assert_eq!(
        fields(
            soil,
            &[
                "device_name",
                "gateway_id",
                "rssi",
                "snr",
                "f_port",
                "dr",
                "frequency",
                "data",
                "data_hex"
            ]
        ),
        json!([
            "soil-1",
            ROOF,
            -72,
            9.25,
            2,
            5,
            868_300_000,
            "ANco",
            "00d728"
        ])
    );
    assert!(soil["uplinks_heard"].as_u64().unwrap() >= 2, "{soil}");
    assert!(
        soil["f_cnt"].as_u64().unwrap() >= 2
            && soil["last_seen"].as_str().unwrap().starts_with("20"),
        "{soil}"
    );
    let valve = completed(
        &api,
        &agent,
        "list_devices",
        json!({"dev_eui": VALVE, "listen_ms": 1500}),
    )
    .await;
    assert_eq!(valve["count"], 1);
    assert_eq!(
        fields(
            &valve["devices"][0],
            &["device_name", "gateway_id", "rssi", "snr", "data_hex"]
        ),
        json!(["valve-1", BARN, -110, -4.75, "ff"])
    );

    // A confirmed downlink: transmitted, then acknowledged by the device.
    let sent = completed(
        &api,
        &agent,
        "send_downlink",
        json!({"dev_eui": SOIL, "f_port": 10, "data_hex": "0102"}),
    )
    .await;
    assert_eq!(
        fields(
            &sent,
            &[
                "dev_eui",
                "confirmed",
                "data",
                "transmitted",
                "acknowledged",
                "gateway_id",
                "f_cnt_down"
            ]
        ),
        json!([SOIL, true, "AQI=", true, true, ROOF, 1])
    );
    assert_eq!(sent["queue_item_id"].as_str().unwrap().len(), 36, "{sent}");
    // A device that does not acknowledge: ChirpStack's ack event says so.
    let nack = failed(
        &api,
        &agent,
        "send_downlink",
        json!({"dev_eui": WEATHER, "f_port": 10, "data_base64": "AQI="}),
    )
    .await;
    assert!(
        nack.starts_with("device 0202020202020202 did not acknowledge confirmed downlink ")
            && nack.ends_with("(ChirpStack's ack event says acknowledged=false)"),
        "{nack}"
    );
    let unconfirmed = completed(
        &api,
        &agent,
        "send_downlink",
        json!({"dev_eui": WEATHER, "f_port": 11, "data_base64": "AQI=", "confirmed": false}),
    )
    .await;
    assert_eq!(
        fields(
            &unconfirmed,
            &["transmitted", "acknowledged", "gateway_id", "f_cnt_down"]
        ),
        json!([true, false, ROOF, 2])
    );

    // A device gone silent: not heard, and its downlink never acknowledged in time.
    fleet.sim.drop_off(VALVE).await;
    let silent = failed(
        &api,
        &agent,
        "list_devices",
        json!({"dev_eui": VALVE, "listen_ms": 1500}),
    )
    .await;
    assert_eq!(
        silent,
        "device 0303030303030303 sent no uplink within 1500 ms"
    );
    let unacked = failed(
        &api,
        &agent,
        "send_downlink",
        json!({"dev_eui": VALVE, "f_port": 1, "data_hex": "00", "timeout_ms": 1500}),
    )
    .await;
    assert!(unacked.starts_with("downlink ") && unacked.ends_with(
        " to 0303030303030303 was not acknowledged by the device within 1500 ms (no gateway transmitted it)"), "{unacked}");
    // A gateway lost: offline by its last will.
    fleet.sim.drop_off(BARN).await;
    let lost = completed(&api, &agent, "gateway_status", json!({"listen_ms": 500})).await;
    assert_eq!(
        fields(&lost, &["online", "offline"]),
        json!([1, 1]),
        "{lost}"
    );
    assert_eq!(
        fields(&lost["gateways"][0], &["gateway_id", "state"]),
        json!([BARN, "offline"])
    );

    // Bad payloads and a spawn without its application.
    let both = failed(
        &api,
        &agent,
        "send_downlink",
        json!({"dev_eui": SOIL, "f_port": 10, "data_hex": "01", "data_base64": "AQ=="}),
    )
    .await;
    assert_eq!(
        both,
        "invalid payload: give exactly one of data_hex or data_base64"
    );
    let not_hex = failed(
        &api,
        &agent,
        "send_downlink",
        json!({"dev_eui": "zzzzzzzzzzzzzzzz", "f_port": 10, "data_hex": "01"}),
    )
    .await;
    assert_eq!(
        not_hex,
        "invalid payload: DevEUI \"zzzzzzzzzzzzzzzz\" must be 16 hex digits"
    );
    let port = failed(
        &api,
        &agent,
        "send_downlink",
        json!({"dev_eui": SOIL, "f_port": 0, "data_hex": "01"}),
    )
    .await;
    assert!(
        port.starts_with("invalid payload: payload.f_port"),
        "{port}"
    );
    let mut homeless = body.clone();
    homeless["settings"]
        .as_object_mut()
        .unwrap()
        .remove("application_id");
    homeless["agent_id"] = json!(unique_agent_id("lora-homeless"));
    let (code, refusal) = api
        .call(Method::POST, "/agents/spawn", Some(homeless))
        .await;
    assert_eq!(code, 422, "{refusal}");
    assert!(
        refusal.to_string().contains("settings.application_id"),
        "{refusal}"
    );

    fleet.broker.stop();
    let down = failed(&api, &agent, "gateway_status", json!({})).await;
    assert!(
        down.starts_with(&format!(
            "mqtt: cannot reach the broker at 127.0.0.1:{}",
            fleet.broker.port
        )),
        "{down}"
    );
}
