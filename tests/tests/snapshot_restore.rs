//! Snapshots on the real engine, Redis and SQL store: an agent's snapshot
//! carries its pending tasks and memory but no secret; after its container is
//! killed a restore into a new container completes that work and has the
//! memory back (and its credentials, which travel by reference); a graceful
//! stop stores a snapshot by itself.

use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig, AgentTask, TaskStatus};
use myca_agents::sealing::sha256_hex;
use myca_e2e::agent::{published_results, unique_agent_id};
use myca_e2e::api::test_service_config;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::wait_healthy;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::credentials::inline_source;
use myca_orchestrator::service::FleetService;
use myca_orchestrator::store::{MessageFilter, Page};
use myca_orchestrator::Route;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(40);
const PLANTED: &str = "sk-planted-7e3b9d2a";

/// Submits the task through the service's ledger and waits for its end.
async fn run_one(service: &FleetService, task: AgentTask) -> AgentTask {
    let route = Route::Agent(task.agent_id.clone());
    let id = service.ledger.submit(task, route).await.unwrap().task.id;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let entry = service.ledger.task(id).await.unwrap().unwrap();
        if entry.task.status.is_final() {
            assert_eq!(entry.task.status, TaskStatus::Completed, "{entry:?}");
            return entry.task;
        }
        assert!(Instant::now() < deadline, "never finished: {entry:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn snapshot_kill_restore_completes_pending_work_with_memory_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let service =
        FleetService::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await)
            .await
            .unwrap();
    let store = service.store.clone();
    let pool = service.first_pool().unwrap();
    let broker = service.hosts.brokers()[0].broker.clone();
    let snapshots = &service.snapshots;

    let id = unique_agent_id("snap");
    let restored_id = format!("{id}-r");
    let mut guard = ContainerGuard::new(pool.docker());
    guard.watch(container_name(&id));
    guard.watch(container_name(&restored_id));
    let mut config = AgentConfig::new(&id, "test-agent", AgentCategory::Core);
    config.memory_limit = 64;
    config.heartbeat_interval = 1;
    config.max_concurrent_tasks = 2;
    config
        .environment
        .insert("OPENAI_API_KEY".into(), PLANTED.into());
    config.settings.insert("api_token".into(), json!(PLANTED));
    let agent = pool.spawn(&config).await.unwrap();
    wait_healthy(agent.port.unwrap(), PATIENCE).await;

    // Long-term memory through the broker protocol, short-term in Redis.
    run_one(
        &service,
        AgentTask::new(
            &id,
            "remember",
            json!({"key": "colour", "value": {"name": "teal"}}),
        ),
    )
    .await;
    run_one(
        &service,
        AgentTask::new(&id, "note", json!({"text": "hello"})),
    )
    .await;

    // Two long tasks fill both slots; the snapshot holds them as pending.
    let pending: Vec<AgentTask> = (0..2)
        .map(|n| {
            let mut task = AgentTask::new(&id, "sleep", json!({"ms": 3000, "n": n}));
            task.payload["note"] = json!(format!("uses {PLANTED}"));
            task
        })
        .collect();
    for task in &pending {
        broker.submit_to_agent(task).await.unwrap();
    }
    let deadline = Instant::now() + PATIENCE;
    let snapshot_id = loop {
        let snapshot_id = snapshots.create(&id, "before-move").await.unwrap();
        let stored = store.snapshot(snapshot_id).await.unwrap().unwrap();
        if stored.snapshot.pending_tasks.len() == 2 || Instant::now() > deadline {
            break snapshot_id;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let stored = store.snapshot(snapshot_id).await.unwrap().unwrap().snapshot;
    assert_eq!(stored.reason, "before-move");
    assert_eq!(stored.pending_tasks.len(), 2, "{:?}", stored.pending_tasks);
    assert_eq!(
        stored.config.memory_limit, 64,
        "spawn configuration recorded"
    );
    assert_eq!(
        stored.memory_state["knowledge"]["colour"]["value"],
        json!({"name": "teal"})
    );
    assert_eq!(stored.memory_state["short_term"][0]["text"], "hello");

    // Killed: no graceful stop, no shutdown snapshot, the work is cut short.
    pool.stop(&id, true).await.unwrap();
    pool.remove(&id).await.unwrap();

    let restored = snapshots
        .restore(snapshot_id, Some(&restored_id))
        .await
        .unwrap();
    assert_eq!(restored.requeued.len(), 2);
    assert_eq!(restored.knowledge_restored, 1);
    assert_eq!(restored.conversation_restored, 1);
    let mut missing = restored.secrets_to_provide.clone();
    missing.sort();
    // The inline key became a keyring credential the restored agent references too.
    assert_eq!(missing, ["api_token"]);
    wait_healthy(restored.agent.port.unwrap(), PATIENCE).await;

    let ids: Vec<_> = pending.iter().map(|t| t.id).collect();
    let finished = published_results(broker.client(), &ids, PATIENCE).await;
    assert_eq!(finished.len(), 2, "both pending tasks completed once");
    assert!(finished
        .iter()
        .all(|t| t.status == TaskStatus::Completed && t.agent_id == restored_id));

    let recalled = run_one(
        &service,
        AgentTask::new(&restored_id, "recall", json!({"key": "colour"})),
    )
    .await;
    assert_eq!(recalled.result.unwrap()["value"], json!({"name": "teal"}));
    let noted = run_one(
        &service,
        AgentTask::new(&restored_id, "note", json!({"text": "again"})),
    )
    .await;
    let kept: Vec<Value> = noted.result.unwrap()["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].clone())
        .collect();
    assert_eq!(kept, [json!("hello"), json!("again")]);
    let held = run_one(
        &service,
        AgentTask::new(
            &restored_id,
            "credential",
            json!({"name": "OPENAI_API_KEY"}),
        ),
    )
    .await;
    assert_eq!(
        held.result.unwrap()["sha256"],
        json!(sha256_hex(PLANTED.as_bytes()))
    );

    // A graceful stop stores the agent's final snapshot by itself.
    pool.stop(&restored_id, false).await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while store
        .snapshots(Some(&restored_id), &Page::default())
        .await
        .unwrap()
        .items
        .iter()
        .all(|s| s.reason.as_deref() != Some("shutdown"))
    {
        assert!(Instant::now() < deadline, "no shutdown snapshot stored");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The planted secret is in no snapshot, action or message row.
    let mut stored_text = String::new();
    for agent in [&id, &restored_id] {
        for summary in store
            .snapshots(Some(agent), &Page::default())
            .await
            .unwrap()
            .items
        {
            let snapshot = store.snapshot(summary.id).await.unwrap().unwrap();
            stored_text += &serde_json::to_string(&snapshot).unwrap();
        }
        stored_text += &format!("{:?}", store.actions(agent, 1000).await.unwrap());
        stored_text += &format!(
            "{:?}",
            store
                .messages(&MessageFilter::agent(agent), &Page::first(1000))
                .await
                .unwrap()
                .items
        );
        stored_text += &format!("{:?}", store.all_knowledge(agent).await.unwrap());
    }
    assert!(stored_text.contains("teal"), "the check reads real rows");
    assert!(
        !stored_text.contains(PLANTED),
        "secret stored: {stored_text}"
    );

    pool.remove(&restored_id).await.unwrap();
    pool.credentials()
        .delete(&inline_source(&id, "OPENAI_API_KEY"))
        .await
        .unwrap();
}
