//! The window's commands without a window: the desktop facade over a real
//! fleet (Docker, Redis, SQLite) runs the operator story — spawn with
//! progress, live events and logs, a task, a snapshot restored under a new
//! id, topology, a gap filled through an approval.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, Privilege, TaskStatus};
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::test_service_config;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::docker_socket;
use myca_orchestrator::api::resolve_api_key;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::desktop::{
    BulkAction, Desktop, ErrorKind, FleetEvent, Phase, SpawnProgress, SpawnRequest, SpawnStage,
    TaskQuery,
};
use myca_orchestrator::events::{ContainerChange, Event};
use myca_orchestrator::gaps::{Filled, Requirements};
use myca_orchestrator::pool::LogLine;
use myca_orchestrator::secrets::SecretStore;
use serde_json::json;
use tokio::sync::mpsc;

const PATIENCE: Duration = Duration::from_secs(60);

fn request(agent_id: &str) -> SpawnRequest {
    SpawnRequest {
        agent_id: agent_id.to_owned(),
        agent_type: "test-agent".into(),
        category: Some(AgentCategory::Data),
        display_name: "Desk test".into(),
        host: None,
        cpu_limit: Some(0.5),
        memory_limit_mb: Some(128),
        replicas: None,
        settings: Default::default(),
        credentials: Vec::new(),
        grants: Vec::new(),
    }
}

/// Receives batches until one item satisfies `found`.
async fn wait_for<T: std::fmt::Debug>(
    rx: &mut mpsc::UnboundedReceiver<Vec<T>>,
    what: &str,
    found: impl Fn(&T) -> bool,
) {
    let search = async {
        while let Some(batch) = rx.recv().await {
            if batch.iter().any(&found) {
                return;
            }
        }
        panic!("the stream ended before {what}");
    };
    tokio::time::timeout(PATIENCE, search)
        .await
        .unwrap_or_else(|_| panic!("no {what} within {PATIENCE:?}"));
}

