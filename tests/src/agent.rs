//! Agent runtime processes and fresh Redis databases for the tests.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use myca_agents::protocol::AgentTask;
use myca_orchestrator::broker::ResultConsumer;

use crate::process::ChildGuard;
use crate::{free_port, redis_url};

/// The static `myca-agent` binary (see `.ci/test` for how it is built).
pub fn agent_binary() -> PathBuf {
    let path = std::env::var_os("MYCA_AGENT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("x86_64-unknown-linux-gnu/release/myca-agent")
        });
    assert!(
        path.is_file(),
        "agent binary {} not found: build it with RUSTFLAGS='-C target-feature=+crt-static' \
         cargo build --release --target x86_64-unknown-linux-gnu -p myca-agents --bin myca-agent \
         (or set MYCA_AGENT_BIN)",
        path.display()
    );
    path
}

/// An agent id no other test uses (agent ids allow only a-z, 0-9 and '-').
pub fn unique_agent_id(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A Redis database of its own (1–1023 of the 1024 `.ci/services` configures,
/// handed out in turn and flushed), so
/// tests that share stream names cannot see each other's tasks. Pub/sub
/// spans databases; channel names carry unique agent ids instead.
pub async fn fresh_redis_db() -> String {
    let base = redis_url();
    let client = redis::Client::open(base.as_str()).expect("valid Redis URL");
    let mut admin = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis reachable");
    let n: i64 = redis::cmd("INCR")
        .arg("myca:test:next-db")
        .query_async(&mut admin)
        .await
        .unwrap();
    let db = n % 1023 + 1;
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{db}"),
        None => format!("{base}/{db}"),
    };
    let mut connection = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let () = redis::cmd("FLUSHDB")
        .query_async(&mut connection)
        .await
        .unwrap();
    url
}

/// A `myca-agent` process, killed on drop if still running.
pub struct AgentProcess {
    child: ChildGuard,
    pub agent_id: String,
    pub port: u16,
}

impl AgentProcess {
    pub fn spawn(agent_id: &str, redis_url: &str, extra_env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut command = Command::new(agent_binary());
        command
            .env_clear()
            .env("AGENT_ID", agent_id)
            .env("AGENT_TYPE", "test-agent")
            .env("AGENT_CATEGORY", "core")
            .env("REDIS_URL", redis_url)
            .env("AGENT_PORT", port.to_string())
            .env("HEARTBEAT_INTERVAL", "1")
            .env("LOG_LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (name, value) in extra_env {
            command.env(name, value);
        }
        let child = ChildGuard::new(command.spawn().expect("myca-agent starts"));
        Self {
            child,
            agent_id: agent_id.to_owned(),
            port,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// GET on the agent's HTTP port: status code and JSON body.
    pub async fn get(&self, path: &str) -> Option<(u16, serde_json::Value)> {
        let response = crate::http_client().get(self.url(path)).send().await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.json().await.ok()?))
    }

    /// Waits until `/health` answers with `code`.
    pub async fn wait_health(&self, code: u16, timeout: Duration) -> serde_json::Value {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some((status, body)) = self.get("/health").await {
                if status == code {
                    return body;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{} never answered /health with {code}",
                self.agent_id
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn signal(&self, signal: &str) {
        self.child.signal(signal);
    }

    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait on agent") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not exit within {timeout:?}",
                self.agent_id
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Reads results until every one of `task_ids` has one (or the time is up).
pub async fn collect_results(
    results: &mut ResultConsumer,
    task_ids: &[uuid::Uuid],
    timeout: Duration,
) -> Vec<AgentTask> {
    let deadline = Instant::now() + timeout;
    let mut found: Vec<AgentTask> = Vec::new();
    while found.len() < task_ids.len() && Instant::now() < deadline {
        let batch = results
            .next_batch(64, Duration::from_millis(200))
            .await
            .expect("results readable");
        let ids: Vec<String> = batch.iter().map(|r| r.entry_id.clone()).collect();
        found.extend(
            batch
                .into_iter()
                .map(|r| r.task)
                .filter(|t| task_ids.contains(&t.id)),
        );
        results.ack(&ids).await.expect("results acknowledged");
    }
    found
}

/// The results agents published for `task_ids` (read without consuming:
/// whoever else reads `mas:results` — a running service — still gets them),
/// waiting up to `timeout` for all of them.
pub async fn published_results(
    redis: &redis::Client,
    task_ids: &[uuid::Uuid],
    timeout: Duration,
) -> Vec<AgentTask> {
    let deadline = Instant::now() + timeout;
    let mut connection = redis
        .get_multiplexed_async_connection()
        .await
        .expect("Redis reachable");
    loop {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(myca_agents::protocol::names::RESULTS_STREAM)
            .arg("-")
            .arg("+")
            .query_async(&mut connection)
            .await
            .expect("results readable");
        let found: Vec<AgentTask> = reply
            .ids
            .iter()
            .filter_map(|entry| {
                myca_agents::streams::decode(myca_agents::protocol::names::RESULTS_STREAM, entry)
                    .ok()
            })
            .map(|delivery| delivery.task)
            .filter(|task| task_ids.contains(&task.id))
            .collect();
        if found.len() >= task_ids.len() || Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
