//! `firmware-agent` in a real container, spawned by the seed's name for it
//! (`firmware`): the latest firmware release from a faithful fake of
//! GitHub's releases API (its token from the OS keyring; a wrong one
//! refused), and staged OTA over a real Mosquitto to simulated devices —
//! a stage where one device refuses is rolled back and the rollout stops,
//! a clean rollout completes, a device that dropped off times out; bad
//! payloads and the broker down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::device_fleet::{DeviceFleet, ADVANCED, CLEAN, STUFFY};
use myca_e2e::fake_github::{FakeGithub, FIRMWARE_REPO, OWNER};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::json;

#[tokio::test]
async fn firmware_agent_finds_the_latest_release_and_rolls_it_out_in_stages() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let mut fleet = DeviceFleet::start().await;
    let token = format!("ghp_{}", uuid::Uuid::new_v4().simple());
    let github = FakeGithub::start(&token).await;
    let keyring = Credentials::default();
    let (good, wrong) = (
        format!("e2e/fw-{}", uuid::Uuid::new_v4().simple()),
        format!("e2e/fw-wrong-{}", uuid::Uuid::new_v4().simple()),
    );
    keyring.set(&good, &token).await.unwrap();
    keyring
        .set(&wrong, "ghp_wrongwrongwrongwrongwrongwrong0000")
        .await
        .unwrap();
    let mut settings = fleet.settings();
    settings["github_api_url"] = json!(github.url());
    let body = |source: &str| {
        json!({"agent_type": "firmware", "category": "device", "memory_limit": 64,
        "settings": settings, "credentials": [{"name": "GITHUB_TOKEN", "from": source}]})
    };

    let firmware = unique_agent_id("firmware");
    let spawned = spawn_healthy(&api, &mut guard, &firmware, body(&good)).await;
    assert_eq!(spawned["agent_type"], "firmware-agent", "{spawned}");

    let release = completed(
        &api,
        &firmware,
        "latest_release",
        json!({"owner": OWNER, "repo": FIRMWARE_REPO}),
    )
    .await;
    assert_eq!(
        fields(&release, &["tag_name", "version", "published_at"]),
        json!(["v1.5.0", "1.5.0", "2026-11-30T09:00:00Z"])
    );
    assert_eq!(release["assets"][0]["name"], "mycobrain-1.5.0.bin");
    let url = release["assets"][0]["url"].as_str().unwrap().to_owned();
    let missing = failed(
        &api,
        &firmware,
        "latest_release",
        json!({"owner": OWNER, "repo": "nope"}),
    )
    .await;
    assert!(
        missing.starts_with("github:") && missing.contains("404"),
        "{missing}"
    );

    // Stage 2 fails on the device that refuses: its updated device is rolled back, stage 3 never runs.
    let rollout = completed(
        &api,
        &firmware,
        "staged_ota",
        json!({"version": "1.5.0", "url": url,
        "stages": [[CLEAN], [STUFFY, ADVANCED], [CLEAN]], "timeout_ms": 5000}),
    )
    .await;
    assert_eq!(rollout["completed"], false, "{rollout}");
    let stages = &rollout["stages"];
    assert_eq!(
        fields(&stages[0], &["stage", "status"]),
        json!([1, "updated"])
    );
    assert_eq!(
        stages[0]["ota"]["results"][CLEAN],
        json!({"firmware": "1.5.0"})
    );
    assert_eq!(stages[1]["status"], "rolled_back");
    assert_eq!(
        stages[1]["ota"]["failed"],
        json!([{"device_id": STUFFY, "error": "ota refused by device mb-002"}])
    );
    assert_eq!(
        fields(&stages[1]["rollback"], &["acked", "all_acked"]),
        json!([[ADVANCED], true])
    );
    assert_eq!(
        stages[1]["rollback"]["results"][ADVANCED],
        json!({"firmware": "2.0.1"})
    );
    assert_eq!(
        fields(&stages[2], &["stage", "status"]),
        json!([3, "skipped"])
    );

    let clean = completed(
        &api,
        &firmware,
        "staged_ota",
        json!({"version": "1.5.0", "stages": [[ADVANCED]]}),
    )
    .await;
    assert_eq!(
        fields(&clean, &["completed", "version"]),
        json!([true, "1.5.0"])
    );

    // A device that dropped off never acks: the stage times out.
    fleet.sim.drop_off(CLEAN).await;
    let silent = completed(
        &api,
        &firmware,
        "staged_ota",
        json!({"version": "1.5.1", "stages": [[CLEAN]], "timeout_ms": 1500}),
    )
    .await;
    assert_eq!(
        fields(&silent["stages"][0], &["status"]),
        json!(["rolled_back"])
    );
    assert_eq!(silent["stages"][0]["ota"]["timed_out"], json!([CLEAN]));

    // Bad payloads, a wrong token, the broker down.
    let empty = failed(
        &api,
        &firmware,
        "staged_ota",
        json!({"version": "1.5.0", "stages": []}),
    )
    .await;
    assert!(
        empty.starts_with("invalid payload: payload.stages"),
        "{empty}"
    );
    let no_repo = failed(&api, &firmware, "latest_release", json!({"owner": OWNER})).await;
    assert_eq!(no_repo, "invalid payload: payload.repo: is required");
    let denied = unique_agent_id("firmware-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&wrong)).await;
    let refused = failed(
        &api,
        &denied,
        "latest_release",
        json!({"owner": OWNER, "repo": FIRMWARE_REPO}),
    )
    .await;
    assert!(refused.contains("(401): Bad credentials"), "{refused}");
    fleet.broker.stop();
    let down = failed(
        &api,
        &firmware,
        "staged_ota",
        json!({"version": "1.5.0", "stages": [[ADVANCED]]}),
    )
    .await;
    assert!(
        down.starts_with("mqtt: cannot reach the broker at 127.0.0.1:"),
        "{down}"
    );
}