#[tokio::test]
async fn the_window_commands_run_the_operator_story_on_a_real_fleet() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_service_config(DatabaseTarget::sqlite_in(dir.path())).await;
    let desktop = Desktop::new();
    let early = desktop.list_agents().await.unwrap_err();
    assert_eq!(early.kind, ErrorKind::NotReady, "{early:?}");
    Arc::clone(&desktop).start(config).await;
    assert_eq!(
        desktop.startup().phase,
        Phase::Ready,
        "{:?}",
        desktop.startup()
    );
    let docker = myca_orchestrator::docker::connect_local(&docker_socket())
        .await
        .unwrap();
    let mut guard = ContainerGuard::new(&docker);

    let (events_tx, mut events) = mpsc::unbounded_channel::<Vec<FleetEvent>>();
    let watch = desktop
        .watch_fleet(move |batch| events_tx.send(batch).is_ok())
        .unwrap();

    // The catalog: every declared kind, with its credentials' presence.
    let catalog = desktop.catalog().await.unwrap();
    let test_agent = catalog
        .iter()
        .find(|entry| entry.kind.kind == "test-agent")
        .expect("test-agent is in the catalog");
    assert!(test_agent.kind.task_types.iter().any(|t| t.name == "echo"));
    let mut unexpected = request(&unique_agent_id("desk-settings"));
    unexpected.settings.insert("bogus".into(), json!(1));
    let problems = desktop.validate_spawn(&unexpected).await.unwrap();
    assert!(
        problems.iter().any(|p| p.field.starts_with("settings")),
        "{problems:?}"
    );

    // A kind that needs the host's Docker socket: the form's grant is what admits it.
    let mut docker_kind = request(&unique_agent_id("desk-docker"));
    docker_kind.agent_type = "docker-agent".into();
    docker_kind.category = None;
    let problems = desktop.validate_spawn(&docker_kind).await.unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.field == "grants" && p.message.contains("docker_socket")),
        "{problems:?}"
    );
    docker_kind.grants = vec![Privilege::DockerSocket];
    let problems = desktop.validate_spawn(&docker_kind).await.unwrap();
    assert!(problems.iter().all(|p| p.field != "grants"), "{problems:?}");

    // A bad form: every field at fault is named, nothing is created.
    let mut bad = request("Not An Id");
    bad.agent_type = "no-such-kind".into();
    bad.replicas = Some(99);
    let problems = desktop.validate_spawn(&bad).await.unwrap();
    let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
    for field in ["agent_id", "agent_type", "replicas"] {
        assert!(fields.contains(&field), "{problems:?}");
    }
    let refused = desktop
        .spawn_agent(&bad, |_: Vec<SpawnProgress>| true)
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Invalid);
    assert_eq!(refused.fields, problems);

    // Click to spawn: progress to the first heartbeat.
    let agent_id = unique_agent_id("desk");
    guard.watch(container_name(&agent_id));
    let stages = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&stages);
    let rows = desktop
        .spawn_agent(&request(&agent_id), move |batch: Vec<SpawnProgress>| {
            seen.lock()
                .unwrap()
                .extend(batch.into_iter().map(|p| p.stage));
            true
        })
        .await
        .unwrap();
    assert_eq!(
        *stages.lock().unwrap(),
        [
            SpawnStage::Validating,
            SpawnStage::Image,
            SpawnStage::Container,
            SpawnStage::Heartbeat,
            SpawnStage::Healthy
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].agent.host, "local");
    assert!(rows[0].agent.last_heartbeat.is_some());
    let again = desktop.validate_spawn(&request(&agent_id)).await.unwrap();
    assert!(
        again
            .iter()
            .any(|p| p.field == "agent_id" && p.message.contains("exists")),
        "{again:?}"
    );
    wait_for(&mut events, "the container's start event", |event| {
        matches!(event, FleetEvent::Event(e) if matches!(&**e,
            Event::Container { agent_id: id, change: ContainerChange::Started, .. } if *id == agent_id))
    })
    .await;
    let listed = desktop.list_agents().await.unwrap();
    assert!(listed.iter().any(|a| a.agent.agent_id == agent_id));
    let hosts = desktop.list_hosts().unwrap();
    assert_eq!(hosts.len(), 1);
    assert!(
        hosts[0].state.is_up() && hosts[0].name == "local",
        "{hosts:?}"
    );

    // Enabled, the app serves the same fleet over HTTP on loopback, with
    // the key the OS keyring holds (the one `myca` uses).
    let refused = desktop
        .serve_api("0.0.0.0:0".parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Invalid, "{}", refused.message);
    let address = desktop
        .serve_api("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let key = resolve_api_key(None, &SecretStore::default())
        .await
        .unwrap();
    let served: serde_json::Value = myca_e2e::http_client()
        .get(format!("http://{address}/agents"))
        .header("X-API-Key", key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let over_http: Vec<&str> = served["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agent_id"].as_str().unwrap())
        .collect();
    let in_window: Vec<&str> = listed.iter().map(|a| a.agent.agent_id.as_str()).collect();
    assert_eq!(over_http, in_window, "{served}");

    // Live logs show the task as it runs; the task's result comes back.
    let (lines_tx, mut lines) = mpsc::unbounded_channel::<Vec<LogLine>>();
    let follow = desktop
        .follow_logs(&agent_id, 100, move |batch| lines_tx.send(batch).is_ok())
        .await
        .unwrap();
    let task_request = serde_json::from_value(json!({
        "agent_id": agent_id, "task_type": "echo", "payload": {"marker": "desk-echo"}
    }))
    .unwrap();
    let submitted = desktop.submit_task(task_request).await.unwrap();
    let task_id = submitted.task.id.to_string();
    wait_for(&mut lines, "the task in the log", |line| {
        line.text.contains(&task_id)
    })
    .await;
    let finished = tokio::time::timeout(PATIENCE, async {
        loop {
            let page = desktop
                .list_tasks(TaskQuery {
                    agent_id: Some(agent_id.clone()),
                    ..TaskQuery::default()
                })
                .await
                .unwrap();
            let task = page
                .items
                .into_iter()
                .find(|t| t.task.id == submitted.task.id);
            if let Some(task) = task.filter(|t| t.task.status == TaskStatus::Completed) {
                return task;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("the task completes");
    assert_eq!(finished.task.result, Some(json!({"marker": "desk-echo"})));

    // Snapshot, then restore it under a new id: both run, both in topology.
    let taken = desktop
        .take_snapshot(&agent_id, "before the upgrade")
        .await
        .unwrap();
    let copy = unique_agent_id("desk-copy");
    guard.watch(container_name(&copy));
    let restored = desktop
        .restore_snapshot(taken.snapshot_id, Some(&copy))
        .await
        .unwrap();
    assert_eq!(restored.agent.agent_id, copy);
    let snapshots = desktop.list_snapshots(&agent_id, None).await.unwrap();
    assert_eq!(snapshots.items[0].id, taken.snapshot_id);
    let topology = desktop.topology(3600).await.unwrap();
    for id in [&agent_id, &copy] {
        assert!(
            topology
                .nodes
                .iter()
                .any(|n| n.label == *id || n.id.ends_with(id.as_str())),
            "{id} not in {topology:?}"
        );
    }

    // The detail, and a bulk action with one outcome per agent.
    let detail = desktop.agent_detail(&agent_id).await.unwrap();
    assert_eq!(detail.config.unwrap().display_name, "Desk test");
    assert!(detail.snapshots.iter().any(|s| s.id == taken.snapshot_id));
    let outcomes = desktop
        .agents_action(&[copy.clone(), "no-such-agent".into()], BulkAction::Remove)
        .await
        .unwrap();
    assert!(outcomes[0].ok, "{outcomes:?}");
    assert!(!outcomes[1].ok && outcomes[1].message.contains("no-such-agent"));

    // A gap in a category that needs approval is filled once approved.
    let board = unique_agent_id("board");
    guard.watch(container_name(&board));
    let fleet = desktop.fleet().unwrap();
    let mut requirements = Requirements::default();
    requirements.categories.clear();
    requirements.categories.insert(
        AgentCategory::Corporate,
        vec![myca_orchestrator::gaps::RequiredAgent {
            agent_id: board.clone(),
            agent_type: "test-agent".into(),
        }],
    );
    fleet
        .gaps
        .set_requirements(&requirements, "test setup")
        .await
        .unwrap();
    let gaps = desktop.list_gaps().await.unwrap();
    assert!(gaps.iter().any(|g| g.agent_id == board), "{gaps:?}");
    let Filled::AwaitingApproval { approval } = desktop.fill_gap(&board, "ops").await.unwrap()
    else {
        panic!("a corporate gap waits for approval");
    };
    let nameless = desktop
        .decide_approval(approval.id, true, " ")
        .await
        .unwrap_err();
    assert_eq!(nameless.fields[0].field, "by");
    let decided = desktop
        .decide_approval(approval.id, true, "cto")
        .await
        .unwrap();
    assert!(matches!(decided, Filled::Spawned { ref agent } if agent.agent_id == board));
    let audit = desktop.audit(None).await.unwrap();
    assert!(
        audit.items.iter().any(|e| e.actor == "cto"),
        "{:?}",
        audit.items
    );

    assert!(desktop.unsubscribe(watch));
    assert!(desktop.unsubscribe(follow));
    assert_eq!(desktop.live_subscriptions(), 0);
}
