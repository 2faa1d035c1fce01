//! The task ledger: every task is written to SQL before its submitter gets
//! an answer, queued on Redis, and followed to its end from the agents'
//! results — retried with exponential backoff, dead-lettered after
//! `max_retries`, and queued again when Redis lost it. A task no live agent
//! can take says why, and fails once its wait deadline passes. Every status
//! change goes through the task state machine of `myca-agents`.

mod artifacts;
mod cancel;
mod change;
mod decisions;
mod fleet;
mod recovery;
mod routing;
mod waiting;
mod worker;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use myca_agents::protocol::{AgentTask, Artifact, ProtocolError, TaskStatus};
use uuid::Uuid;

use crate::broker::{Broker, BrokerError};
use crate::events::{Event, EventBus};
use crate::hostset::HostSet;
use crate::store::{LedgerEntry, Route, Store, StoreError};

use change::Change;
pub use decisions::{DecisionRecord, DECISION_APPROVED, DECISION_REFUSED};
pub use fleet::LiveFleet;
pub use recovery::RedisIdentity;
pub use routing::{Placement, Routing, RoutingError};
pub use worker::{start_housekeeping, start_results};

/// First retry delay; each further retry waits twice as long, up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_secs(1);
pub const RETRY_MAX: Duration = Duration::from_secs(300);
/// How long one look at the live fleet serves routing decisions.
const FLEET_FRESH_FOR: Duration = Duration::from_secs(1);
/// A compare-and-set that lost to another writer is tried again on the
/// fresh state at most this often.
const CONTENDED_WRITES: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("a task with id {0} exists already")]
    Duplicate(Uuid),
    #[error("no task {0}")]
    NotFound(Uuid),
    #[error("task {task_id} is already {status}")]
    Settled { task_id: Uuid, status: TaskStatus },
    #[error(transparent)]
    IllegalTransition(ProtocolError),
    #[error(transparent)]
    Routing(#[from] RoutingError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    /// The broker holding the task's entry is on a host that is not up.
    #[error("the broker of host {0:?} cannot be reached now")]
    BrokerAway(String),
    #[error("no host is up to queue the task on")]
    NoHostUp,
}

impl LedgerError {
    /// Another writer changed the task first (the compare-and-set missed).
    fn is_contended(&self) -> bool {
        matches!(self, LedgerError::Store(StoreError::TaskChanged { .. }))
    }
}

/// How long attempt `retries + 1` waits after attempt `retries` failed.
pub fn retry_delay(retries: u32) -> Duration {
    RETRY_FIRST
        .saturating_mul(2u32.saturating_pow(retries))
        .min(RETRY_MAX)
}

#[derive(Clone)]
pub struct TaskLedger {
    store: Store,
    hosts: HostSet,
    bus: EventBus,
    fleet: Arc<Mutex<Option<(Instant, LiveFleet)>>>,
}

impl TaskLedger {
    pub fn new(store: Store, hosts: HostSet, bus: EventBus) -> Self {
        Self {
            store,
            hosts,
            bus,
            fleet: Arc::new(Mutex::new(None)),
        }
    }

