//! Task round trips on one Redis: the raw XADD → XREADGROUP → XACK loop of
//! the same client library, and MYCA's full path (submit → agent process →
//! result consumed), side by side with their ratio.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… cargo bench -p myca-e2e --bench task_roundtrip [-- N]

use std::time::{Duration, Instant};

use myca_agents::protocol::AgentTask;
use myca_e2e::agent::{fresh_redis_db, unique_agent_id, AgentProcess};
use myca_orchestrator::broker::Broker;
use redis::aio::MultiplexedConnection;
use redis::AsyncConnectionConfig;

const BLOCK: Duration = Duration::from_secs(5);

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

async fn blocking_connection(url: &str) -> MultiplexedConnection {
    let config = AsyncConnectionConfig::new().set_response_timeout(None);
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .expect("Redis reachable")
}

async fn raw_round_trip(
    producer: &mut MultiplexedConnection,
    consumer: &mut MultiplexedConnection,
) {
    let _: String = redis::cmd("XADD")
        .arg("bench:raw")
        .arg("*")
        .arg("task")
        .arg("{}")
        .query_async(producer)
        .await
        .unwrap();
    let reply: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("bench")
        .arg("c1")
        .arg("COUNT")
        .arg(1)
        .arg("BLOCK")
        .arg(BLOCK.as_millis() as u64)
        .arg("STREAMS")
        .arg("bench:raw")
        .arg(">")
        .query_async(consumer)
        .await
        .unwrap();
    for key in reply.keys {
        for entry in key.ids {
            let _: i64 = redis::cmd("XACK")
                .arg("bench:raw")
                .arg("bench")
                .arg(&entry.id)
                .query_async(consumer)
                .await
                .unwrap();
        }
    }
}

async fn raw(url: &str, n: usize) -> Figures {
    let mut producer = blocking_connection(url).await;
    let mut consumer = blocking_connection(url).await;
    let _: Result<(), _> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg("bench:raw")
        .arg("bench")
        .arg("$")
        .arg("MKSTREAM")
        .query_async(&mut producer)
        .await;
    let mut latencies = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let one = Instant::now();
        raw_round_trip(&mut producer, &mut consumer).await;
        latencies.push(one.elapsed());
    }
    Figures {
        throughput: n as f64 / started.elapsed().as_secs_f64(),
        latencies,
    }
}

async fn myca(url: &str, n: usize) -> Figures {
    let id = unique_agent_id("bench");
    let agent = AgentProcess::spawn(
        &id,
        url,
        &[("MAX_CONCURRENT_TASKS", "1"), ("LOG_LEVEL", "error")],
    );
    agent.wait_health(200, Duration::from_secs(20)).await;
    let broker = Broker::connect(url).await.unwrap();
    let mut results = broker.results("bench").await.unwrap();
    let mut latencies = Vec::with_capacity(n);
    let started = Instant::now();
    for _ in 0..n {
        let one = Instant::now();
        let task = AgentTask::new(&id, "echo", serde_json::Value::Null);
        broker.submit_to_agent(&task).await.unwrap();
        loop {
            let batch = results.next_batch(1, BLOCK).await.unwrap();
            let ids: Vec<String> = batch.iter().map(|r| r.entry_id.clone()).collect();
            results.ack(&ids).await.unwrap();
            if batch.iter().any(|r| r.task.id == task.id) {
                break;
            }
            assert!(one.elapsed() < BLOCK, "no result within {BLOCK:?}");
        }
        latencies.push(one.elapsed());
    }
    Figures {
        throughput: n as f64 / started.elapsed().as_secs_f64(),
        latencies,
    }
}

fn row(name: &str, figures: &Figures) {
    println!(
        "{name:<34} {:>7} {:>12.0} {:>9.3} {:>9.3}",
        figures.latencies.len(),
        figures.throughput,
        figures.percentile(0.50),
        figures.percentile(0.99)
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(1000);
    let url = fresh_redis_db().await;
    let raw = raw(&url, n).await;
    let myca = myca(&url, n).await;
    println!("sequential no-op task round trips on {url}");
    println!(
        "{:<34} {:>7} {:>12} {:>9} {:>9}",
        "path", "n", "tasks/s", "p50 ms", "p99 ms"
    );
    row("raw XADD -> XREADGROUP -> XACK", &raw);
    row("myca submit -> agent -> result", &myca);
    println!(
        "{:<34} {:>7} {:>12.2} {:>9.2} {:>9.2}",
        "ratio myca / raw",
        "",
        myca.throughput / raw.throughput,
        myca.percentile(0.50) / raw.percentile(0.50),
        myca.percentile(0.99) / raw.percentile(0.99)
    );
}
