//! Live logs through the window's path against the docker CLI, in one run:
//! a `test-agent` floods N lines; the same flood is read twice, each time
//! from the task's submission until the last line arrived:
//!
//! - myca: `Desktop::follow_logs` (bollard follow, batched every 100 ms into
//!   the sink a Tauri channel is);
//! - raw: `docker logs -f --tail 0` counting lines on its stdout.
//!
//! Prints lines/s of both and their ratio; the agent is removed on every
//! exit path.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… cargo bench -p myca-e2e --bench desktop_logs [-- N]

use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::AgentCategory;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::test_service_config;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::docker_socket;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::desktop::{Desktop, SpawnProgress, SpawnRequest};
use myca_orchestrator::pool::LogLine;
use serde_json::json;
use tokio::io::AsyncBufReadExt;

const DEFAULT_LINES: u64 = 200_000;
const WITHIN: Duration = Duration::from_secs(600);

fn is_flood(text: &str) -> bool {
    text.starts_with("flood ")
}

async fn flood(desktop: &Desktop, agent_id: &str, lines: u64) -> anyhow::Result<()> {
    let request = serde_json::from_value(json!({
        "agent_id": agent_id, "task_type": "flood", "payload": {"lines": lines}, "timeout": 600
    }))?;
    desktop
        .submit_task(request)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

async fn until(count: &AtomicU64, lines: u64) -> anyhow::Result<()> {
    let deadline = Instant::now() + WITHIN;
    while count.load(Ordering::Relaxed) < lines {
        if Instant::now() > deadline {
            bail!(
                "only {} of {lines} lines within {WITHIN:?}",
                count.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

async fn through_desktop(desktop: &Desktop, agent_id: &str, lines: u64) -> anyhow::Result<f64> {
    let count = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&count);
    let subscription = desktop
        .follow_logs(agent_id, 1, move |batch: Vec<LogLine>| {
            let floods = batch.iter().filter(|l| is_flood(&l.text)).count() as u64;
            counted.fetch_add(floods, Ordering::Relaxed);
            true
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    flood(desktop, agent_id, lines).await?;
    until(&count, lines).await?;
    let seconds = started.elapsed().as_secs_f64();
    desktop.unsubscribe(subscription);
    Ok(seconds)
}

async fn through_cli(desktop: &Desktop, agent_id: &str, lines: u64) -> anyhow::Result<f64> {
    let mut child = tokio::process::Command::new("docker")
        .args(["logs", "-f", "--tail", "0", &container_name(agent_id)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("the docker CLI does not run")?;
    let stdout = child.stdout.take().context("docker logs stdout")?;
    let count = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&count);
    let reader = tokio::spawn(async move {
        let mut stdout = tokio::io::BufReader::new(stdout).lines();
        while let Ok(Some(line)) = stdout.next_line().await {
            if is_flood(&line) {
                counted.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    // `docker logs -f` attaches a moment after it starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    flood(desktop, agent_id, lines).await?;
    until(&count, lines).await?;
    let seconds = started.elapsed().as_secs_f64();
    reader.abort();
    Ok(seconds)
}

async fn run(lines: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let desktop = Desktop::new();
    Arc::clone(&desktop)
        .start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await)
        .await;
    let docker = myca_orchestrator::docker::connect_local(&docker_socket()).await?;
    let mut guard = ContainerGuard::new(&docker);
    let agent_id = unique_agent_id("flood");
    guard.watch(container_name(&agent_id));
    let request = SpawnRequest {
        agent_id: agent_id.clone(),
        agent_type: "test-agent".into(),
        category: Some(AgentCategory::Core),
        display_name: "log flood".into(),
        host: None,
        cpu_limit: None,
        memory_limit_mb: Some(256),
        replicas: None,
        settings: Default::default(),
        credentials: Vec::new(),
        grants: Vec::new(),
    };
    desktop
        .spawn_agent(&request, |_: Vec<SpawnProgress>| true)
        .await
        .map_err(|e| anyhow::anyhow!("spawn: {e}"))?;
    let ours = through_desktop(&desktop, &agent_id, lines).await?;
    let raw = through_cli(&desktop, &agent_id, lines).await?;
    let rate = |seconds: f64| lines as f64 / seconds;
    println!("desktop_logs: {lines} lines flooded by a test-agent, read live");
    println!(
        "  myca follow_logs (batched 100 ms): {:>10.0} lines/s ({ours:.2} s)",
        rate(ours)
    );
    println!(
        "  docker logs -f (raw):              {:>10.0} lines/s ({raw:.2} s)",
        rate(raw)
    );
    println!(
        "  ratio myca/raw:                    {:>10.2}",
        rate(ours) / rate(raw)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let lines = myca_e2e::bench_size(DEFAULT_LINES);
    match run(lines).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("desktop_logs: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
