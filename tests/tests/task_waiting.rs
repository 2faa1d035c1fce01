//! Tasks routed to nothing, against real Redis, a real SQL store (SQLite and
//! PostgreSQL) and real agent processes: a task no live agent can take says
//! why, fails after its timeout and its retries, is taken (reason cleared)
//! by an agent that appears in time, goes to the kind that has a live agent,
//! a retry's result settles its attempt even before its placement is
//! written, and every status write follows the task state machine.

use std::time::{Duration, Instant};

use myca_agents::protocol::{AgentTask, TaskStatus};
use myca_e2e::agent::{fresh_redis_db, unique_agent_id, AgentProcess};
use myca_e2e::ledger::LedgerOnRedis;
use myca_e2e::on_both_backends;
use myca_e2e::stores::{Backend, TestStore};
use myca_orchestrator::hostset::SHARED_BROKER;
use myca_orchestrator::ledger::{LedgerError, TaskLedger};
use myca_orchestrator::store::StoreError;
use myca_orchestrator::{LedgerEntry, Route, Store};
use serde_json::json;
use uuid::Uuid;

const PATIENCE: Duration = Duration::from_secs(60);

struct Ledger {
    ledger: TaskLedger,
    _running: LedgerOnRedis,
}

impl Ledger {
    async fn on(store: &Store, redis: &str) -> Self {
        let running = LedgerOnRedis::start(store, redis).await;
        Self {
            ledger: running.ledger.clone(),
            _running: running,
        }
    }

