//! The wire format: exact field names and enum strings from the seed, round
//! trips for every type, and typed errors for bad values.

use chrono::{TimeZone, Utc};
use myca_agents::protocol::*;
use serde_json::{json, Value};
use uuid::Uuid;

fn round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let text = serde_json::to_string(value).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<_> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn enum_strings_match_the_seed() {
    let statuses: Vec<_> = AgentStatus::ALL.iter().map(|s| json!(s)).collect();
    assert_eq!(
        statuses,
        // The seed's nine, and ours: an agent whose host cannot be reached.
        json!([
            "spawning", "active", "busy", "idle", "paused", "error", "shutdown", "dead",
            "archived", "unknown"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
    let types: Vec<_> = MessageType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "request",
            "response",
            "event",
            "command",
            "heartbeat",
            "broadcast",
            "ack"
        ]
    );
    for category in [
        "core",
        "corporate",
        "financial",
        "infrastructure",
        "security",
        "device",
        "data",
        "integration",
    ] {
        let parsed: AgentCategory = serde_json::from_value(json!(category)).unwrap();
        assert_eq!(parsed.as_str(), category);
    }
    assert_eq!(json!(TaskStatus::TimedOut), json!("timed_out"));
    assert_eq!(json!(TaskStatus::DeadLettered), json!("dead_lettered"));
}

#[test]
fn unknown_enum_strings_are_typed_errors() {
    let error = "sleeping".parse::<AgentStatus>().unwrap_err();
    assert!(matches!(
        error,
        ProtocolError::UnknownValue {
            kind: "agent status",
            ..
        }
    ));
    assert!(error.to_string().contains("\"sleeping\""));
    assert!(serde_json::from_value::<MessageType>(json!("shout")).is_err());
    assert!(serde_json::from_value::<AgentCategory>(json!("Core")).is_err());
}

#[test]
fn priorities_are_the_seed_numbers() {
    let values: Vec<u8> = TaskPriority::ALL.iter().map(|p| p.value()).collect();
    assert_eq!(values, [10, 8, 5, 3, 1]);
    assert_eq!(json!(TaskPriority::High), json!(8));
    assert_eq!(
        serde_json::from_value::<TaskPriority>(json!(10)).unwrap(),
        TaskPriority::Critical
    );
    assert_eq!(TaskPriority::default(), TaskPriority::Normal);
    assert!(TaskPriority::Critical > TaskPriority::Background);
    assert_eq!("high".parse::<TaskPriority>().unwrap(), TaskPriority::High);
    assert_eq!("3".parse::<TaskPriority>().unwrap(), TaskPriority::Low);
}

#[test]
fn priority_seven_is_a_typed_error_not_a_panic() {
    assert_eq!(
        TaskPriority::try_from(7u8),
        Err(ProtocolError::InvalidPriority(7))
    );
    assert_eq!(
        TaskPriority::try_from(-1i64),
        Err(ProtocolError::InvalidPriority(-1))
    );
    assert_eq!(
        ProtocolError::InvalidPriority(7).to_string(),
        "invalid task priority 7: expected one of 10, 8, 5, 3, 1"
    );
    let error = serde_json::from_value::<TaskPriority>(json!(7)).unwrap_err();
    assert!(
        error.to_string().contains("invalid task priority 7"),
        "{error}"
    );
    assert!(serde_json::from_value::<TaskPriority>(json!("7")).is_err());
    assert!(serde_json::from_value::<TaskPriority>(json!(5.5)).is_err());
    assert!("urgent".parse::<TaskPriority>().is_err());
    // Inside a task body the error surfaces from the whole document.
    let body = json!({"agent_id": "a1", "task_type": "t", "priority": 7});
    let error = serde_json::from_value::<AgentTask>(body).unwrap_err();
    assert!(
        error.to_string().contains("invalid task priority 7"),
        "{error}"
    );
}

#[test]
fn the_seeds_spawn_body_is_a_complete_config() {
    let body = json!({
        "agent_id": "custom-agent",
        "agent_type": "custom",
        "category": "core",
        "display_name": "Custom Agent",
        "cpu_limit": 1.0,
        "memory_limit": 512
    });
    let config: AgentConfig = serde_json::from_value(body).unwrap();
    assert_eq!(config, {
        let mut expected = AgentConfig::new("custom-agent", "custom", AgentCategory::Core);
        expected.display_name = "Custom Agent".into();
        expected
    });
    assert_eq!(config.max_concurrent_tasks, 5);
    assert_eq!(config.task_timeout, 300);
    assert_eq!(config.heartbeat_interval, 10);
    config.validate().unwrap();
    let serialized = json!(config);
    for key in [
        "agent_id",
        "agent_type",
        "category",
        "display_name",
        "cpu_limit",
        "memory_limit",
        "capabilities",
        "settings",
    ] {
        assert!(serialized.get(key).is_some(), "{key} missing");
    }
    assert_eq!(round_trip(&config), config);
}

#[test]
fn config_validation_explains_what_is_wrong() {
    let valid = AgentConfig::new(
        "proxmox-agent",
        "proxmox-agent",
        AgentCategory::Infrastructure,
    );
    valid.validate().unwrap();
    for bad_id in [
        "",
        "a",
        "Upper",
        "-lead",
        "under_score",
        "spa ce",
        &"x".repeat(64),
    ] {
        let mut config = valid.clone();
        config.agent_id = bad_id.to_owned();
        assert_eq!(
            config.validate(),
            Err(ProtocolError::InvalidAgentId(bad_id.to_owned()))
        );
    }
    let mut config = valid.clone();
    config.cpu_limit = 0.0;
    assert!(matches!(
        config.validate(),
        Err(ProtocolError::InvalidField {
            field: "cpu_limit",
            ..
        })
    ));
    let mut config = valid.clone();
    config.memory_limit = 8;
    assert!(matches!(
        config.validate(),
        Err(ProtocolError::InvalidField {
            field: "memory_limit",
            ..
        })
    ));
    let mut config = valid;
    config.max_concurrent_tasks = 0;
    assert!(config.validate().is_err());
}

#[test]
fn the_seeds_task_body_and_every_task_field() {
    let body = json!({
        "agent_id": "ceo-agent",
        "task_type": "approve_action",
        "payload": { "action": "deploy", "impact": "medium" },
        "priority": 8,
        "timeout": 300
    });
    let task: AgentTask = serde_json::from_value(body).unwrap();
    assert_eq!(task.priority, TaskPriority::High);
    assert_eq!(task.status, TaskStatus::Pending);
    assert_eq!(task.max_retries, 3);
    assert_eq!(
        keys(&json!(task)),
        [
            "agent_id",
            "completed_at",
            "created_at",
            "error",
            "id",
            "max_retries",
            "payload",
            "priority",
            "requester_agent",
            "result",
            "retries",
            "started_at",
            "status",
            "task_type",
            "timeout"
        ]
    );
    assert_eq!(round_trip(&task), task);
}

#[test]
fn task_lifecycle_keeps_timestamps_and_refuses_illegal_moves() {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 24, 12, 0, 0).unwrap();
    let mut task = AgentTask::new("a1", "echo", json!({"x": 1}));
    task.mark_queued().unwrap();
    task.mark_running(t0).unwrap();
    assert_eq!(task.started_at, Some(t0));
    task.mark_completed(json!({"ok": true}), t0).unwrap();
    assert_eq!(task.completed_at, Some(t0));
    assert_eq!(task.result, Some(json!({"ok": true})));
    let error = task.mark_completed(json!(null), t0).unwrap_err();
    assert_eq!(
        error,
        ProtocolError::IllegalTransition {
            task_id: task.id,
            from: TaskStatus::Completed,
            to: TaskStatus::Completed
        }
    );

    let mut flaky = AgentTask::new("a1", "fail", Value::Null);
    flaky.max_retries = 1;
    flaky.mark_queued().unwrap();
    flaky.mark_running(t0).unwrap();
    flaky.mark_failed("boom", t0).unwrap();
    assert_eq!(flaky.retry_or_dead_letter().unwrap(), TaskStatus::Queued);
    assert_eq!(flaky.retries, 1);
    flaky.mark_running(t0).unwrap();
    flaky.mark_timed_out(t0).unwrap();
    assert_eq!(flaky.error.as_deref(), Some("timed out after 300 s"));
    assert_eq!(
        flaky.retry_or_dead_letter().unwrap(),
        TaskStatus::DeadLettered
    );
    assert!(flaky.status.is_final());
}

