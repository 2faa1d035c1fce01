//! `proxmox-agent` in a real container, spawned through the API by the
//! seed's name for it (`proxmox`), against a faithful fake of the Proxmox VE
//! API over TLS with a pinned self-signed certificate; its token secret
//! delivered from the OS keyring by reference. Success paths, a bad
//! payload, a failing Proxmox task, bad credentials and a service that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_proxmox::{FakeProxmox, TOKEN_ID};
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(base_url: &str, fingerprint: &str, source: &str) -> Value {
    json!({
        "agent_type": "proxmox", "category": "infrastructure", "memory_limit": 64,
        "settings": {"base_url": base_url, "token_id": TOKEN_ID, "tls_fingerprint": fingerprint},
        "credentials": [{"name": "PROXMOX_TOKEN_SECRET", "from": source}],
    })
}

#[tokio::test]
async fn proxmox_agent_lists_acts_and_snapshots_through_the_pve_api() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let secret = uuid::Uuid::new_v4().to_string();
    let pve = FakeProxmox::start(&secret).await;
    let keyring = Credentials::default();
    let (good, wrong) = (
        format!("e2e/{}", uuid::Uuid::new_v4().simple()),
        format!("e2e/{}", uuid::Uuid::new_v4().simple()),
    );
    keyring.set(&good, &secret).await.unwrap();
    keyring.set(&wrong, "not-the-secret").await.unwrap();

    let ops = unique_agent_id("pve");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &ops,
        body(&pve.url(), &pve.fingerprint, &good),
    )
    .await;
    assert_eq!(
        spawned["agent_type"], "proxmox-agent",
        "the alias spawns the kind: {spawned}"
    );

    let listed = completed(&api, &ops, "list_vms", json!({})).await;
    assert_eq!(listed["vms"][0]["vmid"], 100);
    assert_eq!(listed["vms"][0]["status"], "stopped");
    let started = completed(
        &api,
        &ops,
        "vm_action",
        json!({"node": "pve", "vmid": 100, "action": "start"}),
    )
    .await;
    assert_eq!(started["exitstatus"], "OK");
    assert!(
        started["upid"].as_str().unwrap().starts_with("UPID:pve:"),
        "{started}"
    );
    assert_eq!(pve.cluster.lock().unwrap().vms[&100].1, "running");
    let snap =
        json!({"node": "pve", "vmid": 100, "snapname": "before-upgrade", "description": "e2e"});
    assert_eq!(
        completed(&api, &ops, "create_snapshot", snap).await["exitstatus"],
        "OK"
    );
    assert_eq!(pve.cluster.lock().unwrap().vms[&100].2, ["before-upgrade"]);
    let back = json!({"node": "pve", "vmid": 100, "snapname": "before-upgrade"});
    assert_eq!(
        completed(&api, &ops, "rollback_snapshot", back).await["exitstatus"],
        "OK"
    );

    // Proxmox's own failures, in its words.
    let missing = failed(
        &api,
        &ops,
        "rollback_snapshot",
        json!({"node": "pve", "vmid": 100, "snapname": "never"}),
    )
    .await;
    assert!(
        missing.ends_with("ended with: snapshot 'never' does not exist"),
        "{missing}"
    );
    let no_vm = failed(
        &api,
        &ops,
        "vm_action",
        json!({"node": "pve", "vmid": 999, "action": "stop"}),
    )
    .await;
    assert_eq!(no_vm, "proxmox: failed on its side (500): Configuration file 'nodes/pve/qemu-server/999.conf' does not exist");
    let bad = failed(
        &api,
        &ops,
        "vm_action",
        json!({"node": "pve", "vmid": 5, "action": "explode"}),
    )
    .await;
    assert_eq!(bad, "invalid payload: payload.action: must be one of [\"start\",\"stop\",\"shutdown\",\"reboot\"]; payload.vmid: must be at least 100");

    // A wrong token secret, and a cluster that is not there.
    let denied = unique_agent_id("pve-denied");
    spawn_healthy(
        &api,
        &mut guard,
        &denied,
        body(&pve.url(), &pve.fingerprint, &wrong),
    )
    .await;
    let refused = failed(&api, &denied, "list_vms", json!({})).await;
    assert_eq!(
        refused,
        "proxmox: rejected the credentials (401): Unauthorized; check the credential"
    );
    assert!(!refused.contains("not-the-secret"));
    let down = unique_agent_id("pve-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        body("https://127.0.0.1:1", &pve.fingerprint, &good),
    )
    .await;
    let unreachable = failed(&api, &down, "list_vms", json!({})).await;
    assert!(
        unreachable.starts_with("proxmox: unreachable: "),
        "{unreachable}"
    );

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}
