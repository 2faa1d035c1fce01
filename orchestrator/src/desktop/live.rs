//! What the window watches as it happens: fleet events, an agent's log,
//! and the history its charts start from.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use myca_agents::protocol::AgentMetrics;
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::broadcast::error::RecvError;

use super::error::failed;
use super::{BatchSink, Desktop, DesktopError, ErrorKind};
use crate::events::Event;
use crate::pool::{logs, LogLine, LogQuery, LogStream};

/// How often a live stream hands the window what gathered.
pub const BATCH_EVERY: Duration = Duration::from_millis(100);
/// The most log lines a view asks to start from.
pub const MAX_FOLLOW_TAIL: usize = 100_000;
/// Sampling runs every 10 s; a chart of `minutes` needs six rows a minute.
const SAMPLES_PER_MINUTE: u32 = 6;
const MAX_CHART_MINUTES: u32 = 24 * 60;

/// A bus event, or how many the window missed because it fell behind (it
/// then resyncs with `list_agents`).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(untagged)]
#[ts(export)]
pub enum FleetEvent {
    Event(Box<Event>),
    Lagged {
        #[ts(type = "number")]
        lagged: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SavedLogs {
    pub path: String,
    #[ts(type = "number")]
    pub lines: u64,
}

impl Desktop {
    /// Every fleet event, batched, until [`Desktop::unsubscribe`] or the
    /// sink is gone.
    pub fn watch_fleet(&self, sink: impl BatchSink<FleetEvent>) -> Result<u32, DesktopError> {
        let service = self.service()?;
        let events = futures_util::stream::unfold(service.bus.subscribe(), |mut rx| async move {
            let event = match rx.recv().await {
                Ok(event) => FleetEvent::Event(Box::new(event)),
                Err(RecvError::Lagged(skipped)) => FleetEvent::Lagged { lagged: skipped },
                Err(RecvError::Closed) => return None,
            };
            Some((event, rx))
        });
        let task = tokio::spawn(super::forward_in_batches(events, BATCH_EVERY, sink));
        Ok(self.subscriptions.add(task))
    }

    /// The agent's last `tail` lines, then its new output as it comes.
    pub async fn follow_logs(
        &self,
        agent_id: &str,
        tail: usize,
        sink: impl BatchSink<LogLine>,
    ) -> Result<u32, DesktopError> {
        let service = self.service()?;
        self.fleet_agent(service, agent_id).await?;
        if !(1..=MAX_FOLLOW_TAIL).contains(&tail) {
            return Err(DesktopError::new(
                ErrorKind::Invalid,
                format!("tail {tail} is out of range: 1 to {MAX_FOLLOW_TAIL} lines"),
            ));
        }
        let query = LogQuery {
            follow: true,
            tail: Some(tail),
            since: None,
        };
        let agent = agent_id.to_owned();
        // An engine error ends the stream; the view says the log stopped.
        let pool = service.hosts.pool_of(agent_id).await.map_err(failed)?;
        let lines = logs(pool.docker(), agent_id, &query).scan((), move |(), line| {
            let line = line
                .map_err(|error| tracing::warn!(agent_id = %agent, %error, "log stream ended"))
                .ok();
            std::future::ready(line)
        });
        let task = tokio::spawn(super::forward_in_batches(lines, BATCH_EVERY, sink));
        Ok(self.subscriptions.add(task))
    }

    /// Writes the agent's whole log to `directory` (the user's downloads).
    pub async fn save_logs(
        &self,
        agent_id: &str,
        directory: &Path,
    ) -> Result<SavedLogs, DesktopError> {
        let service = self.service()?;
        self.fleet_agent(service, agent_id).await?;
        let unwritable = |error: std::io::Error| {
            DesktopError::new(
                ErrorKind::Unavailable,
                format!("cannot write the log into {}: {error}", directory.display()),
            )
        };
        tokio::fs::create_dir_all(directory)
            .await
            .map_err(unwritable)?;
        let path: PathBuf = directory.join(format!(
            "myca-{agent_id}-{}.log",
            Utc::now().format("%Y%m%dT%H%M%SZ")
        ));
        let mut file =
            tokio::io::BufWriter::new(tokio::fs::File::create(&path).await.map_err(unwritable)?);
        let pool = service.hosts.pool_of(agent_id).await.map_err(failed)?;
        let mut lines = std::pin::pin!(logs(pool.docker(), agent_id, &LogQuery::default()));
        let mut count = 0u64;
        while let Some(line) = lines.next().await {
            let line = line.map_err(|e| failed(crate::pool::PoolError::from(e)))?;
            file.write_all(format_line(&line).as_bytes())
                .await
                .map_err(unwritable)?;
            count += 1;
        }
        file.flush().await.map_err(unwritable)?;
        Ok(SavedLogs {
            path: path.display().to_string(),
            lines: count,
        })
    }

    /// The agent's samples of the last `minutes`, oldest first.
    pub async fn agent_metrics(
        &self,
        agent_id: &str,
        minutes: u32,
    ) -> Result<Vec<AgentMetrics>, DesktopError> {
        let service = self.service()?;
        if !(1..=MAX_CHART_MINUTES).contains(&minutes) {
            return Err(DesktopError::new(
                ErrorKind::Invalid,
                format!("minutes {minutes} is out of range: 1 to {MAX_CHART_MINUTES}"),
            ));
        }
        let since = Utc::now() - chrono::Duration::minutes(i64::from(minutes));
        let mut samples = service
            .store
            .metrics(agent_id, minutes * SAMPLES_PER_MINUTE)
            .await
            .map_err(failed)?;
        samples.retain(|s| s.timestamp >= since);
        samples.reverse();
        Ok(samples)
    }
}

/// `2026-11-25T16:00:00.000Z stderr text` — one line of a saved log.
fn format_line(line: &LogLine) -> String {
    let at = line
        .timestamp
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default();
    let stream = match line.stream {
        LogStream::Stdout => "stdout",
        LogStream::Stderr => "stderr",
    };
    format!("{at} {stream} {}\n", line.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_line_keeps_its_time_and_stream() {
        let line = LogLine {
            stream: LogStream::Stderr,
            timestamp: Some("2026-11-25T16:00:00Z".parse().unwrap()),
            text: "boom".into(),
        };
        assert_eq!(format_line(&line), "2026-11-25T16:00:00.000Z stderr boom\n");
    }

    #[test]
    fn a_lag_is_told_apart_from_events() {
        let lagged = serde_json::to_value(FleetEvent::Lagged { lagged: 3 }).unwrap();
        assert_eq!(lagged, serde_json::json!({ "lagged": 3 }));
    }
}
