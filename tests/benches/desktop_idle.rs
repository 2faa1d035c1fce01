//! The desktop app's memory (the app and its WebKit processes: RSS, PSS
//! and anonymous) while idle: with no agents, then with N agents of its fleet running and
//! shown in the overview (default 100; the target is at most 200 MB there). There is no
//! baseline to divide by: the figures are absolute, for this machine.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… MYCA_DESKTOP_BIN=… cargo bench -p myca-e2e --bench desktop_idle [-- N]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::future::join_all;
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig};
use myca_e2e::agent::{fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::desktop::{desktop_binary, AppEnv};
use myca_e2e::process::ChildGuard;
use myca_e2e::rss::{others_named, tree_by_process, Footprint};

const DEFAULT_AGENTS: usize = 100;
/// How long the window is left alone before it is measured.
const SETTLE: Duration = Duration::from_secs(20);
const READY_WITHIN: Duration = Duration::from_secs(120);
const TARGET_MIB: f64 = 200.0;

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Starts the app and waits until its embedded fleet says it is ready.
fn launch(env: &AppEnv) -> anyhow::Result<ChildGuard> {
    let mut command = Command::new(desktop_binary());
    env.apply(&mut command);
    command
        .env("MYCA_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut app = ChildGuard::terminated(
        command.spawn().context("the app starts")?,
        Duration::from_secs(10),
    );
    let stdout = app.stdout.take().context("the app's output")?;
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("embedded fleet") {
                let _ = ready_tx.send(line);
            }
        }
    });
    let line = ready_rx
        .recv_timeout(READY_WITHIN)
        .context("the app's fleet did not report within two minutes")?;
    if !line.contains("ready") {
        bail!("the app's fleet did not start: {line}");
    }
    Ok(app)
}

async fn run(agents: usize) -> anyhow::Result<()> {
    let env = AppEnv::new(fresh_redis_db().await);
    // The overview shows every agent; the wizard would show none.
    env.skip_setup();
    let app = launch(&env)?;
    std::thread::sleep(SETTLE);
    let idle_empty = tree_by_process(app.id());
    let others_empty = others_named(app.id(), "WebKit");

    // The agents join the app's fleet instance from a service of our own.
    let dir = tempfile::tempdir()?;
    let service = env.join_fleet(dir.path()).await;
    let mut guard = ContainerGuard::new(service.first_pool().unwrap().docker());
    let ids: Vec<String> = (0..agents)
        .map(|n| unique_agent_id(&format!("idle{n}")))
        .collect();
    for id in &ids {
        guard.watch(container_name(id));
    }
    let started = Instant::now();
    let spawns = ids.iter().map(|id| {
        let mut config = AgentConfig::new(id, "test-agent", AgentCategory::Core);
        config.memory_limit = 32;
        let service = &service;
        async move { service.first_pool().unwrap().spawn(&config).await }
    });
    for spawned in join_all(spawns).await {
        spawned?;
    }
    while ids.iter().any(|id| service.heartbeat(id).is_none()) {
        if started.elapsed() > Duration::from_secs(600) {
            bail!("not every agent sent a heartbeat within ten minutes");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    std::thread::sleep(SETTLE);
    let idle_full = tree_by_process(app.id());
    let others_full = others_named(app.id(), "WebKit");

    println!(
        "desktop_idle: {} and its WebKit processes, idle for {} s (MiB)",
        desktop_binary().display(),
        SETTLE.as_secs()
    );
    println!("  agents  process                   RSS      PSS   anonymous");
    let row = |agents: usize, name: &str, m: Footprint| {
        println!(
            "  {agents:>6}  {name:<20} {:>8.1} {:>8.1} {:>11.1}",
            mib(m.rss_kib),
            mib(m.pss_kib),
            mib(m.anon_kib)
        )
    };
    let total = |processes: &[(String, Footprint)]| {
        processes
            .iter()
            .fold(Footprint::default(), |sum, (_, one)| sum + *one)
    };
    for (count, processes) in [(0, &idle_empty), (agents, &idle_full)] {
        for (name, memory) in processes {
            row(count, name, *memory);
        }
        row(count, "all", total(processes));
    }
    if others_empty + others_full > 0 {
        println!(
            "  other WebKit processes were running ({others_empty} at 0, {others_full} at {agents} \
             agents): they share library pages, so PSS reads lower than alone"
        );
    }
    println!(
        "  ratio {agents}/0 (PSS): {:.2}; target at 100 agents: <= {TARGET_MIB} MiB",
        total(&idle_full).pss_kib as f64 / total(&idle_empty).pss_kib.max(1) as f64
    );
    drop(app);
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let agents = myca_e2e::bench_size(DEFAULT_AGENTS);
    match run(agents).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("desktop_idle: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
