//! Runs one task: dispatch to its handler under the task's timeout, then
//! record the outcome and acknowledge the entry in one atomic step.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use redis::aio::ConnectionManager;
use serde_json::Value;
use tracing::{info, warn};

use super::artifacts::Artifacts;
use super::backoff::Backoff;
use super::handlers::{Registry, TaskContext};
use super::memory::Memory;
use super::state::{Outcome, Shared};
use crate::protocol::names::{task_cancelled_key, task_done_key, AGENTS_GROUP, RESULTS_STREAM};
use crate::protocol::{AgentTask, Artifact, TaskStatus, ARTIFACTS_FIELD};
use crate::streams::{Delivery, TASK_FIELD};

/// Done markers outlive any redelivery of the task.
const DONE_MARKER_TTL_SECONDS: u64 = 7 * 24 * 3600;
/// How long a result is retried while Redis is away before the entry is left
/// pending for another replica to redo.
const RECORD_PATIENCE: Duration = Duration::from_secs(120);

/// Marks the task done, appends the result (its fields from ARGV[4] on: the
/// task and, when it has any, its artifacts) and XACKs the entry — or, when
/// another delivery already recorded it, only XACKs. One script, so a crash
/// can neither lose the result nor record it twice.
const RECORD_SCRIPT: &str = r"
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 4))
  redis.call('XACK', KEYS[3], ARGV[2], ARGV[3])
  return 1
end
redis.call('XACK', KEYS[3], ARGV[2], ARGV[3])
return 0
";

pub async fn execute(
    shared: Arc<Shared>,
    registry: Arc<Registry>,
    mut redis: ConnectionManager,
    memory: Memory,
    delivery: Delivery,
) {
    let Delivery {
        stream,
        entry_id,
        mut task,
    } = delivery;
    let (done, cancelled): (bool, bool) = redis::pipe()
        .exists(task_done_key(&task.id))
        .exists(task_cancelled_key(&task.id))
        .query_async(&mut redis)
        .await
        .unwrap_or((false, false));
    if done {
        info!(task_id = %task.id, "task already recorded by an earlier delivery; acknowledging only");
        record(&shared, &mut redis, &stream, &entry_id, &task, &[]).await;
        shared.release(&task.id);
        return;
    }

    let started = Instant::now();
    // The task state machine decides: a copy that cannot run (settled
    // already) is acknowledged, never run again.
    if let Err(error) = task.mark_running(Utc::now()) {
        warn!(task_id = %task.id, %error, "not running a task its state forbids; acknowledging only");
        record(&shared, &mut redis, &stream, &entry_id, &task, &[]).await;
        shared.release(&task.id);
        return;
    }
    // A task taken from its type's shared stream names the replica that ran it.
    task.agent_id.clone_from(&shared.config.agent_id);
    let artifacts = Artifacts::default();
    let outcome = if cancelled {
        RunOutcome::Cancelled
    } else {
        info!(task_id = %task.id, task_type = %task.task_type, priority = task.priority.value(), "task started");
        let signal = shared.cancellations.signal(&task.id);
        let context = Launch {
            shared: &shared,
            registry: &registry,
            memory,
            artifacts: artifacts.clone(),
        };
        run_handler(context, &task, signal.notified()).await
    };
    // Only a completed task's result can refer to its artifacts.
    let artifacts = if matches!(outcome, RunOutcome::Completed(_)) {
        artifacts.take()
    } else {
        Vec::new()
    };
    let now = Utc::now();
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (kind, settled) = match outcome {
        RunOutcome::Completed(result) => (Outcome::Completed, task.mark_completed(result, now)),
        RunOutcome::Failed(error) => (Outcome::Failed, task.mark_failed(error, now)),
        RunOutcome::TimedOut(limit) => (
            Outcome::TimedOut,
            task.transition(TaskStatus::TimedOut).map(|()| {
                task.error = Some(format!("timed out after {} s", limit.as_secs_f64()));
                task.completed_at = Some(now);
            }),
        ),
        // Recorded like any outcome, so the entry is acknowledged and a
        // redelivery only acknowledges; the ledger already says cancelled.
        RunOutcome::Cancelled => (
            Outcome::Cancelled,
            task.transition(TaskStatus::Cancelled).map(|()| {
                task.error = Some("cancelled".into());
                task.completed_at = Some(now);
            }),
        ),
    };
    if let Err(error) = settled {
        warn!(task_id = %task.id, %error, "task outcome refused by the task state machine");
    }
    info!(task_id = %task.id, status = %task.status, duration_ms, "task finished");
    if record(&shared, &mut redis, &stream, &entry_id, &task, &artifacts).await {
        shared.record(kind, duration_ms);
    }
    shared.release(&task.id);
}

