//! `myca status` as an operator runs it.

use std::process::{Command, Output};

use myca_orchestrator::SystemStatus;

fn myca_status(extra_args: &[&str], redis_url: &str, data_dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_myca"))
        .arg("status")
        .args(extra_args)
        .env("MYCA_REDIS_URL", redis_url)
        .env(
            "MYCA_DATABASE_URL",
            format!("sqlite:{}/cli.db", data_dir.display()),
        )
        .output()
        .expect("myca runs")
}

fn closed_redis() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    format!("redis://127.0.0.1:{port}/0")
}

#[test]
fn status_reports_a_dead_redis_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let output = myca_status(&[], &closed_redis(), dir.path());
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let redis_line = text
        .lines()
        .find(|l| l.contains("Redis"))
        .expect("a Redis line");
    assert!(redis_line.trim_start().starts_with("DOWN"), "{redis_line}");
    let store_line = text.lines().find(|l| l.contains("SQL store")).unwrap();
    assert!(store_line.trim_start().starts_with("up"), "{store_line}");
}

#[test]
fn status_json_is_the_typed_report() {
    let dir = tempfile::tempdir().unwrap();
    let output = myca_status(&["--json"], &closed_redis(), dir.path());
    let status: SystemStatus = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert!(status.redis.probe.down_reason().is_some());
    assert!(status.store.probe.is_up());
}

#[test]
fn status_with_every_service_up_exits_0() {
    let redis = std::env::var("MYCA_TEST_REDIS_URL").expect(
        "Redis is required: MYCA_TEST_REDIS_URL is not set (start services with .ci/services start)",
    );
    std::env::var("DOCKER_HOST").expect("Docker Engine is required: DOCKER_HOST is not set");
    let dir = tempfile::tempdir().unwrap();
    let output = myca_status(&[], &redis, dir.path());
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with("up"))
            .count(),
        3,
        "{text}"
    );
}
