//! `soc-agent` in a real container, spawned through the API by the seed's
//! name for it (`security`), against Debian's real CrowdSec Local API on
//! loopback: a ban as `cscli decisions add` makes it, seen by the bouncer
//! and by `cscli` itself, the alert it raised, an unban; a bad payload, a
//! wrong bouncer key, a wrong machine password and a Local API that is down.
//! Both credentials come from the OS keyring by reference.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::crowdsec_lapi::{CrowdSec, MACHINE_ID};
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(url: &str, key_from: &str, password_from: &str) -> Value {
    json!({
        "agent_type": "security", "category": "security", "memory_limit": 64,
        "settings": {"lapi_url": url, "machine_id": MACHINE_ID},
        "credentials": [{"name": "CROWDSEC_BOUNCER_KEY", "from": key_from},
                        {"name": "CROWDSEC_MACHINE_PASSWORD", "from": password_from}],
    })
}

fn keyring_name() -> String {
    format!("e2e/{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn soc_agent_bans_lists_and_unbans_on_a_real_crowdsec_lapi() {
    let lapi = CrowdSec::start().await;
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let (key, password, wrong) = (keyring_name(), keyring_name(), keyring_name());
    keyring.set(&key, &lapi.bouncer_key).await.unwrap();
    keyring
        .set(&password, &lapi.machine_password)
        .await
        .unwrap();
    keyring.set(&wrong, "not-the-secret-4711").await.unwrap();

    let soc = unique_agent_id("soc");
    let spawned = spawn_healthy(&api, &mut guard, &soc, body(&lapi.url, &key, &password)).await;
    assert_eq!(spawned["agent_type"], "soc-agent", "{spawned}");

    let none = completed(&api, &soc, "list_decisions", json!({})).await;
    assert_eq!(none, json!({"count": 0, "decisions": []}));
    let banned = completed(
        &api,
        &soc,
        "ban_ip",
        json!({"ip": "203.0.113.7", "reason": "e2e brute force", "duration": "2h"}),
    )
    .await;
    assert_eq!(banned["scope"], "Ip");
    assert_eq!(banned["type"], "ban");
    let range = completed(
        &api,
        &soc,
        "ban_ip",
        json!({"ip": "198.51.100.0/24", "reason": "e2e scanner", "type": "captcha"}),
    )
    .await;
    assert_eq!(range["scope"], "Range");
    // CrowdSec took the machine's version from the agent's User-Agent.
    assert_eq!(lapi.machine_version(), env!("CARGO_PKG_VERSION"));
    assert_ne!(range["alert_id"], banned["alert_id"]);

    // The bouncer sees both, and CrowdSec's own CLI agrees.
    let decisions = completed(&api, &soc, "list_decisions", json!({})).await;
    assert_eq!(decisions["count"], 2, "{decisions}");
    let one = completed(&api, &soc, "list_decisions", json!({"ip": "203.0.113.7"})).await;
    assert_eq!(one["count"], 1, "{one}");
    assert_eq!(one["decisions"][0]["value"], "203.0.113.7");
    assert_eq!(one["decisions"][0]["type"], "ban");
    assert!(
        one["decisions"][0]["duration"]
            .as_str()
            .unwrap()
            .starts_with("1h59m"),
        "{one}"
    );
    let cscli = lapi.cscli_decisions().to_string();
    assert!(
        cscli.contains("203.0.113.7") && cscli.contains("198.51.100.0/24"),
        "{cscli}"
    );

    let alerts = completed(&api, &soc, "list_alerts", json!({"ip": "203.0.113.7"})).await;
    assert_eq!(alerts["count"], 1, "{alerts}");
    let alert = &alerts["alerts"][0];
    assert_eq!(
        alert["id"].to_string(),
        banned["alert_id"].as_str().unwrap()
    );
    assert_eq!(alert["machine_id"], MACHINE_ID);
    assert!(
        alert["scenario"]
            .as_str()
            .unwrap()
            .ends_with("e2e brute force"),
        "{alert}"
    );
    assert_eq!(alert["decisions"][0]["value"], "203.0.113.7");

    let unbanned = completed(&api, &soc, "unban", json!({"ip": "203.0.113.7"})).await;
    assert_eq!(unbanned, json!({"ip": "203.0.113.7", "deleted": 1}));
    let left = completed(&api, &soc, "list_decisions", json!({})).await;
    assert_eq!(left["count"], 1, "{left}");
    assert_eq!(left["decisions"][0]["value"], "198.51.100.0/24");
    assert_eq!(
        completed(&api, &soc, "unban", json!({"ip": "203.0.113.7"})).await["deleted"],
        0
    );

    // Bad payloads: caught by the schema, or by the address check.
    let missing = failed(&api, &soc, "ban_ip", json!({"ip": "10.0.0.1"})).await;
    assert_eq!(missing, "invalid payload: payload.reason: is required");
    let not_ip = failed(
        &api,
        &soc,
        "ban_ip",
        json!({"ip": "10.0.0.300", "reason": "x"}),
    )
    .await;
    assert_eq!(
        not_ip,
        "invalid payload: payload.ip: \"10.0.0.300\" is not an IP address or CIDR range"
    );
    let bad_duration = failed(
        &api,
        &soc,
        "ban_ip",
        json!({"ip": "10.0.0.1", "reason": "x", "duration": "soon"}),
    )
    .await;
    assert!(
        bad_duration.starts_with("invalid payload: payload.duration"),
        "{bad_duration}"
    );

    // A wrong bouncer key and a wrong machine password, in CrowdSec's words.
    let denied = unique_agent_id("soc-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&lapi.url, &wrong, &wrong)).await;
    let forbidden = failed(&api, &denied, "list_decisions", json!({})).await;
    assert_eq!(
        forbidden,
        "crowdsec: the credentials lack permission (403): access forbidden"
    );
    let login = failed(&api, &denied, "list_alerts", json!({})).await;
    assert_eq!(
        login,
        "crowdsec: rejected the credentials (401): incorrect Username or Password; check the credential"
    );
    assert!(!login.contains("not-the-secret") && !forbidden.contains("not-the-secret"));

    // A Local API that is not there.
    let down = unique_agent_id("soc-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        body("http://127.0.0.1:1", &key, &password),
    )
    .await;
    let unreachable = failed(&api, &down, "list_decisions", json!({})).await;
    assert!(
        unreachable.starts_with("crowdsec: unreachable: "),
        "{unreachable}"
    );

    for name in [&key, &password, &wrong] {
        keyring.delete(name).await.unwrap();
    }
    api.stop().await;
}