    /// The live fleet, looked at again when the last look is over a second old.
    pub async fn live_fleet(&self) -> LiveFleet {
        let cached = self.fleet.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some((at, fleet)) = cached {
            if at.elapsed() < FLEET_FRESH_FOR {
                return fleet;
            }
        }
        let fleet = LiveFleet::observe(&self.hosts).await;
        *self.fleet.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), fleet.clone()));
        fleet
    }

    /// The broker recorded as `key`, when its host is up.
    fn broker(&self, key: &str) -> Result<Broker, LedgerError> {
        self.hosts
            .broker(key)
            .ok_or_else(|| LedgerError::BrokerAway(key.to_owned()))
    }

    /// The broker holding the entry's stream entry (rows queued before the
    /// ledger recorded brokers were on the one broker there was).
    fn broker_of(&self, entry: &LedgerEntry) -> Result<Broker, LedgerError> {
        match &entry.broker {
            Some(key) => self.broker(key),
            None => self
                .home()
                .map_or(Err(LedgerError::NoHostUp), |key| self.broker(&key)),
        }
    }

    /// Where tasks wait for an agent that is nowhere live: the first broker.
    fn home(&self) -> Option<String> {
        self.hosts.brokers().first().map(|b| b.key.clone())
    }

    /// Where a task on `route` goes now and whether it waits there.
    pub async fn routing(&self, route: &Route, fleet: &LiveFleet) -> Result<Routing, LedgerError> {
        let home = self.home();
        let (kinds, reason) = match route {
            Route::Agent(agent_id) => {
                return Ok(routing::to_agent(agent_id, fleet, home.as_deref()))
            }
            Route::Type(agent_type) => (
                vec![agent_type.as_str()],
                format!("no agent of type {agent_type}"),
            ),
            Route::Capability(capability) => (
                routing::capable_kinds(capability)?,
                format!("no live agent runs capability {capability}"),
            ),
        };
        let mut live = routing::candidates(&kinds, fleet);
        // One candidate needs no comparison.
        if live.len() > 1 {
            for candidate in &mut live {
                candidate.lag = match self.broker(&candidate.broker) {
                    Ok(broker) => broker.type_queue_lag(&candidate.kind).await?,
                    Err(_) => u64::MAX,
                };
            }
        }
        Ok(routing::to_best(&live, kinds[0], home.as_deref(), reason))
    }

    /// Records the task, then queues it. When Redis cannot take it now the
    /// task stays `pending` in the ledger and is queued later; the
    /// submitter's answer does not depend on Redis. A capability no kind
    /// can run is refused before anything is stored.
    pub async fn submit(
        &self,
        mut task: AgentTask,
        route: Route,
    ) -> Result<LedgerEntry, LedgerError> {
        if self.store.task(task.id).await?.is_some() {
            return Err(LedgerError::Duplicate(task.id));
        }
        let fleet = self.live_fleet().await;
        let routing = self.routing(&route, &fleet).await?;
        task.status = TaskStatus::Pending;
        if let Route::Agent(agent_id) = &route {
            task.agent_id = agent_id.clone();
        }
        let now = Utc::now();
        let mut change = Change::of(LedgerEntry {
            task,
            route,
            broker: None,
            stream: None,
            entry_id: None,
            next_attempt_at: None,
            updated_at: now,
            waiting_reason: None,
            wait_deadline: None,
        });
        change.wait_for(routing.waiting.clone(), now);
        let entry = change.entry;
        self.store.insert_task(&entry).await?;
        match self.place(entry.clone(), &routing).await {
            Ok(queued) => Ok(queued),
            // Placed by the ledger's own watcher meanwhile.
            Err(error) if error.is_contended() => {
                Ok(self.store.task(entry.task.id).await?.unwrap_or(entry))
            }
            Err(error) => {
                tracing::warn!(%error, task_id = %entry.task.id, "task kept pending: not queued yet");
                Ok(entry)
            }
        }
    }

    /// Queues the entry on the routing's broker and stream and records where.
    async fn place(
        &self,
        entry: LedgerEntry,
        routing: &Routing,
    ) -> Result<LedgerEntry, LedgerError> {
        let key = routing.broker.clone().ok_or(LedgerError::NoHostUp)?;
        let broker = self.broker(&key)?;
        let mut change = Change::of(entry);
        if change.status() != TaskStatus::Queued {
            change.to(TaskStatus::Queued)?;
        }
        // The stream's copy says queued, as the ledger will.
        let task = &change.entry.task;
        let submitted = match &routing.placement {
            Placement::Agent(_) => broker.submit_to_agent(task).await?,
            Placement::Type(agent_type) => broker.submit_to_type(agent_type, task).await?,
        };
        change.entry.broker = Some(key);
        change.entry.stream = Some(submitted.stream.clone());
        change.entry.entry_id = Some(submitted.entry_id.clone());
        change.entry.next_attempt_at = None;
        let saved = change.save(&self.store).await;
        if let Err(error) = &saved {
            // Not recorded: another writer placed or settled it first, so
            // this entry must not stay behind for an agent to run.
            if let Err(withdraw_error) = broker
                .withdraw(&submitted.stream, &submitted.entry_id)
                .await
            {
                tracing::warn!(%error, %withdraw_error, "an unrecorded task entry stays queued");
            }
        }
        saved
    }

    /// Routes the entry afresh (its waiting reason with it) and queues it.
    async fn enqueue(&self, entry: LedgerEntry) -> Result<LedgerEntry, LedgerError> {
        let fleet = self.live_fleet().await;
        let routing = self.routing(&entry.route, &fleet).await?;
        let mut change = Change::of(entry);
        change.wait_for(routing.waiting.clone(), Utc::now());
        self.place(change.entry, &routing).await
    }

    /// The task as the ledger knows it. A queued task an agent has taken
    /// (its entry pending on that agent's consumer) is recorded as running.
    pub async fn task(&self, id: Uuid) -> Result<Option<LedgerEntry>, LedgerError> {
        let Some(entry) = self.store.task(id).await? else {
            return Ok(None);
        };
        if entry.task.status != TaskStatus::Queued {
            return Ok(Some(entry));
        }
        let holder = match (&entry.stream, &entry.entry_id, self.broker_of(&entry)) {
            (Some(stream), Some(entry_id), Ok(broker)) => {
                broker.holder(stream, entry_id).await.ok().flatten()
            }
            _ => None,
        };
        let Some(agent_id) = holder else {
            return Ok(Some(entry));
        };
        match self.taken(entry, agent_id).await {
            Ok(running) => Ok(Some(running)),
            // Settled meanwhile: the fresh state is the answer.
            Err(error) if error.is_contended() => Ok(self.store.task(id).await?),
            Err(error) => Err(error),
        }
    }

    /// Records that `agent_id` took the queued task: running, no longer waiting.
    async fn taken(
        &self,
        entry: LedgerEntry,
        agent_id: String,
    ) -> Result<LedgerEntry, LedgerError> {
        let mut change = Change::of(entry);
        change.to(TaskStatus::Running)?;
        change.entry.task.agent_id = agent_id;
        change.wait_for(None, Utc::now());
        change.save(&self.store).await
    }

    /// Applies an agent's reported outcome; returns the ledger's new state
    /// (`None` for a task the ledger never had). A result the task's state
    /// cannot take — a settled or cancelled task's late result — is logged
    /// and ignored, never written.
    /// `from` is the broker the result came in on: where the task ran, even
    /// when it was taken before its move there was recorded.
    pub async fn record_result(
        &self,
        reported: AgentTask,
        artifacts: &[Artifact],
        from: &str,
    ) -> Result<Option<LedgerEntry>, LedgerError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(entry) = self.store.task(reported.id).await? else {
                tracing::warn!(task_id = %reported.id, "result for a task not in the ledger");
                return Ok(None);
            };
            if entry.task.status.is_final() {
                tracing::info!(task_id = %reported.id, status = %entry.task.status, reported = %reported.status, "late result of a settled task ignored");
                return Ok(Some(entry));
            }
            if attempt == 1 && reported.status == TaskStatus::Completed {
                self.keep_artifacts(&reported, artifacts).await?;
            }
            match self.apply_result(entry.clone(), &reported, from).await {
                Ok(settled) => {
                    self.bus
                        .record(Event::TaskFinished { task: reported })
                        .await;
                    return Ok(Some(settled));
                }
                // Changed meanwhile (cancelled, taken): decide again on the fresh state.
                Err(error) if error.is_contended() && attempt < CONTENDED_WRITES => {}
                Err(LedgerError::IllegalTransition(error)) => {
                    tracing::warn!(%error, "result does not fit the task's state; ignored");
                    return Ok(Some(entry));
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn apply_result(
        &self,
        entry: LedgerEntry,
        reported: &AgentTask,
        from: &str,
    ) -> Result<LedgerEntry, LedgerError> {
        let now = Utc::now();
        let mut change = Change::of(entry);
        change.entry.broker = Some(from.to_owned());
        if matches!(change.status(), TaskStatus::Failed | TaskStatus::TimedOut)
            && reported.retries > change.entry.task.retries
        {
            // A retry is added to the stream before its placement is written:
            // a fast agent's result can come in first. It is that attempt's.
            change.entry.next_attempt_at = None;
            change.to(TaskStatus::Queued)?;
        }
        if matches!(change.status(), TaskStatus::Pending | TaskStatus::Queued) {
            // Taken and finished between two looks of the ledger.
            change.to(TaskStatus::Running)?;
        }
        change.wait_for(None, now);
        let task = &mut change.entry.task;
        task.agent_id.clone_from(&reported.agent_id);
        task.started_at = reported.started_at;
        task.completed_at = reported.completed_at.or(Some(now));
        task.result.clone_from(&reported.result);
        task.error.clone_from(&reported.error);
        let error = reported.error.clone().unwrap_or_default();
        match reported.status {
            TaskStatus::Completed => {
                change.to(TaskStatus::Completed)?;
                change.audit = DecisionRecord::of(&change.entry.task).map(|d| d.audit());
            }
            TaskStatus::Cancelled => change.to(TaskStatus::Cancelled)?,
            TaskStatus::TimedOut => change.fail(TaskStatus::TimedOut, error, now)?,
            _ => change.fail(TaskStatus::Failed, error, now)?,
        }
        change.save(&self.store).await
    }

    /// Queues every failed attempt whose retry is due; returns how many.
    pub async fn retry_due(&self) -> Result<usize, LedgerError> {
        let due = self.store.due_retries(Utc::now()).await?;
        for entry in due.iter().cloned() {
            // The agent skips a task whose done marker exists; this attempt
            // must run, on whichever broker it goes to.
            for broker in self.hosts.brokers() {
                broker.broker.forget_done(&entry.task.id).await?;
            }
            match self.enqueue(entry).await {
                Err(error) if error.is_contended() => {}
                other => {
                    other?;
                }
            }
        }
        Ok(due.len())
    }
}
