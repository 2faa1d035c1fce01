//! Watching a pool: Docker's events as typed bus events, logs followed
//! live, and resource samples.

use std::time::Duration;

use futures_util::StreamExt;
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig, AgentTask};
use myca_e2e::agent::{collect_results, fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::pool::{local_pool, wait_healthy};
use myca_orchestrator::broker::Broker;
use myca_orchestrator::events::{ContainerChange, Event, EventBus};
use myca_orchestrator::pool::{logs, start_sampler, watch_events, LogQuery, LogStream};
use serde_json::json;
use tokio::sync::broadcast::Receiver;

const PATIENCE: Duration = Duration::from_secs(30);

/// The next event about `agent_id` that `wanted` accepts.
async fn next_event(
    events: &mut Receiver<Event>,
    agent_id: &str,
    wanted: impl Fn(&Event) -> bool,
) -> Event {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let event = events.recv().await.expect("bus open");
            if event.agent_id() == agent_id && wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the event arrived")
}

#[tokio::test]
async fn events_logs_and_metrics_of_a_live_agent() {
    let redis = fresh_redis_db().await;
    let pool = local_pool(&redis).await;
    let bus = EventBus::default();
    let mut events = bus.subscribe();
    let watcher = watch_events(pool.docker().clone(), pool.instance().clone(), bus.clone());
    let sampler = start_sampler(
        pool.docker().clone(),
        pool.instance().clone(),
        bus.clone(),
        Duration::from_millis(300),
        |_| None,
    );

    let id = unique_agent_id("observed");
    let mut guard = ContainerGuard::new(pool.docker());
    guard.watch(container_name(&id));
    let mut config = AgentConfig::new(&id, "test-agent", AgentCategory::Core);
    config.heartbeat_interval = 1;
    // Give the event stream a moment to attach before the container starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let agent = pool.spawn(&config).await.unwrap();
    next_event(&mut events, &id, |e| {
        matches!(
            e,
            Event::Container {
                change: ContainerChange::Started,
                ..
            }
        )
    })
    .await;
    wait_healthy(agent.port.unwrap(), PATIENCE).await;

    let mut follow = Box::pin(logs(
        pool.docker(),
        &id,
        &LogQuery {
            follow: true,
            ..Default::default()
        },
    ));
    let broker = Broker::connect(&redis).await.unwrap();
    let mut results = broker.results("test").await.unwrap();
    let echo = AgentTask::new(&id, "echo", json!({"watch": "me"}));
    broker.submit_to_agent(&echo).await.unwrap();
    assert_eq!(
        collect_results(&mut results, &[echo.id], PATIENCE)
            .await
            .len(),
        1
    );
    let finished = tokio::time::timeout(PATIENCE, async {
        loop {
            let line = follow
                .next()
                .await
                .expect("log stream open")
                .expect("log line");
            if line.text.contains("task finished") && line.text.contains(&echo.id.to_string()) {
                return line;
            }
        }
    })
    .await
    .expect("the task's log line was followed live");
    assert_eq!(finished.stream, LogStream::Stdout);
    assert!(finished.timestamp.is_some());
    let parsed: serde_json::Value =
        serde_json::from_str(&finished.text).expect("structured JSON logs");
    assert_eq!(parsed["level"], "INFO");

    let last: Vec<_> = logs(
        pool.docker(),
        &id,
        &LogQuery {
            tail: Some(1),
            ..Default::default()
        },
    )
    .collect()
    .await;
    assert_eq!(last.len(), 1, "tail 1");
    let future = chrono::Utc::now() + chrono::Duration::hours(1);
    let none: Vec<_> = logs(
        pool.docker(),
        &id,
        &LogQuery {
            since: Some(future),
            ..Default::default()
        },
    )
    .collect()
    .await;
    assert!(none.is_empty(), "nothing since a future time");

    let sample = next_event(&mut events, &id, |e| matches!(e, Event::Metrics { .. })).await;
    let Event::Metrics {
        memory_mb,
        cpu_percent,
        ..
    } = sample
    else {
        unreachable!()
    };
    assert!(memory_mb > 0.0, "memory sampled");
    assert!(cpu_percent >= 0.0);

    pool.stop(&id, true).await.unwrap();
    let died = next_event(&mut events, &id, |e| {
        matches!(
            e,
            Event::Container {
                change: ContainerChange::Died { .. },
                ..
            }
        )
    })
    .await;
    assert!(
        matches!(
            died,
            Event::Container {
                change: ContainerChange::Died {
                    exit_code: Some(137)
                },
                ..
            }
        ),
        "{died:?}"
    );
    pool.remove(&id).await.unwrap();
    next_event(&mut events, &id, |e| {
        matches!(
            e,
            Event::Container {
                change: ContainerChange::Destroyed,
                ..
            }
        )
    })
    .await;
    watcher.abort();
    sampler.abort();
}