#[test]
fn messages_round_trip_expire_and_reply() {
    let body = json!({
        "from_agent": "ceo-agent",
        "to_agent": "cfo-agent",
        "message_type": "request",
        "payload": { "task_type": "budget_check" },
        "priority": 5
    });
    let message: AgentMessage = serde_json::from_value(body).unwrap();
    assert_eq!(message.ttl, 3600);
    assert!(!message.requires_ack);
    assert_eq!(
        keys(&json!(message)),
        [
            "correlation_id",
            "from_agent",
            "id",
            "message_type",
            "payload",
            "priority",
            "requires_ack",
            "timestamp",
            "to_agent",
            "ttl"
        ]
    );
    assert_eq!(round_trip(&message), message);

    let later = message.timestamp + chrono::Duration::seconds(3600);
    assert!(!message.is_expired(later - chrono::Duration::seconds(1)));
    assert!(message.is_expired(later));

    let reply = message.reply(json!({"approved": true}));
    assert_eq!(reply.message_type, MessageType::Response);
    assert_eq!(reply.correlation_id, Some(message.id));
    assert_eq!(
        (reply.from_agent.as_str(), reply.to_agent.as_str()),
        ("cfo-agent", "ceo-agent")
    );
}

#[test]
fn state_snapshot_and_metrics_round_trip_with_seed_columns() {
    let mut state = AgentState::new("docker-agent", AgentStatus::Busy);
    state.current_tasks = vec![Uuid::new_v4().to_string()];
    state.tasks_completed = 42;
    assert_eq!(round_trip(&state), state);

    let config = AgentConfig::new(
        "docker-agent",
        "docker-agent",
        AgentCategory::Infrastructure,
    );
    let snapshot = AgentSnapshot {
        id: Uuid::new_v4(),
        agent_id: "docker-agent".into(),
        snapshot_time: Utc::now(),
        state,
        config,
        pending_tasks: vec![AgentTask::new("docker-agent", "list_containers", json!({}))],
        memory_state: json!({"conversation": ["hello"]}),
        reason: "graceful stop".into(),
    };
    assert_eq!(
        keys(&json!(snapshot)),
        [
            "agent_id",
            "config",
            "id",
            "memory_state",
            "pending_tasks",
            "reason",
            "snapshot_time",
            "state"
        ]
    );
    assert_eq!(round_trip(&snapshot), snapshot);

    let metrics: AgentMetrics =
        serde_json::from_value(json!({"agent_id": "docker-agent", "cpu_percent": 12.5})).unwrap();
    assert_eq!(
        keys(&json!(metrics)),
        [
            "agent_id",
            "avg_task_duration_ms",
            "cpu_percent",
            "error_count",
            "memory_mb",
            "messages_received",
            "messages_sent",
            "tasks_completed",
            "tasks_failed",
            "timestamp",
            "uptime_seconds"
        ]
    );
    assert_eq!(round_trip(&metrics), metrics);
}

