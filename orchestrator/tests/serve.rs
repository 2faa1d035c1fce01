//! `myca serve`'s HTTP endpoint, on a real socket.

use std::sync::Arc;

use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::serve::serve;
use myca_orchestrator::{Orchestrator, OrchestratorConfig};
use serde_json::{json, Value};

/// An orchestrator whose services are all absent: serving must not need them.
fn offline_orchestrator(dir: &std::path::Path) -> Arc<Orchestrator> {
    Arc::new(Orchestrator::new(OrchestratorConfig {
        docker_socket: dir.join("docker.sock"),
        redis_url: "redis://127.0.0.1:1/0".into(),
        database: DatabaseTarget::sqlite_in(dir),
    }))
}

#[tokio::test]
async fn health_answers_with_the_seed_body_until_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let orchestrator = offline_orchestrator(dir.path());
    let (bound_tx, bound_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        orchestrator,
        "127.0.0.1:0".parse().unwrap(),
        move |address| {
            let _ = bound_tx.send(address);
        },
        async move {
            let _ = stop_rx.await;
        },
    ));
    let address = bound_rx.await.expect("server bound");

    let response = reqwest::get(format!("http://{address}/health"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"status": "ok", "service": "myca-orchestrator"})
    );
    let missing = reqwest::get(format!("http://{address}/nope"))
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    stop_tx.send(()).unwrap();
    server.await.unwrap().expect("clean shutdown");
    assert!(reqwest::get(format!("http://{address}/health"))
        .await
        .is_err());
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let orchestrator = offline_orchestrator(dir.path());
    let error = serve(orchestrator, address, |_| {}, async {})
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("cannot listen on {address}")),
        "{error}"
    );
}
