//! Start-up of the desktop app as an operator meets it: from launch to the
//! first useful paint — the setup wizard on a first run, the fleet list once
//! set up — and the app's memory (with its WebKit processes) idle right after.
//! Measures the installed package when `MYCA_INSTALLED_APP` names it, else
//! `MYCA_DESKTOP_BIN`. Each launch has a home, Redis database and fleet
//! instance of its own. The first launch is reported apart (the least cached
//! one: right after installing, the first start of the app); the others give
//! the median. There is no baseline to divide by: the figures are absolute.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_INSTALLED_APP=/usr/bin/myca-desktop cargo bench -p myca-e2e --bench desktop_cold_start [-- RUNS]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use myca_e2e::agent::fresh_redis_db;
use myca_e2e::desktop::{desktop_binary, AppEnv};
use myca_e2e::rss::{tree_footprint, Footprint};
use myca_e2e::window::{find, testid};

const DEFAULT_RUNS: usize = 5;
/// How long the window is left alone before its memory is read.
const SETTLE: Duration = Duration::from_secs(10);

#[derive(Clone, Copy)]
enum Start {
    FirstRun,
    SetUp,
}

impl Start {
    fn label(self) -> &'static str {
        match self {
            Start::FirstRun => "first run: setup wizard",
            Start::SetUp => "set up: fleet overview",
        }
    }

    /// The element that is there once the view shows what it is for.
    fn painted(self) -> String {
        match self {
            Start::FirstRun => format!("{}[data-loaded='true']", testid("setup")),
            Start::SetUp => format!(
                "{}[data-loaded='true'] {}",
                testid("overview"),
                testid("fleet-table")
            ),
        }
    }
}

struct Launch {
    window: Duration,
    painted: Duration,
    memory: Footprint,
}

fn application() -> PathBuf {
    std::env::var_os("MYCA_INSTALLED_APP")
        .map(PathBuf::from)
        .unwrap_or_else(desktop_binary)
}

async fn launch_once(application: &Path, start: Start) -> anyhow::Result<Launch> {
    let env = AppEnv::new(fresh_redis_db().await);
    if matches!(start, Start::SetUp) {
        env.skip_setup();
    }
    let driver = env.driver();
    let began = Instant::now();
    let client = driver.launch(application).await;
    let window = began.elapsed();
    find(&client, &start.painted()).await;
    let painted = began.elapsed();
    tokio::time::sleep(SETTLE).await;
    let pid = driver
        .app_pid(application)
        .context("the launched app's process is not found")?;
    let memory = tree_footprint(pid);
    client.close().await?;
    Ok(Launch {
        window,
        painted,
        memory,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs = myca_e2e::bench_size(DEFAULT_RUNS).max(2);
    let application = application();
    println!(
        "desktop_cold_start: {} ({runs} launches each)",
        application.display()
    );
    println!(
        "  {:<34} {:>12} {:>12} {:>10} {:>10}",
        "start", "window s", "painted s", "RSS MiB", "PSS MiB"
    );
    for start in [Start::FirstRun, Start::SetUp] {
        let mut launches = Vec::new();
        for _ in 0..runs {
            launches.push(launch_once(&application, start).await?);
        }
        let first = &launches[0];
        println!(
            "  {:<34} {:>12.2} {:>12.2} {:>10.1} {:>10.1}",
            format!("{} (1st)", start.label()),
            first.window.as_secs_f64(),
            first.painted.as_secs_f64(),
            mib(first.memory.rss_kib),
            mib(first.memory.pss_kib)
        );
        let rest = &launches[1..];
        let of = |pick: fn(&Launch) -> f64| median(rest.iter().map(pick).collect());
        println!(
            "  {:<34} {:>12.2} {:>12.2} {:>10.1} {:>10.1}",
            format!("{} (median)", start.label()),
            of(|l| l.window.as_secs_f64()),
            of(|l| l.painted.as_secs_f64()),
            of(|l| mib(l.memory.rss_kib)),
            of(|l| mib(l.memory.pss_kib))
        );
    }
    println!("  window: launch until the WebDriver session has the window; painted: until the view shows its content");
    Ok(())
}
