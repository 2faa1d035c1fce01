//! Every history table written and read, the seed's views and cleanup
//! operations; one suite, run unchanged on SQLite and on PostgreSQL.

use chrono::{Duration, Utc};
use myca_agents::protocol::{
    AgentCategory, AgentConfig, AgentMessage, AgentMetrics, AgentSnapshot, AgentState, AgentStatus,
    AgentTask, MessageType,
};
use myca_e2e::on_both_backends;
use myca_orchestrator::store::{MessageFilter, Page};
use myca_orchestrator::{AgentAction, SnapshotRetention, Store};
use serde_json::json;
use uuid::Uuid;

on_both_backends!(
    actions_round_trip,
    metrics_round_trip,
    messages_round_trip,
    knowledge_expires_and_is_replaced,
    snapshots_round_trip_and_retention,
    views_aggregate_actions,
    cleanup_deletes_exactly_the_old_rows,
);

fn action(agent: &str, success: bool, duration_ms: i32, age: Duration) -> AgentAction {
    let mut action = AgentAction::new(agent, "task:echo", success);
    action.timestamp = Utc::now() - age;
    action.duration_ms = Some(duration_ms);
    action
}

async fn actions_round_trip(store: &Store) {
    let mut first = action("a1", true, 12, Duration::seconds(2));
    first.input_summary = Some("echo {\"n\":1}".into());
    first.output_summary = Some("{\"n\":1}".into());
    first.resources_used = Some(json!({"cpu_ms": 3}));
    first.related_agents = vec!["a2".into(), "a3".into()];
    let second = action("a1", false, 40, Duration::zero());
    let other = action("a2", true, 1, Duration::zero());
    store
        .insert_actions(&[first.clone(), second.clone(), other])
        .await
        .unwrap();

    let stored = store.actions("a1", 10).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].action.success, second.success, "newest first");
    let back = &stored[1].action;
    assert_eq!(back.input_summary, first.input_summary);
    assert_eq!(back.resources_used, first.resources_used);
    assert_eq!(back.related_agents, first.related_agents);
    assert_eq!(back.duration_ms, Some(12));
    assert!((back.timestamp - first.timestamp).num_milliseconds().abs() < 1);
    assert_eq!(store.count_actions("a2").await.unwrap(), 1);

    // More rows than one INSERT carries go in several, in one transaction.
    let many: Vec<_> = (0..1203)
        .map(|_| action("bulk", true, 1, Duration::zero()))
        .collect();
    store.insert_actions(&many).await.unwrap();
    assert_eq!(store.count_actions("bulk").await.unwrap(), 1203);
}

fn metrics(agent: &str, age: Duration) -> AgentMetrics {
    AgentMetrics {
        agent_id: agent.into(),
        timestamp: Utc::now() - age,
        cpu_percent: 0.0,
        memory_mb: 0.0,
        tasks_completed: 0,
        tasks_failed: 0,
        avg_task_duration_ms: 0.0,
        messages_sent: 0,
        messages_received: 0,
        uptime_seconds: 0,
        error_count: 0,
    }
}

async fn metrics_round_trip(store: &Store) {
    let sample = AgentMetrics {
        cpu_percent: 12.5,
        memory_mb: 48.4,
        tasks_completed: 7,
        tasks_failed: 1,
        avg_task_duration_ms: 3.25,
        messages_sent: 2,
        messages_received: 3,
        uptime_seconds: 60,
        // Past the seed's 32-bit column: stored at its ceiling, not an error.
        error_count: u64::MAX,
        ..metrics("m1", Duration::zero())
    };
    store
        .insert_metrics(std::slice::from_ref(&sample))
        .await
        .unwrap();
    let back = store.metrics("m1", 5).await.unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].cpu_percent, 12.5);
    assert_eq!(back[0].memory_mb, 48.0);
    assert_eq!(back[0].tasks_completed, 7);
    assert_eq!(back[0].avg_task_duration_ms, 3.25);
    assert_eq!(back[0].error_count, u64::from(i32::MAX.unsigned_abs()));
}

