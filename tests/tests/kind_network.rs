//! `network-agent` in real containers, spawned by the seed's name for it
//! (`network`), against a faithful fake of a UniFi Network controller over
//! TLS with a pinned self-signed certificate, in both its forms: a classic
//! controller (cookie login at /api/login) and a UniFi OS console (login at
//! /api/auth/login with a CSRF token, or an API key; paths under
//! /proxy/network). Credentials come from the OS keyring by reference. The
//! four task types, a login reused across tasks and renewed once when the
//! controller ends the session, an unknown site in the controller's words,
//! bad payloads, wrong passwords and a controller that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_unifi::{FakeUnifi, Flavor, USERNAME};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(controller: &FakeUnifi, unifi_os: bool, credential: (&str, &str)) -> Value {
    json!({
        "agent_type": "network", "category": "infrastructure", "memory_limit": 64,
        "settings": {"base_url": controller.url(), "unifi_os": unifi_os, "username": USERNAME,
                     "tls_fingerprint": controller.fingerprint},
        "credentials": [{"name": credential.0, "from": credential.1}],
    })
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn network_agent_reads_classic_and_unifi_os_controllers() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let api_key = format!("key-{}", uuid::Uuid::new_v4().simple());
    let classic = FakeUnifi::start(Flavor::Classic, &password, "").await;
    let console = FakeUnifi::start(Flavor::UnifiOs, &password, &api_key).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong, key) = (entry("unifi-pw"), entry("unifi-wrong"), entry("unifi-key"));
    keyring.set(&good, &password).await.unwrap();
    keyring.set(&wrong, "not-the-password").await.unwrap();
    keyring.set(&key, &api_key).await.unwrap();

    // A classic controller: one login serves every task.
    let ops = unique_agent_id("unifi");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &ops,
        body(&classic, false, ("UNIFI_PASSWORD", &good)),
    )
    .await;
    assert_eq!(spawned["agent_type"], "network-agent", "{spawned}");
    let clients = completed(&api, &ops, "list_clients", json!({})).await;
    assert_eq!(
        fields(&clients, &["wired", "wireless"]),
        json!([1, 1]),
        "{clients}"
    );
    assert_eq!(
        names(&clients["clients"], "ip"),
        ["192.168.1.23", "192.168.20.5"]
    );
    assert_eq!(clients["clients"][1]["name"], "sensor-hub");
    let devices = completed(&api, &ops, "list_devices", json!({"site": "default"})).await;
    assert_eq!(devices["offline"], 1, "{devices}");
    assert_eq!(
        names(&devices["devices"], "model"),
        ["UDMPRO", "US8P60", "U6LR"]
    );
    let rules = completed(&api, &ops, "firewall_rules", json!(null)).await;
    assert_eq!(
        names(&rules["rules"], "name"),
        ["block iot to lan", "allow dns to gateway", "drop invalid"],
        "in the order each ruleset applies them"
    );
    let networks = completed(&api, &ops, "networks", json!({})).await;
    let iot = networks["networks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["name"] == "IoT")
        .unwrap();
    assert_eq!(
        fields(iot, &["vlan", "ip_subnet"]),
        json!([20, "192.168.20.1/24"])
    );
    assert_eq!(classic.logins(), 1, "one login for four tasks");

    // The controller ends the session: the agent logs in again, once.
    classic.expire_sessions();
    let again = completed(&api, &ops, "list_clients", json!({})).await;
    assert_eq!(again["clients"].as_array().unwrap().len(), 2);
    assert_eq!(classic.logins(), 2);

    // The controller's own refusal, and payloads the schema refuses.
    let no_site = failed(&api, &ops, "list_devices", json!({"site": "branch"})).await;
    assert_eq!(
        no_site,
        "unifi: refused the request (400): api.err.NoSiteContext"
    );
    let bad = failed(&api, &ops, "networks", json!({"site": "", "vlan": 3})).await;
    assert_eq!(bad, "invalid payload: payload.site: needs at least 1 characters; payload.vlan: is not a known field");

    // A UniFi OS console, by login (TOKEN cookie + CSRF header) and by API key.
    let console_ops = unique_agent_id("unifi-os");
    spawn_healthy(
        &api,
        &mut guard,
        &console_ops,
        body(&console, true, ("UNIFI_PASSWORD", &good)),
    )
    .await;
    let devices = completed(&api, &console_ops, "list_devices", json!({})).await;
    assert_eq!(devices["devices"].as_array().unwrap().len(), 3, "{devices}");
    assert_eq!(console.logins(), 1);
    let keyed = unique_agent_id("unifi-key");
    spawn_healthy(
        &api,
        &mut guard,
        &keyed,
        body(&console, true, ("UNIFI_API_KEY", &key)),
    )
    .await;
    let rules = completed(&api, &keyed, "firewall_rules", json!({})).await;
    assert_eq!(rules["rules"].as_array().unwrap().len(), 3, "{rules}");
    assert_eq!(console.logins(), 1, "an API key needs no login");

    // Wrong passwords, in each controller's words, never quoted back.
    let refusals = [
        (&classic, false, "api.err.Invalid"),
        (&console, true, "Invalid username or password"),
    ];
    for (controller, unifi_os, words) in refusals {
        let denied = unique_agent_id("unifi-denied");
        let wrong_password = body(controller, unifi_os, ("UNIFI_PASSWORD", &wrong));
        spawn_healthy(&api, &mut guard, &denied, wrong_password).await;
        let refused = failed(&api, &denied, "list_clients", json!({})).await;
        assert_eq!(
            refused,
            format!("unifi: rejected the credentials (401): {words}; check the credential")
        );
        assert!(!refused.contains("not-the-password"));
    }

    // A controller that is not there.
    let down = unique_agent_id("unifi-down");
    let mut nowhere = body(&classic, false, ("UNIFI_PASSWORD", &good));
    nowhere["settings"]["base_url"] = json!("https://127.0.0.1:1");
    spawn_healthy(&api, &mut guard, &down, nowhere).await;
    let unreachable = failed(&api, &down, "list_clients", json!({})).await;
    assert!(
        unreachable.starts_with("unifi: unreachable: "),
        "{unreachable}"
    );

    for entry in [&good, &wrong, &key] {
        keyring.delete(entry).await.unwrap();
    }
    api.stop().await;
}
