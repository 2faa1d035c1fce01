//! The log view of the real window against the agent that floods it: a
//! `test-agent` prints N lines (default 1,000,000) while the window, driven
//! through WebDriver, follows its log. Prints the rate the agent produced
//! them at, the rate the view received them at, their ratio, how many were
//! dropped (should be none), how many the view keeps (bounded), and the
//! window's memory afterwards.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… MYCA_DESKTOP_BIN=… cargo bench -p myca-e2e --bench desktop_log_view [-- N]

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use fantoccini::{Client, Locator};
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig, AgentTask, TaskStatus};
use myca_e2e::agent::{fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::desktop::{desktop_binary, AppEnv};
use myca_e2e::rss::{find_process, tree_footprint};
use myca_orchestrator::store::Route;
use serde_json::json;

const DEFAULT_LINES: u64 = 1_000_000;
const WITHIN: Duration = Duration::from_secs(900);

async fn element(client: &Client, testid: &str) -> anyhow::Result<fantoccini::elements::Element> {
    client
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Css(&format!("[data-testid='{testid}']")))
        .await
        .with_context(|| format!("{testid} never appeared"))
}

/// `(shown, received)` from the view's "shown / received" counter.
async fn counts(client: &Client) -> anyhow::Result<(u64, u64)> {
    let text = element(client, "logs-count").await?.text().await?;
    let (shown, received) = text
        .split_once('/')
        .with_context(|| format!("counter {text:?}"))?;
    Ok((shown.trim().parse()?, received.trim().parse()?))
}

async fn run(lines: u64) -> anyhow::Result<()> {
    let env = AppEnv::new(fresh_redis_db().await);
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    client
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Css("[data-testid='topbar'][data-phase='ready']"))
        .await?;

    // The flooding agent joins the window's fleet from a service of our own.
    let dir = tempfile::tempdir()?;
    let service = env.join_fleet(dir.path()).await;
    let mut guard = ContainerGuard::new(service.first_pool().unwrap().docker());
    let agent_id = unique_agent_id("view-flood");
    guard.watch(container_name(&agent_id));
    let mut agent = AgentConfig::new(&agent_id, "test-agent", AgentCategory::Core);
    agent.memory_limit = 256;
    service.first_pool().unwrap().spawn(&agent).await?;

    element(&client, "fleet-refresh").await?.click().await?;
    element(&client, &format!("open-{agent_id}"))
        .await?
        .click()
        .await?;
    element(&client, "log-lines").await?;
    let (_, before) = counts(&client).await?;

    let mut task = AgentTask::new(&agent_id, "flood", json!({ "lines": lines }));
    task.timeout = WITHIN.as_secs();
    let task_id = task.id;
    let started = Instant::now();
    service
        .ledger
        .submit(task, Route::Agent(agent_id.clone()))
        .await?;
    let (shown, received) = loop {
        let (shown, received) = counts(&client).await?;
        if received >= before + lines {
            break (shown, received);
        }
        if started.elapsed() > WITHIN {
            bail!("the view received {} of {lines} lines", received - before);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let viewed = started.elapsed().as_secs_f64();
    let produced = loop {
        let entry = service
            .ledger
            .task(task_id)
            .await?
            .context("the flood task")?;
        match entry.task.status {
            TaskStatus::Completed => {
                break entry
                    .task
                    .result
                    .and_then(|r| r["seconds"].as_f64())
                    .context("seconds")?
            }
            TaskStatus::Failed | TaskStatus::DeadLettered => {
                bail!("flood failed: {:?}", entry.task.error)
            }
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    };
    // Let the page settle before its memory is read.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let app = find_process(&desktop_binary(), "MYCA_INSTANCE", &env.instance)
        .context("the app's process")?;
    let memory = tree_footprint(app);
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("desktop_log_view: {lines} lines flooded by a test-agent, followed by the window's log view");
    println!(
        "  produced by the agent:  {:>10.0} lines/s ({produced:.2} s)",
        lines as f64 / produced
    );
    println!(
        "  received by the view:   {:>10.0} lines/s ({viewed:.2} s from submission)",
        lines as f64 / viewed
    );
    println!("  ratio view/agent:       {:>10.2}", produced / viewed);
    println!(
        "  dropped:                {:>10}",
        (before + lines).saturating_sub(received)
    );
    println!("  kept in the view:       {shown:>10} lines");
    println!(
        "  window memory after:    RSS {:.1} MiB, PSS {:.1} MiB, anonymous {:.1} MiB",
        mib(memory.rss_kib),
        mib(memory.pss_kib),
        mib(memory.anon_kib)
    );
    client.close().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let lines = myca_e2e::bench_size(DEFAULT_LINES);
    match run(lines).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("desktop_log_view: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