    /// Polls the task until `done` holds; fails with its last state.
    async fn until(
        &self,
        id: Uuid,
        what: &str,
        done: impl Fn(&LedgerEntry) -> bool,
    ) -> LedgerEntry {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let entry = self
                .ledger
                .task(id)
                .await
                .unwrap()
                .expect("task in the ledger");
            if done(&entry) {
                return entry;
            }
            assert!(Instant::now() < deadline, "never {what}: {entry:#?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn until_live(&self, agent_id: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.ledger.live_fleet().await.has_agent(agent_id) {
            assert!(Instant::now() < deadline, "{agent_id} never live");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn task(task_type: &str, timeout: u64, max_retries: u32) -> AgentTask {
    let mut task = AgentTask::new("", task_type, json!({"n": 1}));
    task.timeout = timeout;
    task.max_retries = max_retries;
    task
}

async fn absent_agent_fails_after_its_timeout_and_retries(backend: Backend) {
    let redis = fresh_redis_db().await;
    let test_store = TestStore::migrated(backend).await;
    let ledger = Ledger::on(&test_store.store, &redis).await;
    let ghost = unique_agent_id("ghost");
    let reason = format!("no agent with id {ghost}");

    let submitted = ledger
        .ledger
        .submit(task("echo", 1, 1), Route::Agent(ghost.clone()))
        .await
        .unwrap();
    assert_eq!(submitted.task.status, TaskStatus::Queued);
    assert_eq!(submitted.waiting_reason.as_deref(), Some(reason.as_str()));
    let deadline = submitted.wait_deadline.expect("a wait deadline");
    assert!(
        deadline >= submitted.task.created_at + chrono::Duration::seconds(1),
        "the wait timer is the task's timeout"
    );
    // The reason is in the stored task and in the lists.
    let listed = test_store
        .store
        .tasks(&Default::default(), None)
        .await
        .unwrap()
        .0
        .into_iter()
        .find(|e| e.task.id == submitted.task.id)
        .expect("listed");
    assert_eq!(listed.waiting_reason.as_deref(), Some(reason.as_str()));

    // Failed after its timeout, retried once with backoff, then given up on.
    let dead = ledger
        .until(submitted.task.id, "dead-lettered", |e| {
            e.task.status.is_final()
        })
        .await;
    assert_eq!(dead.task.status, TaskStatus::DeadLettered);
    assert_eq!(dead.task.retries, 1);
    assert_eq!(dead.task.error.as_deref(), Some(reason.as_str()));
    assert_eq!(dead.waiting_reason, None);
    assert!(dead.task.started_at.is_none(), "no agent ever ran it");

    // An agent with that id arriving later runs only what comes next: the
    // given-up task was taken back from its stream.
    let late = AgentProcess::spawn(&ghost, &redis, &[]);
    ledger.until_live(&ghost).await;
    let next = ledger
        .ledger
        .submit(task("echo", 60, 0), Route::Agent(ghost.clone()))
        .await
        .unwrap();
    assert_eq!(next.waiting_reason, None, "the agent is live");
    let next = ledger
        .until(next.task.id, "completed", |e| e.task.status.is_final())
        .await;
    assert_eq!(next.task.status, TaskStatus::Completed);
    let (_, status) = late.get("/status").await.expect("agent answers");
    assert_eq!(status["tasks_completed"], 1, "{status}");
    test_store.finish().await;
}

#[tokio::test]
async fn absent_agent_fails_after_its_timeout_and_retries_sqlite() {
    absent_agent_fails_after_its_timeout_and_retries(Backend::Sqlite).await;
}

#[tokio::test]
async fn absent_agent_fails_after_its_timeout_and_retries_postgres() {
    absent_agent_fails_after_its_timeout_and_retries(Backend::Postgres).await;
}

#[tokio::test]
async fn an_agent_that_appears_in_time_takes_the_task_and_the_reason_clears() {
    let redis = fresh_redis_db().await;
    let test_store = TestStore::migrated(Backend::Postgres).await;
    let ledger = Ledger::on(&test_store.store, &redis).await;
    let id = unique_agent_id("late");

    let submitted = ledger
        .ledger
        .submit(task("echo", 120, 0), Route::Agent(id.clone()))
        .await
        .unwrap();
    let waiting = ledger
        .until(submitted.task.id, "waiting", |e| e.waiting_reason.is_some())
        .await;
    assert_eq!(
        waiting.waiting_reason,
        Some(format!("no agent with id {id}"))
    );
    assert_eq!(waiting.task.status, TaskStatus::Queued);

    let _agent = AgentProcess::spawn(&id, &redis, &[]);
    let done = ledger
        .until(submitted.task.id, "completed", |e| e.task.status.is_final())
        .await;
    assert_eq!(done.task.status, TaskStatus::Completed);
    assert_eq!(done.task.result, Some(json!({"n": 1})));
    assert_eq!(done.task.agent_id, id);
    assert_eq!(done.waiting_reason, None);
    assert_eq!(done.wait_deadline, None);
    test_store.finish().await;
}

#[tokio::test]
async fn capabilities_go_to_the_kind_that_has_a_live_agent() {
    let redis = fresh_redis_db().await;
    let test_store = TestStore::migrated(Backend::Sqlite).await;
    let ledger = Ledger::on(&test_store.store, &redis).await;

    // Every kind runs get_status; none is live on this broker yet.
    let early = ledger
        .ledger
        .submit(
            task("get_status", 300, 0),
            Route::Capability("get_status".into()),
        )
        .await
        .unwrap();
    assert_eq!(
        early.waiting_reason.as_deref(),
        Some("no live agent runs capability get_status")
    );

    let id = unique_agent_id("able");
    let _agent = AgentProcess::spawn(&id, &redis, &[]);
    ledger.until_live(&id).await;
    let routed = ledger
        .ledger
        .submit(
            task("health_check", 300, 0),
            Route::Capability("health_check".into()),
        )
        .await
        .unwrap();
    assert_eq!(routed.waiting_reason, None);

    // Both complete on the live agent (the first kind able to run them,
    // `custom`, has none): the early one was moved to its kind.
    for id_of in [routed.task.id, early.task.id] {
        let done = ledger
            .until(id_of, "completed", |e| e.task.status.is_final())
            .await;
        assert_eq!(done.task.status, TaskStatus::Completed, "{done:#?}");
        assert_eq!(done.task.agent_id, id);
        assert_eq!(done.waiting_reason, None);
    }
    test_store.finish().await;
}

#[tokio::test]
async fn a_cancelled_task_ignores_a_late_result() {
    let redis = fresh_redis_db().await;
    let test_store = TestStore::migrated(Backend::Sqlite).await;
    let ledger = Ledger::on(&test_store.store, &redis).await;
    let submitted = ledger
        .ledger
        .submit(
            task("echo", 300, 0),
            Route::Agent(unique_agent_id("nobody")),
        )
        .await
        .unwrap();
    let cancelled = ledger.ledger.cancel(submitted.task.id).await.unwrap();
    assert_eq!(cancelled.task.status, TaskStatus::Cancelled);
    assert_eq!(cancelled.waiting_reason, None);

    let mut late = submitted.task.clone();
    late.status = TaskStatus::Completed;
    late.result = Some(json!({"late": true}));
    let after = ledger
        .ledger
        .record_result(late, &[], SHARED_BROKER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.task.status, TaskStatus::Cancelled);
    assert_eq!(after.task.result, None);
    let stored = test_store
        .store
        .task(submitted.task.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.task.status, TaskStatus::Cancelled);

    let again = ledger.ledger.cancel(submitted.task.id).await.unwrap_err();
    assert!(matches!(again, LedgerError::Settled { .. }), "{again}");
    let unknown = ledger.ledger.cancel(Uuid::new_v4()).await.unwrap_err();
    assert!(matches!(unknown, LedgerError::NotFound(_)), "{unknown}");
    test_store.finish().await;
}

/// The ledger adds a retry to the stream before it writes the placement: a
/// fast agent's result for that attempt can come in while the ledger still
/// says failed. It settles that attempt, and the placement's write loses.
#[tokio::test]
async fn a_retry_result_that_beats_its_placement_settles_that_attempt() {
    let redis = fresh_redis_db().await;
    let test_store = TestStore::migrated(Backend::Postgres).await;
    let ledger = Ledger::on(&test_store.store, &redis).await;
    let submitted = ledger
        .ledger
        .submit(task("fail", 300, 1), Route::Agent(unique_agent_id("fast")))
        .await
        .unwrap();
    let mut attempt = submitted.task.clone();
    attempt.status = TaskStatus::Failed;
    attempt.error = Some("first".into());
    let failed = ledger
        .ledger
        .record_result(attempt.clone(), &[], SHARED_BROKER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.task.status, TaskStatus::Failed);
    assert!(
        failed.next_attempt_at.is_some(),
        "a retry is due: {failed:?}"
    );

    attempt.retries = 1;
    attempt.error = Some("second".into());
    let settled = ledger
        .ledger
        .record_result(attempt, &[], SHARED_BROKER)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settled.task.status, TaskStatus::DeadLettered, "{settled:?}");
    assert_eq!(settled.task.retries, 1);
    assert_eq!(settled.task.error.as_deref(), Some("second"));

    // The placement, written from the failed state it read at retry 0.
    let mut placed = failed.clone();
    placed.task.retries = 1;
    placed.task.transition(TaskStatus::Queued).unwrap();
    let error = test_store
        .store
        .update_task_audited(&placed, &[TaskStatus::Failed, TaskStatus::Queued], 0, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, StoreError::TaskChanged { retries: 0, .. }),
        "{error}"
    );
    let stored = test_store
        .store
        .task(submitted.task.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.task.status, TaskStatus::DeadLettered);
    test_store.finish().await;
}

on_both_backends!(store_writes_follow_the_task_state_machine);

/// Every status write is checked against the state machine and is a
/// compare-and-set on the status it started from.
async fn store_writes_follow_the_task_state_machine(store: &Store) {
    let mut entry = LedgerEntry {
        broker: None,
        task: AgentTask::new("a1", "echo", json!({})),
        route: Route::Agent("a1".into()),
        stream: None,
        entry_id: None,
        next_attempt_at: None,
        updated_at: chrono::Utc::now(),
        waiting_reason: None,
        wait_deadline: None,
    };
    store.insert_task(&entry).await.unwrap();
    entry.task.transition(TaskStatus::Queued).unwrap();
    store
        .update_task(&entry, &[TaskStatus::Pending, TaskStatus::Queued])
        .await
        .unwrap();

    // Queued straight to completed skips running: refused, nothing written.
    let mut skipping = entry.clone();
    skipping.task.status = TaskStatus::Completed;
    let error = store
        .update_task(&skipping, &[TaskStatus::Queued, TaskStatus::Completed])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::IllegalTransition(_)), "{error}");
    let stored = store.task(entry.task.id).await.unwrap().unwrap();
    assert_eq!(stored.task.status, TaskStatus::Queued);

    // Two writers from the same queued state: the first wins, the second misses.
    let mut cancelling = entry.clone();
    cancelling.task.transition(TaskStatus::Cancelled).unwrap();
    let mut starting = entry.clone();
    starting.task.transition(TaskStatus::Running).unwrap();
    store
        .update_task(&cancelling, &[TaskStatus::Queued, TaskStatus::Cancelled])
        .await
        .unwrap();
    let error = store
        .update_task(&starting, &[TaskStatus::Queued, TaskStatus::Running])
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::TaskChanged {
                expected: TaskStatus::Queued,
                ..
            }
        ),
        "{error}"
    );
    // A settled task takes no change, not even of its fields.
    let mut touched = cancelling.clone();
    touched.waiting_reason = Some("late".into());
    let error = store
        .update_task(&touched, &[TaskStatus::Cancelled])
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::IllegalTransition(_)), "{error}");
    let stored = store.task(entry.task.id).await.unwrap().unwrap();
    assert_eq!(stored.task.status, TaskStatus::Cancelled);
    assert_eq!(stored.waiting_reason, None);
}
