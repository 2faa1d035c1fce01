//! The real `myca` binary: `myca serve` runs the service headless with its
//! flags, and `myca spawn | task | agents | gaps` drive it over HTTP.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::{agent_binary, fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::free_port;
use myca_e2e::process::ChildGuard;
use myca_orchestrator::docker::connect_local;

const KEY: &str = "cli-test-key-0123456789";

/// `myca` sits beside the test binaries' `deps` directory.
fn myca() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("myca");
    assert!(path.is_file(), "myca not built at {}", path.display());
    path
}

fn client(url: &str, args: &[&str]) -> Output {
    Command::new(myca())
        .args(args)
        .args(["--url", url, "--api-key", KEY])
        .output()
        .expect("myca runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn myca_serve_and_its_client_commands() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut serve = ChildGuard::new(
        Command::new(myca())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--database-url")
            .arg(format!("sqlite:{}/myca.db", dir.path().display()))
            .args([
                "--redis-url",
                &fresh_redis_db().await,
                "--agent-network",
                "host",
            ])
            .arg("--agent-binary")
            .arg(agent_binary())
            .args([
                "--api-key",
                KEY,
                "--first-agent-port",
                &free_port().to_string(),
            ])
            .env("MYCA_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("myca serve starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while myca_e2e::http_client()
        .get(format!("{url}/health"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            serve.try_wait().unwrap().is_none(),
            "myca serve exited early"
        );
        assert!(
            Instant::now() < deadline,
            "myca serve never answered /health"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let docker = connect_local(&myca_e2e::docker_socket()).await.unwrap();
    let mut guard = ContainerGuard::new(&docker);
    let id = unique_agent_id("cli");
    guard.watch(container_name(&id));

    let spawned = client(
        &url,
        &["spawn", &id, "--type", "test-agent", "--memory-limit", "64"],
    );
    assert!(spawned.status.success(), "{spawned:?}");
    assert!(stdout(&spawned).starts_with(&id));
    let task = client(
        &url,
        &["task", &id, "echo", "--payload", r#"{"via": "cli"}"#],
    );
    assert!(task.status.success(), "{task:?}");
    assert_eq!(stdout(&task).trim(), r#"{"via":"cli"}"#);
    let agents = client(&url, &["agents"]);
    assert!(stdout(&agents).contains(&id), "{agents:?}");
    let gaps = client(&url, &["gaps"]);
    assert!(stdout(&gaps).contains("ceo-agent"), "{gaps:?}");
    let unknown = client(&url, &["task", "nobody-here", "echo"]);
    assert!(!unknown.status.success());
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("404"),
        "{unknown:?}"
    );
    let wrong_key = Command::new(myca())
        .args(["agents", "--url", &url, "--api-key", "wrong"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&wrong_key.stderr).contains("401"),
        "{wrong_key:?}"
    );

    // Interrupted, it stops cleanly.
    serve.signal("INT");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = serve.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "myca serve ignored SIGINT");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status:?}");
}