async fn messages_round_trip(store: &Store) {
    let request = AgentMessage::new("a1", "a2", MessageType::Request, json!({"q": 1}));
    let mut response = AgentMessage::new("a2", "a1", MessageType::Response, json!({"a": 2}));
    response.correlation_id = Some(request.id);
    store
        .insert_messages(&[request.clone(), response.clone()])
        .await
        .unwrap();
    // Stored twice (a redelivery): still one row.
    store
        .insert_messages(std::slice::from_ref(&request))
        .await
        .unwrap();
    assert!(store.acknowledge_message(request.id).await.unwrap());
    assert!(!store.acknowledge_message(Uuid::new_v4()).await.unwrap());

    let back = store
        .messages(&MessageFilter::agent("a1"), &Page::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(back.len(), 2);
    let stored_request = back.iter().find(|m| m.message.id == request.id).unwrap();
    assert!(stored_request.acknowledged);
    assert_eq!(stored_request.message.payload, json!({"q": 1}));
    assert_eq!(stored_request.message.message_type, MessageType::Request);
    let stored_response = back.iter().find(|m| m.message.id == response.id).unwrap();
    assert_eq!(stored_response.message.correlation_id, Some(request.id));
    assert!(!stored_response.acknowledged);
}

async fn knowledge_expires_and_is_replaced(store: &Store) {
    store
        .put_knowledge("k1", "colour", &json!("blue"), None)
        .await
        .unwrap();
    store
        .put_knowledge("k1", "colour", &json!({"name": "green"}), None)
        .await
        .unwrap();
    let past = Some(Utc::now() - Duration::seconds(1));
    store
        .put_knowledge("k1", "stale", &json!(1), past)
        .await
        .unwrap();
    let future = Some(Utc::now() + Duration::hours(1));
    store
        .put_knowledge("k1", "fresh", &json!(2), future)
        .await
        .unwrap();

    let colour = store.knowledge("k1", "colour").await.unwrap().unwrap();
    assert_eq!(colour.value, json!({"name": "green"}));
    assert!(store.knowledge("k1", "stale").await.unwrap().is_none());
    assert!(store.knowledge("k2", "colour").await.unwrap().is_none());
    let keys: Vec<_> = store
        .all_knowledge("k1")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["colour", "fresh"]);

    // The fleet's live entries, newest first, paged and by agent.
    store
        .put_knowledge("k2", "shape", &json!("round"), None)
        .await
        .unwrap();
    let listed =
        |paged: myca_orchestrator::store::Paged<myca_orchestrator::store::AgentKnowledge>| {
            paged
                .items
                .into_iter()
                .map(|k| format!("{}/{}", k.agent_id, k.entry.key))
                .collect::<Vec<_>>()
        };
    let first = store.knowledge_page(None, &Page::first(2)).await.unwrap();
    let next = first.next_before;
    assert_eq!(listed(first), ["k2/shape", "k1/fresh"]);
    let rest = Page {
        limit: 2,
        before: next,
    };
    let last = store.knowledge_page(None, &rest).await.unwrap();
    assert_eq!(last.next_before, None);
    assert_eq!(listed(last), ["k1/colour"]);
    let k1 = store
        .knowledge_page(Some("k1"), &Page::first(10))
        .await
        .unwrap();
    assert_eq!(listed(k1), ["k1/fresh", "k1/colour"]);

    assert_eq!(store.purge_expired_knowledge().await.unwrap(), 1);
    assert!(store.delete_knowledge("k1", "fresh").await.unwrap());
    assert!(!store.delete_knowledge("k1", "fresh").await.unwrap());
}

fn snapshot(agent: &str, age: Duration) -> AgentSnapshot {
    let config = AgentConfig::new(agent, "test-agent", AgentCategory::Core);
    AgentSnapshot {
        id: Uuid::new_v4(),
        agent_id: agent.into(),
        snapshot_time: Utc::now() - age,
        state: AgentState::new(agent, AgentStatus::Active),
        config,
        pending_tasks: vec![AgentTask::new(agent, "echo", json!({"n": 1}))],
        memory_state: json!({"knowledge": {"k": "v"}}),
        reason: "requested".into(),
    }
}