#[test]
fn commands_heartbeats_and_health_have_their_documented_shapes() {
    assert_eq!(json!(AgentCommand::Pause), json!({"command": "pause"}));
    assert_eq!(
        serde_json::from_value::<AgentCommand>(json!({"command": "snapshot"})).unwrap(),
        AgentCommand::Snapshot
    );
    assert!(serde_json::from_value::<AgentCommand>(json!({"command": "explode"})).is_err());

    let health = HealthResponse {
        status: "healthy".into(),
        agent_id: "a1".into(),
        agent_status: AgentStatus::Idle,
        uptime_seconds: 5,
    };
    assert_eq!(
        keys(&json!(health)),
        ["agent_id", "agent_status", "status", "uptime_seconds"]
    );
    assert_eq!(round_trip(&health), health);
}

#[test]
fn names_follow_the_conventions() {
    use myca_agents::protocol::names::*;
    assert_eq!(agent_channel("ceo-agent"), "agent:ceo-agent");
    assert_eq!(container_name("ceo-agent"), "mas-agent-ceo-agent");
    assert_eq!(HEARTBEATS_CHANNEL, "orchestrator:heartbeats");
    assert_eq!(
        (EVENTS_CHANNEL, BROADCAST_CHANNEL),
        ("mas:events", "mas:broadcast")
    );
    assert_eq!(
        agent_task_stream("a1", TaskPriority::High),
        "mas:tasks:agent:a1:8"
    );
    assert_eq!(
        type_task_stream("echo", TaskPriority::Background),
        "mas:tasks:type:echo:1"
    );
    assert_eq!(LABEL_AGENT_ID, "mas.agent_id");
    assert_eq!(DEFAULT_AGENT_PORT, 8080);
}
