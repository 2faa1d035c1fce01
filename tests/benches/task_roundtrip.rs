//! Sequential no-op task round trips on one Redis, three ways:
//!
//! - old raw: one in-process XADD → XREADGROUP → XACK of the same client
//!   library (no second process, no second stream);
//! - fair raw: the hops MYCA takes, without MYCA: the submitter XADDs to a
//!   task stream, a separate `raw_stream_worker` process blocking in
//!   XREADGROUP appends the answer to a results stream and XACKs in one
//!   atomic round trip, and the submitter reads and XACKs the result;
//! - myca: submit → `myca-agent` process (echo handler) → `mas:results`.
//!
//! Both process paths carry the same task JSON and are warmed by one
//! untimed round trip. Printed: throughput, p50/p99 latency, and MYCA's
//! ratio to each baseline.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… cargo bench -p myca-e2e --bench task_roundtrip [-- N]

use std::future::Future;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use myca_agents::protocol::AgentTask;
use myca_agents::streams::{read_group, TASK_FIELD};
use myca_e2e::agent::{fresh_redis_db, unique_agent_id, AgentProcess};
use myca_orchestrator::broker::{Broker, ResultConsumer};
use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;

const BLOCK: Duration = Duration::from_secs(5);
/// The fair baseline's streams and groups (in the run's own database).
const FAIR_TASKS: &str = "bench:fair:tasks";
const FAIR_WORKERS: &str = "workers";
const FAIR_RESULTS: &str = "bench:fair:results";
const FAIR_SUBMITTER: &str = "submitter";

struct Figures {
    latencies: Vec<Duration>,
    throughput: f64,
}

impl Figures {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted[index].as_secs_f64() * 1000.0
    }
}

/// Latencies of sequential round trips, and their throughput.
struct Stopwatch {
    started: Instant,
    latencies: Vec<Duration>,
}

impl Stopwatch {
    fn start(n: usize) -> Self {
        Self {
            started: Instant::now(),
            latencies: Vec::with_capacity(n),
        }
    }

    async fn time(
        &mut self,
        round_trip: impl Future<Output = anyhow::Result<()>>,
    ) -> anyhow::Result<()> {
        let one = Instant::now();
        round_trip.await?;
        self.latencies.push(one.elapsed());
        Ok(())
    }

    fn figures(self) -> Figures {
        Figures {
            throughput: self.latencies.len() as f64 / self.started.elapsed().as_secs_f64(),
            latencies: self.latencies,
        }
    }
}

async fn blocking_connection(url: &str) -> anyhow::Result<MultiplexedConnection> {
    let config = AsyncConnectionConfig::new().set_response_timeout(None);
    redis::Client::open(url)?
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .with_context(|| format!("Redis at {url} unreachable"))
}

async fn create_group(
    connection: &mut MultiplexedConnection,
    stream: &str,
    group: &str,
) -> anyhow::Result<()> {
    let () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("$")
        .arg("MKSTREAM")
        .query_async(connection)
        .await?;
    Ok(())
}

async fn xadd(
    connection: &mut MultiplexedConnection,
    stream: &str,
    field: &str,
    value: &str,
) -> anyhow::Result<String> {
    Ok(redis::cmd("XADD")
        .arg(stream)
        .arg("*")
        .arg(field)
        .arg(value)
        .query_async(connection)
        .await?)
}

async fn xack(
    connection: &mut MultiplexedConnection,
    stream: &str,
    group: &str,
    ids: &[String],
) -> anyhow::Result<()> {
    if !ids.is_empty() {
        let _: i64 = redis::cmd("XACK")
            .arg(stream)
            .arg(group)
            .arg(ids)
            .query_async(connection)
            .await?;
    }
    Ok(())
}

async fn old_raw_round_trip(
    producer: &mut MultiplexedConnection,
    consumer: &mut MultiplexedConnection,
) -> anyhow::Result<()> {
    xadd(producer, "bench:raw", TASK_FIELD, "{}").await?;
    let entries = read_group(consumer, "bench", "c1", &["bench:raw"], 1, Some(BLOCK)).await?;
    let ids: Vec<String> = entries.into_iter().map(|(_, entry)| entry.id).collect();
    xack(consumer, "bench:raw", "bench", &ids).await
}

async fn old_raw(url: &str, n: usize) -> anyhow::Result<Figures> {
    let mut producer = blocking_connection(url).await?;
    let mut consumer = blocking_connection(url).await?;
    create_group(&mut producer, "bench:raw", "bench").await?;
    let mut stopwatch = Stopwatch::start(n);
    for _ in 0..n {
        stopwatch
            .time(old_raw_round_trip(&mut producer, &mut consumer))
            .await?;
    }
    Ok(stopwatch.figures())
}

