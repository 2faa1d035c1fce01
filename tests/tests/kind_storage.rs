//! `storage-agent` in a real container, spawned through the API by the
//! seed's name for it (`storage`): real restic (carried in the agent image)
//! backs up files of a host directory the spawn grants into a repository
//! the test initialised there, lists the snapshot, restores it and the
//! restored files match; pools and datasets from a faithful fake of the
//! TrueNAS JSON-RPC-over-WebSocket API with a pinned certificate. Bad
//! payloads, a wrong password and API key, a missing repository and a NAS
//! that is down. Credentials come from the OS keyring by reference.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use myca_agents::integration::{RpcSocket, Secret, ServiceError, Trust};
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_truenas::FakeTrueNas;
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

const FILES: [(&str, &[u8]); 3] = [
    ("notes.txt", b"the fleet's notes\n"),
    ("deep/inside/config.json", b"{\"answer\": 42}\n"),
    ("deep/blob.bin", &[7u8; 70_000]),
];

fn restic(repository: &Path, password: &str, args: &[&str]) -> String {
    let output = Command::new("restic")
        .arg("--repo")
        .arg(repository)
        .arg("--no-cache")
        .args(args)
        .env("RESTIC_PASSWORD", password)
        .output()
        .unwrap_or_else(|error| panic!("restic cannot start ({error}): apt-get install restic"));
    assert!(
        output.status.success(),
        "restic {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

struct Spawn<'a> {
    root: &'a Path,
    repository: PathBuf,
    truenas_url: String,
    fingerprint: &'a str,
    password_from: &'a str,
    key_from: &'a str,
}

impl Spawn<'_> {
    fn body(&self) -> Value {
        json!({
            "agent_type": "storage", "category": "infrastructure", "memory_limit": 256,
            "settings": {"repository": self.repository, "host_directories": [self.root],
                         "truenas_url": self.truenas_url, "tls_fingerprint": self.fingerprint},
            "credentials": [{"name": "RESTIC_PASSWORD", "from": self.password_from},
                            {"name": "TRUENAS_API_KEY", "from": self.key_from}],
        })
    }
}