pub(super) enum RunOutcome {
    Completed(Value),
    Failed(String),
    TimedOut(Duration),
    Cancelled,
}

/// What a handler runs with beside its task.
pub(super) struct Launch<'a> {
    pub shared: &'a Shared,
    pub registry: &'a Registry,
    pub memory: Memory,
    pub artifacts: Artifacts,
}

/// Runs the task's handler until it ends, its timeout passes or `cancel`
/// resolves; a handler still running then is aborted.
pub(super) async fn run_handler(
    launch: Launch<'_>,
    task: &AgentTask,
    cancel: impl Future<Output = ()>,
) -> RunOutcome {
    let Launch {
        shared,
        registry,
        memory,
        artifacts,
    } = launch;
    let Some(handler) = registry.handler(&task.task_type) else {
        return RunOutcome::Failed(format!(
            "agent type {:?} cannot run task type {:?}; it runs {:?}",
            shared.config.agent_type,
            task.task_type,
            registry.capabilities()
        ));
    };
    let limit = if task.timeout == 0 {
        shared.config.task_timeout
    } else {
        Duration::from_secs(task.timeout)
    };
    let context = TaskContext {
        task: task.clone(),
        agent: shared.agent_state(),
        capabilities: registry.capabilities(),
        settings: shared.config.settings.clone(),
        memory,
        credentials: shared.credentials(),
        usage: shared.usage.clone(),
        artifacts,
        peers: shared.peers.clone(),
    };
    // Its own task, so a panicking handler fails the task, not the agent, and
    // a timed-out one is really stopped.
    let mut running = tokio::spawn(handler(context));
    tokio::select! {
        finished = tokio::time::timeout(limit, &mut running) => match finished {
            Ok(Ok(Ok(result))) => RunOutcome::Completed(result),
            Ok(Ok(Err(error))) => RunOutcome::Failed(error),
            Ok(Err(join_error)) => RunOutcome::Failed(format!("handler crashed: {join_error}")),
            Err(_) => {
                running.abort();
                RunOutcome::TimedOut(limit)
            }
        },
        () = cancel => {
            running.abort();
            info!(task_id = %task.id, "task cancelled: handler aborted");
            RunOutcome::Cancelled
        }
    }
}

/// Returns whether this call recorded the result (false: it was already
/// recorded, or Redis stayed away and the entry is left for a redelivery).
async fn record(
    shared: &Shared,
    redis: &mut ConnectionManager,
    stream: &str,
    entry_id: &str,
    task: &AgentTask,
    artifacts: &[Artifact],
) -> bool {
    let mut fields = Vec::with_capacity(4);
    let encoded = serde_json::to_string(task).and_then(|json| {
        fields.extend([TASK_FIELD.to_owned(), json]);
        if !artifacts.is_empty() {
            fields.extend([
                ARTIFACTS_FIELD.to_owned(),
                serde_json::to_string(artifacts)?,
            ]);
        }
        Ok(())
    });
    if let Err(error) = encoded {
        shared.note_error(&error);
        return false;
    }
    let script = redis::Script::new(RECORD_SCRIPT);
    let deadline = Instant::now() + RECORD_PATIENCE;
    let mut backoff = Backoff::new();
    loop {
        let attempt: Result<i64, _> = script
            .key(task_done_key(&task.id))
            .key(RESULTS_STREAM)
            .key(stream)
            .arg(DONE_MARKER_TTL_SECONDS)
            .arg(AGENTS_GROUP)
            .arg(entry_id)
            .arg(&fields)
            .invoke_async(redis)
            .await;
        match attempt {
            Ok(recorded) => return recorded == 1,
            Err(error) if Instant::now() < deadline => {
                warn!(task_id = %task.id, %error, "cannot record the result yet; retrying");
                shared.note_error(&error);
                tokio::time::sleep(backoff.step()).await;
            }
            Err(error) => {
                warn!(task_id = %task.id, %error, "giving up recording; the task stays pending for redelivery");
                return false;
            }
        }
    }
}