/// One task through the worker process and back; `task` is its JSON.
async fn fair_round_trip(
    submitter: &mut MultiplexedConnection,
    results: &mut MultiplexedConnection,
    task: &str,
) -> anyhow::Result<()> {
    let sent = Instant::now();
    let entry_id = xadd(submitter, FAIR_TASKS, TASK_FIELD, task).await?;
    loop {
        let batch = read_group(
            results,
            FAIR_SUBMITTER,
            "s1",
            &[FAIR_RESULTS],
            1,
            Some(BLOCK),
        )
        .await?;
        let answered = batch.iter().any(|(_, result)| {
            matches!(result.map.get("entry"), Some(redis::Value::BulkString(id)) if *id == entry_id.as_bytes())
        });
        let ids: Vec<String> = batch.into_iter().map(|(_, result)| result.id).collect();
        xack(results, FAIR_RESULTS, FAIR_SUBMITTER, &ids).await?;
        if answered {
            return Ok(());
        }
        if sent.elapsed() > BLOCK {
            bail!("the raw worker did not answer {entry_id} within {BLOCK:?}");
        }
    }
}

async fn fair_raw(url: &str, n: usize, task: &str) -> anyhow::Result<Figures> {
    let mut submitter = blocking_connection(url).await?;
    let mut results = blocking_connection(url).await?;
    create_group(&mut submitter, FAIR_TASKS, FAIR_WORKERS).await?;
    create_group(&mut submitter, FAIR_RESULTS, FAIR_SUBMITTER).await?;
    // Killed when this function returns, on every path.
    let _worker = tokio::process::Command::new(env!("CARGO_BIN_EXE_raw_stream_worker"))
        .args([url, FAIR_TASKS, FAIR_WORKERS, FAIR_RESULTS])
        .kill_on_drop(true)
        .spawn()
        .context("cannot start raw_stream_worker")?;
    fair_round_trip(&mut submitter, &mut results, task).await?;
    let mut stopwatch = Stopwatch::start(n);
    for _ in 0..n {
        stopwatch
            .time(fair_round_trip(&mut submitter, &mut results, task))
            .await?;
    }
    Ok(stopwatch.figures())
}

async fn myca_round_trip(
    broker: &Broker,
    results: &mut ResultConsumer,
    agent_id: &str,
) -> anyhow::Result<()> {
    let task = AgentTask::new(agent_id, "echo", serde_json::Value::Null);
    let sent = Instant::now();
    broker.submit_to_agent(&task).await?;
    loop {
        let batch = results.next_batch(1, BLOCK).await?;
        let ids: Vec<String> = batch.iter().map(|r| r.entry_id.clone()).collect();
        results.ack(&ids).await?;
        if batch.iter().any(|r| r.task.id == task.id) {
            return Ok(());
        }
        if sent.elapsed() > BLOCK {
            bail!(
                "agent {agent_id} returned no result for {} within {BLOCK:?}",
                task.id
            );
        }
    }
}

async fn myca(url: &str, n: usize, agent_id: &str) -> anyhow::Result<Figures> {
    let agent = AgentProcess::spawn(
        agent_id,
        url,
        &[("MAX_CONCURRENT_TASKS", "1"), ("LOG_LEVEL", "error")],
    );
    agent.wait_health(200, Duration::from_secs(20)).await;
    let broker = Broker::connect(url).await?;
    let mut results = broker.results("bench").await?;
    myca_round_trip(&broker, &mut results, agent_id).await?;
    let mut stopwatch = Stopwatch::start(n);
    for _ in 0..n {
        stopwatch
            .time(myca_round_trip(&broker, &mut results, agent_id))
            .await?;
    }
    Ok(stopwatch.figures())
}

fn row(name: &str, figures: &Figures) {
    println!(
        "{name:<40} {:>7} {:>12.0} {:>9.3} {:>9.3}",
        figures.latencies.len(),
        figures.throughput,
        figures.percentile(0.50),
        figures.percentile(0.99)
    );
}

/// Throughput and latency ratios: above 1 for throughput means MYCA is
/// faster, above 1 for latency means it is slower.
fn ratio(name: &str, myca: &Figures, baseline: &Figures) {
    println!(
        "{name:<40} {:>7} {:>12.2} {:>9.2} {:>9.2}",
        "",
        myca.throughput / baseline.throughput,
        myca.percentile(0.50) / baseline.percentile(0.50),
        myca.percentile(0.99) / baseline.percentile(0.99)
    );
}

async fn run(n: usize) -> anyhow::Result<()> {
    let url = fresh_redis_db().await;
    let agent_id = unique_agent_id("bench");
    let task = serde_json::to_string(&AgentTask::new(&agent_id, "echo", serde_json::Value::Null))?;
    let old = old_raw(&url, n).await.context("old raw baseline")?;
    let fair = fair_raw(&url, n, &task)
        .await
        .context("fair raw baseline")?;
    let myca = myca(&url, n, &agent_id).await.context("myca path")?;
    println!("sequential no-op task round trips on {url}");
    println!(
        "{:<40} {:>7} {:>12} {:>9} {:>9}",
        "path", "n", "tasks/s", "p50 ms", "p99 ms"
    );
    row("old raw: XADD -> XREADGROUP -> XACK", &old);
    row("fair raw: tasks -> worker proc -> results", &fair);
    row("myca: submit -> agent -> result", &myca);
    ratio("ratio myca / old raw", &myca, &old);
    ratio("ratio myca / fair raw", &myca, &fair);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(1000);
    match run(n).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("task_roundtrip failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}
