//! The history writer on both backends: a burst stored without loss through
//! a small bounded queue, events turned into the right rows, no secret stored.

use chrono::{Duration, Utc};
use myca_agents::protocol::{AgentMessage, AgentTask, MessageType, TaskStatus};
use myca_e2e::on_both_backends;
use myca_orchestrator::events::{ContainerChange, Event, EventBus, TaskCounts};
use myca_orchestrator::history::{HistorySettings, HistoryWriter};
use myca_orchestrator::scrub::Scrubber;
use myca_orchestrator::store::{HistoryRetention, MessageFilter, Page, SnapshotRetention};
use myca_orchestrator::{AgentAction, Store};
use serde_json::json;

on_both_backends!(
    a_burst_of_ten_thousand_lines_is_stored_whole,
    events_become_the_right_rows,
    no_secret_reaches_a_row,
);

const SMALL_QUEUE: HistorySettings = HistorySettings {
    queue: 64,
    batch_rows: 500,
    retention: HistoryRetention {
        log_days: 30,
        metric_days: 7,
    },
    snapshots: SnapshotRetention {
        keep_last: 10,
        max_age_days: 30,
    },
};

async fn a_burst_of_ten_thousand_lines_is_stored_whole(store: &Store) {
    let (bus, lane) = EventBus::recorded(SMALL_QUEUE.queue);
    let writer = HistoryWriter::start(store.clone(), lane, Scrubber::default(), SMALL_QUEUE);
    // Four producers at once, far faster than SQL: the 64-slot queue makes them wait.
    let producers: Vec<_> = (0..4)
        .map(|p| {
            let bus = bus.clone();
            tokio::spawn(async move {
                for n in 0..2_500 {
                    let mut action = AgentAction::new("burst", "log", true);
                    action.output_summary = Some(format!("line {p}-{n}"));
                    bus.record(Event::Action { action }).await;
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.unwrap();
    }
    drop(bus);
    let counters = writer.finish().await;
    let stored = counters.stored.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(stored, 10_000);
    assert_eq!(
        counters.rejected.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    assert!(counters.batches.load(std::sync::atomic::Ordering::Relaxed) >= 20);
    assert_eq!(store.count_actions("burst").await.unwrap(), 10_000);
}

async fn events_become_the_right_rows(store: &Store) {
    let (bus, lane) = EventBus::recorded(16);
    let writer = HistoryWriter::start(store.clone(), lane, Scrubber::default(), SMALL_QUEUE);
    let mut task = AgentTask::new("r1", "echo", json!({"n": 1}));
    let started = Utc::now() - Duration::milliseconds(250);
    task.started_at = Some(started);
    task.completed_at = Some(started + Duration::milliseconds(40));
    task.status = TaskStatus::Completed;
    task.result = Some(json!({"n": 1}));
    let mut failed = AgentTask::new("r1", "fail", json!({}));
    failed.status = TaskStatus::Failed;
    failed.error = Some("boom".into());
    bus.record(Event::TaskFinished { task: task.clone() }).await;
    bus.record(Event::TaskFinished { task: failed }).await;
    bus.record(Event::Container {
        agent_id: "r1".into(),
        container_id: "c".into(),
        change: ContainerChange::Died {
            exit_code: Some(137),
        },
        at: Utc::now(),
    })
    .await;
    bus.record(Event::Metrics {
        agent_id: "r1".into(),
        cpu_percent: 3.5,
        memory_mb: 21.0,
        tasks: Some(TaskCounts {
            completed: 7,
            failed: 2,
        }),
        at: Utc::now(),
    })
    .await;
    let message = AgentMessage::new("r1", "r2", MessageType::Event, json!({"x": 1}));
    bus.record(Event::Message {
        message: message.clone(),
    })
    .await;
    drop(bus);
    writer.finish().await;

    let actions = store.actions("r1", 10).await.unwrap();
    let by_type = |t: &str| {
        actions
            .iter()
            .find(|a| a.action.action_type == t)
            .unwrap_or_else(|| panic!("no {t} in {actions:?}"))
            .action
            .clone()
    };
    let echo = by_type("task:echo");
    assert!(echo.success);
    assert_eq!(echo.duration_ms, Some(40));
    assert_eq!(echo.input_summary.as_deref(), Some("{\"n\":1}"));
    assert_eq!(echo.resources_used.unwrap()["task_id"], json!(task.id));
    let fail = by_type("task:fail");
    assert!(!fail.success);
    assert_eq!(fail.output_summary.as_deref(), Some("boom"));
    let died = by_type("container:died");
    assert!(!died.success);
    assert_eq!(died.output_summary.as_deref(), Some("exit code 137"));
    let metrics = store.metrics("r1", 5).await.unwrap();
    assert_eq!(metrics.len(), 1);
    assert_eq!(metrics[0].cpu_percent, 3.5);
    assert_eq!(
        (metrics[0].tasks_completed, metrics[0].tasks_failed),
        (7, 2),
        "the heartbeat's counters are kept with the sample"
    );
    let messages = store
        .messages(&MessageFilter::agent("r2"), &Page::first(5))
        .await
        .unwrap()
        .items;
    assert_eq!(messages[0].message.id, message.id);
}

async fn no_secret_reaches_a_row(store: &Store) {
    const SECRET: &str = "sk-planted-4f9a1c";
    let scrubber = Scrubber::default();
    scrubber.learn(SECRET);
    let (bus, lane) = EventBus::recorded(16);
    let writer = HistoryWriter::start(store.clone(), lane, scrubber, SMALL_QUEUE);
    let mut task = AgentTask::new("s1", "echo", json!({"note": format!("use {SECRET}")}));
    task.status = TaskStatus::Completed;
    task.result = Some(json!({"echo": SECRET}));
    bus.record(Event::TaskFinished { task }).await;
    let mut failed = AgentTask::new("s1", "fail", json!({"token": "other-unknown-secret"}));
    failed.status = TaskStatus::Failed;
    failed.error = Some(format!("auth failed for {SECRET}"));
    bus.record(Event::TaskFinished { task: failed }).await;
    let mut action = AgentAction::new("s1", "configure", true);
    action.input_summary = Some(format!("key={SECRET}"));
    action.resources_used = Some(json!({"password": "hunter2-long"}));
    bus.record(Event::Action { action }).await;
    let message = AgentMessage::new(
        "s1",
        "s2",
        MessageType::Request,
        json!({"api_key": "yet-another-secret", "text": SECRET}),
    );
    bus.record(Event::Message { message }).await;
    drop(bus);
    writer.finish().await;

    let rows = format!(
        "{:?} {:?}",
        store.actions("s1", 10).await.unwrap(),
        store
            .messages(&MessageFilter::agent("s1"), &Page::first(10))
            .await
            .unwrap()
            .items
    );
    assert_eq!(store.actions("s1", 10).await.unwrap().len(), 3);
    for leaked in [
        SECRET,
        "other-unknown-secret",
        "hunter2-long",
        "yet-another-secret",
    ] {
        assert!(!rows.contains(leaked), "{leaked} stored: {rows}");
    }
    assert!(rows.contains("[redacted]"), "{rows}");
}