fn keyring_name() -> String {
    format!("e2e/{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn storage_agent_backs_up_lists_restores_with_restic_and_reads_truenas_pools() {
    // A granted host directory with data and a repository, usable by the agent's uid.
    let root_dir = tempfile::Builder::new()
        .prefix("myca-storage-")
        .tempdir_in("/var/tmp")
        .unwrap();
    let root = root_dir.path();
    let data = root.join("data");
    for (name, contents) in FILES {
        let path = data.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    let password = uuid::Uuid::new_v4().to_string();
    let repository = root.join("repo");
    restic(&repository, &password, &["init"]);
    let chown = Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(root)
        .status()
        .unwrap();
    assert!(chown.success());

    let api_key = format!("1-{}", uuid::Uuid::new_v4().simple());
    let nas = FakeTrueNas::start(&api_key).await;
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let (good_password, good_key, wrong) = (keyring_name(), keyring_name(), keyring_name());
    keyring.set(&good_password, &password).await.unwrap();
    keyring.set(&good_key, &api_key).await.unwrap();
    keyring.set(&wrong, "not-the-secret-4711").await.unwrap();
    let good = Spawn {
        root,
        repository: repository.clone(),
        truenas_url: nas.url(),
        fingerprint: &nas.fingerprint,
        password_from: &good_password,
        key_from: &good_key,
    };

    let storage = unique_agent_id("storage");
    let spawned = spawn_healthy(&api, &mut guard, &storage, good.body()).await;
    assert_eq!(spawned["agent_type"], "storage-agent", "{spawned}");

    // Backup, list, restore, compare.
    let data_path = data.display().to_string();
    let backup = completed(
        &api,
        &storage,
        "backup",
        json!({"paths": [data_path], "tags": ["e2e", "nightly"]}),
    )
    .await;
    assert_eq!(backup["total_files_processed"], 3, "{backup}");
    let bytes: usize = FILES.iter().map(|(_, c)| c.len()).sum();
    assert_eq!(backup["total_bytes_processed"], bytes);
    assert_eq!(backup["files_new"], 3);
    let snapshot = backup["snapshot_id"].as_str().unwrap().to_owned();

    let listed = completed(&api, &storage, "list_snapshots", json!({"tag": "e2e"})).await;
    assert_eq!(listed["count"], 1, "{listed}");
    let first = &listed["snapshots"][0];
    assert_eq!(first["short_id"], snapshot.as_str());
    assert_eq!(first["paths"], json!([data_path]));
    assert_eq!(first["tags"], json!(["e2e", "nightly"]));
    // restic on the host reads the same repository and agrees.
    let seen: Value =
        serde_json::from_str(&restic(&repository, &password, &["snapshots", "--json"])).unwrap();
    assert_eq!(seen[0]["id"], first["id"]);
    let none = completed(&api, &storage, "list_snapshots", json!({"tag": "weekly"})).await;
    assert_eq!(none["count"], 0);

    let target = root.join("restored");
    let restored = completed(
        &api,
        &storage,
        "restore",
        json!({"snapshot_id": snapshot, "target": target.display().to_string()}),
    )
    .await;
    assert_eq!(restored["verified_files"], 3, "{restored}");
    for (name, contents) in FILES {
        let copy = target.join(data.strip_prefix("/").unwrap()).join(name);
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            contents,
            "{}",
            copy.display()
        );
    }

    // TrueNAS pools and datasets through JSON-RPC over the WebSocket.
    let status = completed(&api, &storage, "pool_status", json!({})).await;
    assert_eq!(status["unhealthy"], 1, "{status}");
    assert_eq!(status["pools"][0]["name"], "tank");
    assert_eq!(status["pools"][0]["free"], 2_500_000_000_000u64);
    assert_eq!(status["pools"][1]["status"], "DEGRADED");
    assert_eq!(status["datasets"].as_array().unwrap().len(), 3);
    let tank = completed(&api, &storage, "pool_status", json!({"pool": "tank"})).await;
    assert_eq!(tank["pools"].as_array().unwrap().len(), 1);
    assert_eq!(
        tank["datasets"][1],
        json!({"id": "tank/media", "pool": "tank", "type": "FILESYSTEM",
        "mountpoint": "/mnt/tank/media", "used": 1_200_000_000_000u64, "available": 2_500_000_000_000u64})
    );
    let no_pool = failed(&api, &storage, "pool_status", json!({"pool": "nope"})).await;
    assert_eq!(no_pool, "truenas: no pool named \"nope\"");

    // Bad payloads.
    let outside = failed(&api, &storage, "backup", json!({"paths": ["/etc"]})).await;
    assert_eq!(
        outside,
        "invalid payload: payload.paths: \"/etc\" is not inside a directory granted in the host_directories setting"
    );
    let flag = failed(
        &api,
        &storage,
        "restore",
        json!({"snapshot_id": "--help", "target": target.display().to_string()}),
    )
    .await;
    assert!(
        flag.starts_with("invalid payload: payload.snapshot_id"),
        "{flag}"
    );
    let missing = failed(&api, &storage, "backup", json!({"tags": ["x"]})).await;
    assert_eq!(missing, "invalid payload: payload.paths: is required");
    let unknown = failed(
        &api,
        &storage,
        "restore",
        json!({"snapshot_id": "deadbeef", "target": target.display().to_string()}),
    )
    .await;
    assert!(unknown.contains("no matching ID found"), "{unknown}");

    // A wrong restic password and a wrong TrueNAS key.
    let denied = unique_agent_id("storage-denied");
    let bad = Spawn {
        password_from: &wrong,
        key_from: &wrong,
        ..good
    };
    spawn_healthy(&api, &mut guard, &denied, bad.body()).await;
    let refused = failed(&api, &denied, "list_snapshots", json!({})).await;
    assert_eq!(refused, "restic: wrong password or no key found");
    let rejected = failed(&api, &denied, "pool_status", json!({})).await;
    assert_eq!(
        rejected,
        "truenas: rejected the credentials (401): auth.login_with_api_key answered false; check the credential"
    );

    // A repository that is not there and a NAS that is down.
    let down = unique_agent_id("storage-down");
    let gone = Spawn {
        repository: root.join("no-repo"),
        truenas_url: "wss://127.0.0.1:1/api/current".to_owned(),
        password_from: &good_password,
        key_from: &good_key,
        ..bad
    };
    spawn_healthy(&api, &mut guard, &down, gone.body()).await;
    let no_repo = failed(&api, &down, "list_snapshots", json!({})).await;
    assert!(
        no_repo.starts_with("restic: unable to open config file"),
        "{no_repo}"
    );
    assert!(no_repo.contains("Is there a repository"), "{no_repo}");
    let unreachable = failed(&api, &down, "pool_status", json!({})).await;
    assert!(
        unreachable.starts_with("truenas: unreachable: "),
        "{unreachable}"
    );

    for error in [&refused, &rejected, &no_repo, &outside] {
        assert!(
            !error.contains("not-the-secret")
                && !error.contains(&password)
                && !error.contains(&api_key)
        );
    }
    for name in [&good_password, &good_key, &wrong] {
        keyring.delete(name).await.unwrap();
    }
    api.stop().await;
}

/// The JSON-RPC client against the fake, without a container: TrueNAS'
/// error objects become service errors, only `/api/current` upgrades, and
/// a certificate other than the pinned one is refused.
#[tokio::test]
async fn truenas_json_rpc_errors_become_service_errors() {
    let nas = FakeTrueNas::start("1-secret-key").await;
    let trust = Trust::pinned(&nas.fingerprint).unwrap();
    let limit = Duration::from_secs(5);
    let mut socket = RpcSocket::connect("truenas", &nas.url(), &trust, limit)
        .await
        .unwrap();
    socket.learn(&Secret::new("1-secret-key"));
    let early = socket.call("pool.query", json!([])).await.unwrap_err();
    assert_eq!(
        early.to_string(),
        "truenas: rejected the credentials (401): pool.query: Not authenticated; check the credential"
    );
    let unknown = socket.call("pool.explode", json!([])).await.unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "truenas: not found (404): pool.explode: Method does not exist"
    );
    let login = socket
        .call("auth.login_with_api_key", json!(["1-secret-key"]))
        .await;
    assert_eq!(login, Ok(json!(true)));
    let pools = socket
        .call("pool.query", json!([[["name", "=", "backup"]]]))
        .await
        .unwrap();
    assert_eq!(pools[0]["status"], "DEGRADED");
    let filter = socket
        .call("pool.query", json!([[["name", "~", "t"]]]))
        .await
        .unwrap_err();
    assert!(matches!(filter, ServiceError::Failed { .. }), "{filter}");

    let legacy = nas.url().replace("/api/current", "/api/v2.0");
    let refused = RpcSocket::connect("truenas", &legacy, &trust, limit)
        .await
        .err()
        .unwrap();
    assert!(refused.to_string().contains("404"), "{refused}");
    let stranger = Trust::pinned(&"AB".repeat(32)).unwrap();
    let untrusted = RpcSocket::connect("truenas", &nas.url(), &stranger, limit)
        .await
        .err()
        .unwrap();
    assert!(
        untrusted
            .to_string()
            .starts_with("truenas: unreachable: TLS"),
        "{untrusted}"
    );
}