async fn snapshots_round_trip_and_retention(store: &Store) {
    let original = snapshot("s1", Duration::zero());
    let id = store.insert_snapshot(&original).await.unwrap();
    let back = store.snapshot(id).await.unwrap().unwrap();
    assert_eq!(back.snapshot.config, original.config);
    assert_eq!(back.snapshot.state, original.state);
    assert_eq!(back.snapshot.pending_tasks, original.pending_tasks);
    assert_eq!(back.snapshot.memory_state, original.memory_state);
    assert_eq!(back.snapshot.reason, "requested");
    assert!(store.snapshot(id + 1000).await.unwrap().is_none());

    // s2: five snapshots, three of them 40 days old; s3: one old snapshot.
    let mut s2 = Vec::new();
    for days in [40, 41, 42, 1, 0] {
        s2.push(
            store
                .insert_snapshot(&snapshot("s2", Duration::days(days)))
                .await
                .unwrap(),
        );
    }
    store
        .insert_snapshot(&snapshot("s3", Duration::days(90)))
        .await
        .unwrap();
    assert_eq!(
        store
            .snapshots(Some("s2"), &Page::default())
            .await
            .unwrap()
            .items
            .len(),
        5
    );
    assert_eq!(
        store
            .snapshots(None, &Page::default())
            .await
            .unwrap()
            .items
            .len(),
        7
    );

    let retention = SnapshotRetention {
        keep_last: 3,
        max_age_days: 30,
    };
    // Beyond s2's newest three and older than 30 days: the 41- and 42-day ones.
    // s3's only snapshot is old but among its newest three: kept.
    assert_eq!(store.cleanup_snapshots(retention).await.unwrap(), 2);
    let left: Vec<_> = store
        .snapshots(Some("s2"), &Page::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, [s2[4], s2[3], s2[0]]);
    assert_eq!(
        store
            .snapshots(Some("s3"), &Page::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(store.delete_snapshot(id).await.unwrap());
}

async fn views_aggregate_actions(store: &Store) {
    let oldest = action("v1", true, 10, Duration::minutes(3));
    let newest = action("v1", false, 30, Duration::zero());
    store
        .insert_actions(&[
            oldest.clone(),
            action("v1", true, 20, Duration::minutes(2)),
            newest.clone(),
            action("v2", true, 5, Duration::minutes(1)),
        ])
        .await
        .unwrap();
    let summary = store.activity_summary().await.unwrap();
    assert_eq!(summary.len(), 2);
    let v1 = &summary[0];
    assert_eq!(v1.agent_id, "v1");
    assert_eq!(
        (v1.total_actions, v1.successful_actions, v1.failed_actions),
        (3, 2, 1)
    );
    assert_eq!(v1.avg_duration_ms, Some(20.0));
    assert!(
        (v1.first_action - oldest.timestamp)
            .num_milliseconds()
            .abs()
            < 1
    );
    assert!((v1.last_action - newest.timestamp).num_milliseconds().abs() < 1);
    assert_eq!(summary[1].total_actions, 1);

    // 105 failures more: the view keeps the newest 100.
    let failures: Vec<_> = (0..105)
        .map(|n| action("v3", false, n, Duration::seconds(i64::from(200 - n))))
        .collect();
    store.insert_actions(&failures).await.unwrap();
    let errors = store.recent_errors().await.unwrap();
    assert_eq!(errors.len(), 100);
    assert!(errors.iter().all(|e| e.agent_id != "v2"));
    assert_eq!(errors[0].agent_id, "v1", "newest first");
    assert!(errors.windows(2).all(|w| w[0].timestamp >= w[1].timestamp));
}

async fn cleanup_deletes_exactly_the_old_rows(store: &Store) {
    store
        .insert_actions(&[
            action("c1", true, 1, Duration::days(40)),
            action("c1", true, 1, Duration::days(31)),
            action("c1", true, 1, Duration::days(29)),
            action("c1", true, 1, Duration::zero()),
        ])
        .await
        .unwrap();
    let sample = |age: Duration| metrics("c1", age);
    store
        .insert_metrics(&[
            sample(Duration::days(8)),
            sample(Duration::days(6)),
            sample(Duration::zero()),
        ])
        .await
        .unwrap();
    assert_eq!(store.cleanup_old_agent_logs(30).await.unwrap(), 2);
    assert_eq!(store.count_actions("c1").await.unwrap(), 2);
    assert_eq!(store.cleanup_old_agent_logs(30).await.unwrap(), 0);
    assert_eq!(store.cleanup_old_agent_metrics(7).await.unwrap(), 1);
    assert_eq!(store.metrics("c1", 10).await.unwrap().len(), 2);
}
