//! The task ledger against real Redis, a real SQL store and real agent
//! processes: results settle tasks, failures are retried with backoff and
//! then dead-lettered, and what Redis or a restarted orchestrator lost is
//! queued again from SQL — each task completed once.

use std::time::{Duration, Instant};

use myca_agents::protocol::{AgentTask, TaskStatus};
use myca_e2e::agent::{fresh_redis_db, unique_agent_id, AgentProcess};
use myca_e2e::ledger::LedgerOnRedis;
use myca_e2e::redis_server::RedisServer;
use myca_e2e::stores::{Backend, TestStore};
use myca_orchestrator::ledger::TaskLedger;
use myca_orchestrator::{LedgerEntry, Route, Store};
use serde_json::json;
use uuid::Uuid;

const PATIENCE: Duration = Duration::from_secs(40);

async fn ledger_on(store: &Store, redis: &str) -> (TaskLedger, LedgerOnRedis) {
    let running = LedgerOnRedis::start(store, redis).await;
    (running.ledger.clone(), running)
}

/// Waits until every task is settled (a final status); returns them.
async fn settled(ledger: &TaskLedger, ids: &[Uuid]) -> Vec<LedgerEntry> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut entries = Vec::new();
        for id in ids {
            entries.push(ledger.task(*id).await.unwrap().expect("task in the ledger"));
        }
        if entries.iter().all(|e| e.task.status.is_final()) {
            return entries;
        }
        assert!(
            Instant::now() < deadline,
            "not settled: {:?}",
            entries
                .iter()
                .map(|e| (
                    e.task.task_type.clone(),
                    e.task.status,
                    e.task.retries,
                    e.task.error.clone(),
                    e.next_attempt_at
                ))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn results_settle_tasks_and_failures_retry_then_dead_letter() {
    let redis = fresh_redis_db().await;
    let test_store = TestStore::migrated(Backend::Postgres).await;
    let (ledger, worker) = ledger_on(&test_store.store, &redis).await;
    let id = unique_agent_id("ledger");
    let _agent = AgentProcess::spawn(&id, &redis, &[]);

    let echo = ledger
        .submit(
            AgentTask::new("", "echo", json!({"n": 1})),
            Route::Agent(id.clone()),
        )
        .await
        .unwrap();
    // Queued before the answer; a fast agent may have finished it already,
    // and the answer then says so (its result is never overwritten).
    assert!(
        matches!(
            echo.task.status,
            TaskStatus::Queued | TaskStatus::Running | TaskStatus::Completed
        ),
        "queued before the answer: {echo:?}"
    );
    assert_eq!(echo.task.agent_id, id);
    let by_capability = ledger
        .submit(
            AgentTask::new("", "echo", json!({"n": 2})),
            Route::Capability("echo".into()),
        )
        .await
        .unwrap();
    let mut failing = AgentTask::new("", "fail", json!({"message": "no"}));
    failing.max_retries = 2;
    let failing = ledger
        .submit(failing, Route::Type("test-agent".into()))
        .await
        .unwrap();
    let duplicate = ledger
        .submit(echo.task.clone(), Route::Agent(id.clone()))
        .await
        .expect_err("the same task id twice");
    assert!(
        duplicate.to_string().contains("exists already"),
        "{duplicate}"
    );

    // Taken by the agent and still running: the ledger says so.
    let slow = ledger
        .submit(
            AgentTask::new("", "sleep", json!({"ms": 1500})),
            Route::Agent(id.clone()),
        )
        .await
        .unwrap();
    let deadline = Instant::now() + PATIENCE;
    loop {
        let entry = ledger.task(slow.task.id).await.unwrap().unwrap();
        if entry.task.status == TaskStatus::Running {
            assert_eq!(entry.task.agent_id, id);
            break;
        }
        assert_eq!(entry.task.status, TaskStatus::Queued, "{entry:?}");
        assert!(Instant::now() < deadline, "never seen running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done = settled(
        &ledger,
        &[
            echo.task.id,
            by_capability.task.id,
            failing.task.id,
            slow.task.id,
        ],
    )
    .await;
    assert_eq!(done[0].task.status, TaskStatus::Completed);
    assert_eq!(done[0].task.result, Some(json!({"n": 1})));
    assert_eq!(done[1].task.status, TaskStatus::Completed);
    assert_eq!(done[1].task.agent_id, id, "the capable agent ran it");
    let dead = &done[2].task;
    assert_eq!(dead.status, TaskStatus::DeadLettered);
    assert_eq!(dead.retries, 2, "two retries after the first attempt");
    assert_eq!(dead.error.as_deref(), Some("no"));

    drop(worker);
    test_store.finish().await;
}

#[tokio::test]
async fn tasks_lost_by_redis_or_left_by_a_restarted_orchestrator_complete_once() {
    let mut server = RedisServer::start();
    let redis = server.url();
    let test_store = TestStore::migrated(Backend::Sqlite).await;
    let store = test_store.store.clone();
    let (ledger, worker) = ledger_on(&store, &redis).await;
    let id = unique_agent_id("lost");

    // Queued while no agent runs, then Redis restarts empty: the streams are gone.
    let mut ids = Vec::new();
    for n in 0..5 {
        let entry = ledger
            .submit(
                AgentTask::new("", "echo", json!({"n": n})),
                Route::Agent(id.clone()),
            )
            .await
            .unwrap();
        ids.push(entry.task.id);
    }
    server.crash();
    server.restart();
    // The orchestrator goes too, mid-way; a new one takes over from SQL.
    drop(worker);
    let (ledger, worker) = ledger_on(&store, &redis).await;
    let agent = AgentProcess::spawn(&id, &redis, &[]);

    let done = settled(&ledger, &ids).await;
    assert!(done.iter().all(|e| e.task.status == TaskStatus::Completed));
    for (n, entry) in done.iter().enumerate() {
        assert_eq!(entry.task.result, Some(json!({"n": n})));
    }
    // Completed once each: the agent counted exactly five.
    let (_, status) = agent.get("/status").await.expect("agent answers");
    assert_eq!(status["tasks_completed"], 5, "{status}");

    // Redis restarts empty again under the same orchestrator: its new run id
    // gives it away and the ledger queues the lost tasks again.
    let later = unique_agent_id("later");
    let mut more = Vec::new();
    for n in 0..3 {
        let entry = ledger
            .submit(
                AgentTask::new("", "echo", json!({"n": n})),
                Route::Agent(later.clone()),
            )
            .await
            .unwrap();
        more.push(entry.task.id);
    }
    server.crash();
    server.restart();
    let _later_agent = AgentProcess::spawn(&later, &redis, &[]);
    let done = settled(&ledger, &more).await;
    assert!(done.iter().all(|e| e.task.status == TaskStatus::Completed));

    drop(worker);
    test_store.finish().await;
}
