//! The agent runtime as a process against real Redis: round trip, limits,
//! timeouts, pause/resume, priorities, crash recovery and graceful stop.

use std::time::Duration;

use chrono::{DateTime, Utc};
use myca_agents::protocol::names::SNAPSHOTS_STREAM;
use myca_agents::protocol::{
    AgentCommand, AgentSnapshot, AgentStatus, AgentTask, TaskPriority, TaskStatus,
};
use myca_e2e::agent::{collect_results, fresh_redis_db, unique_agent_id, AgentProcess};
use myca_orchestrator::broker::Broker;
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(20);

fn task(agent_id: &str, task_type: &str, payload: serde_json::Value) -> AgentTask {
    AgentTask::new(agent_id, task_type, payload)
}

/// What the agent answers on `path` once `done` holds, or after 5 s: it
/// frees the task's slot and counts it just after publishing the result.
async fn settled(agent: &AgentProcess, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (_, answer) = agent.get(path).await.unwrap();
        if done(&answer) || std::time::Instant::now() > deadline {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn echo_round_trip_with_health_status_metrics_and_heartbeats() {
    let redis = fresh_redis_db().await;
    let id = unique_agent_id("echo");
    // Finished tasks are heartbeated soon, not a whole interval later.
    let interval = Duration::from_secs(120);
    let agent = AgentProcess::spawn(
        &id,
        &redis,
        &[("HEARTBEAT_INTERVAL", &interval.as_secs().to_string())],
    );
    let broker = Broker::connect(&redis).await.unwrap();
    let heartbeats = broker.heartbeats().await.unwrap();
    let mut results = broker.results("test").await.unwrap();

    let health = agent.wait_health(200, PATIENCE).await;
    assert_eq!(health["status"], "healthy");
    assert_eq!(health["agent_id"], id.as_str());

    let echo = task(&id, "echo", json!({"hello": "world"}));
    broker.submit_to_agent(&echo).await.unwrap();
    let done = collect_results(&mut results, &[echo.id], PATIENCE).await;
    assert_eq!(done.len(), 1, "one result for the task");
    let done = &done[0];
    assert_eq!(done.status, TaskStatus::Completed);
    assert_eq!(done.result, Some(json!({"hello": "world"})));
    assert!(done.started_at.unwrap() <= done.completed_at.unwrap());

    let unknown = task(&id, "no_such_task", json!({}));
    broker.submit_to_agent(&unknown).await.unwrap();
    let failed = collect_results(&mut results, &[unknown.id], PATIENCE).await;
    assert_eq!(failed[0].status, TaskStatus::Failed);
    assert!(failed[0]
        .error
        .as_deref()
        .unwrap()
        .contains("cannot run task type"));

    let (code, status) = agent.get("/status").await.unwrap();
    assert_eq!(code, 200);
    assert_eq!(status["tasks_completed"], 1);
    assert_eq!(status["tasks_failed"], 1);
    let (_, metrics) = agent.get("/metrics").await.unwrap();
    assert_eq!(metrics["agent_id"], id.as_str());
    assert_eq!(metrics["tasks_completed"], 1);

    assert!(PATIENCE < interval);
    let beat = heartbeats
        .wait_for(&id, PATIENCE, |h| {
            h.tasks_completed == 1 && h.tasks_failed == 1
        })
        .await
        .expect("a heartbeat with the counters");
    assert_eq!(beat.heartbeat.agent_type, "test-agent");
}

#[tokio::test]
async fn never_runs_more_than_max_concurrent_tasks() {
    let redis = fresh_redis_db().await;
    let id = unique_agent_id("limit");
    let agent = AgentProcess::spawn(&id, &redis, &[("MAX_CONCURRENT_TASKS", "2")]);
    let broker = Broker::connect(&redis).await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    agent.wait_health(200, PATIENCE).await;

    let tasks: Vec<_> = (0..6)
        .map(|_| task(&id, "sleep", json!({"ms": 400})))
        .collect();
    for t in &tasks {
        broker.submit_to_agent(t).await.unwrap();
    }
    let ids: Vec<_> = tasks.iter().map(|t| t.id).collect();
    let done = collect_results(&mut results, &ids, PATIENCE).await;
    assert_eq!(done.len(), 6);
    let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = done
        .iter()
        .map(|t| (t.started_at.unwrap(), t.completed_at.unwrap()))
        .collect();
    let most_at_once = spans
        .iter()
        .map(|(start, _)| {
            spans
                .iter()
                .filter(|(s, e)| s <= start && start < e)
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(
        most_at_once, 2,
        "ran {most_at_once} at once with a limit of 2"
    );
}

#[tokio::test]
async fn a_task_past_its_timeout_is_cancelled_and_reported() {
    let redis = fresh_redis_db().await;
    let id = unique_agent_id("timeout");
    let agent = AgentProcess::spawn(&id, &redis, &[]);
    let broker = Broker::connect(&redis).await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    agent.wait_health(200, PATIENCE).await;

    let mut slow = task(&id, "sleep", json!({"ms": 30_000}));
    slow.timeout = 1;
    broker.submit_to_agent(&slow).await.unwrap();
    let done = collect_results(&mut results, &[slow.id], PATIENCE).await;
    assert_eq!(done[0].status, TaskStatus::TimedOut);
    assert_eq!(done[0].error.as_deref(), Some("timed out after 1 s"));
    let ran = done[0].completed_at.unwrap() - done[0].started_at.unwrap();
    assert!(ran < chrono::Duration::seconds(5), "ran {ran}");
    let status = settled(&agent, "/status", |s| s["current_tasks"] == json!([])).await;
    assert_eq!(status["current_tasks"], json!([]), "the slot is free again");
}

#[tokio::test]
async fn a_paused_agent_takes_no_new_tasks_until_resumed() {
    let redis = fresh_redis_db().await;
    let id = unique_agent_id("pause");
    let agent = AgentProcess::spawn(&id, &redis, &[]);
    let broker = Broker::connect(&redis).await.unwrap();
    let heartbeats = broker.heartbeats().await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    agent.wait_health(200, PATIENCE).await;

    assert_eq!(
        broker.send_command(&id, AgentCommand::Pause).await.unwrap(),
        1
    );
    heartbeats
        .wait_for(&id, PATIENCE, |h| h.status == AgentStatus::Paused)
        .await
        .expect("heartbeat reports paused");
    let waiting = task(&id, "echo", json!({"n": 1}));
    broker.submit_to_agent(&waiting).await.unwrap();
    let early = collect_results(&mut results, &[waiting.id], Duration::from_secs(2)).await;
    assert!(early.is_empty(), "a paused agent ran a task");

    broker
        .send_command(&id, AgentCommand::Resume)
        .await
        .unwrap();
    let done = collect_results(&mut results, &[waiting.id], PATIENCE).await;
    assert_eq!(done[0].status, TaskStatus::Completed);
}

#[tokio::test]
async fn a_backlog_runs_the_most_urgent_first() {
    let redis = fresh_redis_db().await;
    let id = unique_agent_id("priority");
    let agent = AgentProcess::spawn(&id, &redis, &[("MAX_CONCURRENT_TASKS", "1")]);
    let broker = Broker::connect(&redis).await.unwrap();
    let heartbeats = broker.heartbeats().await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    agent.wait_health(200, PATIENCE).await;

    broker.send_command(&id, AgentCommand::Pause).await.unwrap();
    heartbeats
        .wait_for(&id, PATIENCE, |h| h.status == AgentStatus::Paused)
        .await
        .expect("paused");
    let order = [
        TaskPriority::Background,
        TaskPriority::Normal,
        TaskPriority::Critical,
        TaskPriority::Low,
        TaskPriority::High,
    ];
    let mut tasks = Vec::new();
    for priority in order {
        let mut t = task(&id, "echo", json!({"priority": priority.value()}));
        t.priority = priority;
        broker.submit_to_agent(&t).await.unwrap();
        tasks.push(t);
    }
    broker
        .send_command(&id, AgentCommand::Resume)
        .await
        .unwrap();
    let ids: Vec<_> = tasks.iter().map(|t| t.id).collect();
    let mut done = collect_results(&mut results, &ids, PATIENCE).await;
    done.sort_by_key(|t| t.started_at);
    let ran: Vec<u8> = done.iter().map(|t| t.priority.value()).collect();
    assert_eq!(ran, [10, 8, 5, 3, 1]);
}

#[tokio::test]
async fn a_task_of_a_killed_replica_is_finished_by_another_and_recorded_once() {
    let redis = fresh_redis_db().await;
    let first = AgentProcess::spawn(&unique_agent_id("replica-a"), &redis, &[]);
    let second = AgentProcess::spawn(&unique_agent_id("replica-b"), &redis, &[]);
    let broker = Broker::connect(&redis).await.unwrap();
    let heartbeats = broker.heartbeats().await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    first.wait_health(200, PATIENCE).await;
    second.wait_health(200, PATIENCE).await;

    let work = task("test-agent", "sleep", json!({"ms": 2500}));
    broker.submit_to_type("test-agent", &work).await.unwrap();
    let busy = tokio::select! {
        Some(_) = heartbeats.wait_for(&first.agent_id, PATIENCE, |h| h.current_tasks == 1) => 0,
        Some(_) = heartbeats.wait_for(&second.agent_id, PATIENCE, |h| h.current_tasks == 1) => 1,
    };
    let (mut victim, survivor) = if busy == 0 {
        (first, second)
    } else {
        (second, first)
    };
    victim.signal("KILL");
    victim.wait_exit(PATIENCE).await;

    let done = collect_results(&mut results, &[work.id], Duration::from_secs(30)).await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].status, TaskStatus::Completed);
    let metrics = settled(&survivor, "/metrics", |m| m["tasks_completed"] == 1).await;
    assert_eq!(metrics["tasks_completed"], 1, "the survivor ran it");

    // Exactly one result on the stream for that task, however often it was delivered.
    let client = redis::Client::open(redis.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg("mas:results")
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap();
    let recorded = entries
        .iter()
        .filter(|(_, fields)| fields[0].1.contains(&work.id.to_string()))
        .count();
    assert_eq!(recorded, 1);
}

#[tokio::test]
async fn sigterm_finishes_in_flight_work_publishes_a_snapshot_and_exits_0() {
    let redis = fresh_redis_db().await;
    let id = unique_agent_id("sigterm");
    let mut agent = AgentProcess::spawn(&id, &redis, &[("SHUTDOWN_GRACE", "5")]);
    let broker = Broker::connect(&redis).await.unwrap();
    let heartbeats = broker.heartbeats().await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    agent.wait_health(200, PATIENCE).await;

    let work = task(&id, "sleep", json!({"ms": 1500}));
    broker.submit_to_agent(&work).await.unwrap();
    heartbeats
        .wait_for(&id, PATIENCE, |h| h.current_tasks == 1)
        .await
        .expect("the task is running");
    let stopped_at = std::time::Instant::now();
    agent.signal("TERM");
    let status = agent.wait_exit(Duration::from_secs(10)).await;
    assert_eq!(status.code(), Some(0));
    assert!(
        stopped_at.elapsed() < Duration::from_secs(6),
        "exited within the grace period"
    );

    let done = collect_results(&mut results, &[work.id], PATIENCE).await;
    assert_eq!(
        done[0].status,
        TaskStatus::Completed,
        "in-flight work finished"
    );

    let client = redis::Client::open(redis.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(SNAPSHOTS_STREAM)
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap();
    let snapshot: AgentSnapshot = entries
        .iter()
        .filter_map(|(_, fields)| serde_json::from_str::<AgentSnapshot>(&fields[0].1).ok())
        .rfind(|s| s.agent_id == id)
        .expect("a final snapshot");
    assert_eq!(snapshot.reason, "shutdown");
    assert_eq!(snapshot.state.status, AgentStatus::Shutdown);
    assert_eq!(snapshot.state.tasks_completed, 1);
    assert!(snapshot.pending_tasks.is_empty());
}

#[tokio::test]
async fn missing_configuration_is_a_clear_error() {
    let output = std::process::Command::new(myca_e2e::agent::agent_binary())
        .env_clear()
        .env("AGENT_ID", "x1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "myca-agent: AGENT_TYPE is required"
    );
}

#[tokio::test]
async fn survives_a_redis_crash_and_carries_on() {
    let mut server = myca_e2e::redis_server::RedisServer::start();
    let url = server.url();
    let id = unique_agent_id("outage");
    let agent = AgentProcess::spawn(&id, &url, &[]);
    agent.wait_health(200, PATIENCE).await;
    let before = task(&id, "echo", json!({"n": 1}));
    {
        let broker = Broker::connect(&url).await.unwrap();
        let mut results = broker.results("test").await.unwrap();
        broker.submit_to_agent(&before).await.unwrap();
        assert_eq!(
            collect_results(&mut results, &[before.id], PATIENCE)
                .await
                .len(),
            1
        );
    }

    server.crash();
    let down = agent.wait_health(503, PATIENCE).await;
    assert_eq!(down["status"], "unhealthy");

    server.restart();
    agent.wait_health(200, Duration::from_secs(30)).await;
    let broker = Broker::connect(&url).await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    let after = task(&id, "echo", json!({"n": 2}));
    broker.submit_to_agent(&after).await.unwrap();
    let done = collect_results(&mut results, &[after.id], PATIENCE).await;
    assert_eq!(done.len(), 1, "the agent reconnected and took new work");
    assert_eq!(done[0].result, Some(json!({"n": 2})));
}
