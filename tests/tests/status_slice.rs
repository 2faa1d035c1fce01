//! The orchestrator's `status()` against the real services, and how it
//! reports the ones it cannot reach.

use myca_e2e::{closed_port, orchestrator_config};
use myca_orchestrator::{Orchestrator, Probe, StoreBackend};

#[tokio::test]
async fn every_service_is_reported_up_with_details() {
    let dir = tempfile::tempdir().unwrap();
    let orchestrator = Orchestrator::new(orchestrator_config(dir.path()));
    let status = orchestrator.status().await;

    match &status.docker.probe {
        Probe::Up { info, .. } => {
            assert!(!info.version.is_empty());
            assert!(info.api_version.starts_with("1."));
            assert!(info.containers_running <= info.containers);
        }
        Probe::Down { reason, .. } => panic!("Docker Engine down: {reason}"),
    }
    match &status.redis.probe {
        Probe::Up { info, .. } => {
            assert_eq!(info.ping, "PONG");
            assert!(
                info.version.starts_with(char::is_numeric),
                "{}",
                info.version
            );
        }
        Probe::Down { reason, .. } => panic!("Redis down: {reason}"),
    }
    match &status.store.probe {
        Probe::Up { info, .. } => {
            assert_eq!(info.backend, StoreBackend::Sqlite);
            assert!(info.up_to_date);
            assert!(info.migrations_applied >= 1);
        }
        Probe::Down { reason, .. } => panic!("store down: {reason}"),
    }
    assert!(status.all_up());
    assert!(
        dir.path().join("myca.db").exists(),
        "SQLite file created in the data dir"
    );
}

#[tokio::test]
async fn unreachable_services_are_down_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = orchestrator_config(dir.path());
    config.redis_url = format!("redis://:s3cret@127.0.0.1:{}/0", closed_port());
    config.docker_socket = dir.path().join("no-docker.sock");
    // A file where the data directory should be: SQLite cannot open it.
    let blocker = dir.path().join("blocked");
    std::fs::write(&blocker, b"not a directory").unwrap();
    config.database = myca_orchestrator::DatabaseTarget::sqlite_in(&blocker);

    let status = Orchestrator::new(config).status().await;
    assert!(!status.all_up());
    let docker = status.docker.probe.down_reason().expect("docker down");
    assert!(docker.contains("Docker engine"), "{docker}");
    let redis = status.redis.probe.down_reason().expect("redis down");
    assert!(!redis.is_empty());
    assert!(
        !status.redis.endpoint.contains("s3cret"),
        "{}",
        status.redis.endpoint
    );
    let store = status.store.probe.down_reason().expect("store down");
    assert!(store.contains("blocked"), "{store}");
}
