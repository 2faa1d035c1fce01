//! The operator's story through the real window (WebDriver under Xvfb, the
//! app's embedded fleet on the real Docker engine and Redis): catalog →
//! spawn a test-agent placed automatically → it appears in the overview →
//! its detail → a submitted task's result and its live log → a snapshot
//! restored under a new id → both in topology → a gap filled through an
//! approval → the CEO agent it spawned refuses an action, and the approvals
//! view shows the refusal with the rule that took it. Every view is saved
//! to tests/screenshots/.

use myca_agents::protocol::names::container_name;
use myca_agents::protocol::AgentCategory;
use myca_e2e::agent::{fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::desktop::{desktop_binary, save_screenshot, AppEnv};
use myca_e2e::docker_socket;
use myca_e2e::window::{
    click, confirm_if_asked, find, open_view, testid, type_into, wait_for_text,
};
use myca_orchestrator::gaps::{RequiredAgent, Requirements, REQUIREMENTS_KEY};
use myca_orchestrator::store::Store;

/// A gap in a category that needs approval: the board's CEO agent.
async fn require_board_agent(env: &AppEnv, board: &str) {
    let store = Store::open_and_migrate(&env.database).await.unwrap();
    let mut requirements = Requirements::default();
    requirements.categories.clear();
    requirements.categories.insert(
        AgentCategory::Corporate,
        vec![RequiredAgent {
            agent_id: board.to_owned(),
            agent_type: "ceo-agent".into(),
        }],
    );
    store
        .put_setting(
            REQUIREMENTS_KEY,
            &serde_json::to_value(&requirements).unwrap(),
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_runs_the_fleet_from_the_window() {
    let env = AppEnv::new(fresh_redis_db().await);
    let docker = myca_orchestrator::docker::connect_local(&docker_socket())
        .await
        .unwrap();
    let mut guard = ContainerGuard::new(&docker);
    let agent = unique_agent_id("story");
    let copy = unique_agent_id("story-copy");
    let board = unique_agent_id("story-board");
    for id in [&agent, &copy, &board] {
        guard.watch(container_name(id));
    }
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    find(&client, "[data-testid='topbar'][data-phase='ready']").await;

    // Catalog → click to spawn, placed automatically, followed to its heartbeat.
    open_view(&client, "catalog").await;
    find(&client, &testid("kind-test-agent")).await;
    save_screenshot(&client, "desktop-catalog.png").await;
    click(&client, "kind-test-agent").await;
    type_into(&client, "spawn-agent-id", &agent).await;
    let host = find(&client, &testid("spawn-host")).await;
    assert_eq!(host.prop("value").await.unwrap().unwrap_or_default(), "");
    click(&client, "spawn-submit").await;
    let progress = find(
        &client,
        &format!("{}[data-finished='true']", testid("spawn-progress")),
    )
    .await;
    assert_ne!(
        progress.attr("data-failed").await.unwrap().as_deref(),
        Some("true"),
        "spawn failed: {}",
        progress.text().await.unwrap()
    );
    save_screenshot(&client, "desktop-spawn.png").await;

    // The overview lists it.
    open_view(&client, "overview").await;
    // Its first heartbeat already says it is ready for work.
    wait_for_text(&client, &testid(&format!("agent-row-{agent}")), "idle").await;
    save_screenshot(&client, "desktop-overview.png").await;

    // Its detail: a task submitted from the form, its result, its live log.
    click(&client, &format!("open-{agent}")).await;
    find(
        &client,
        &format!("{}[data-agent='{agent}']", testid("agent-detail")),
    )
    .await;
    click(&client, "agent-tab-tasks").await;
    find(&client, &testid("task-type"))
        .await
        .select_by_value("echo")
        .await
        .unwrap();
    type_into(&client, "task-payload", r#"{"marker": "story-echo"}"#).await;
    click(&client, "task-submit").await;
    wait_for_text(&client, &testid("agent-tasks"), "story-echo").await;
    wait_for_text(&client, &testid("agent-tasks"), "completed").await;
    save_screenshot(&client, "desktop-agent-tasks.png").await;
    click(&client, "agent-tab-logs").await;
    wait_for_text(&client, &testid("log-lines"), "task finished").await;
    save_screenshot(&client, "desktop-agent-logs.png").await;
    click(&client, "agent-tab-metrics").await;
    find(
        &client,
        &format!("{}[data-loaded='true']", testid("metrics")),
    )
    .await;
    // Two samples (the orchestrator takes one every 10 s) draw a line and a rate.
    find(
        &client,
        &format!(
            "{}:not([data-points='0'])",
            testid("metrics-tasksPerMinute")
        ),
    )
    .await;
    save_screenshot(&client, "desktop-agent-metrics.png").await;

    // A snapshot, restored under a new id.
    click(&client, "agent-tab-snapshots").await;
    type_into(&client, "snapshot-reason", "before the story's upgrade").await;
    click(&client, "snapshot-take").await;
    let row = find(&client, "[data-testid^='snapshot-row-']").await;
    let snapshot = row
        .attr("data-testid")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("snapshot-row-")
        .to_owned();
    type_into(&client, &format!("snapshot-new-id-{snapshot}"), &copy).await;
    click(&client, &format!("snapshot-restore-{snapshot}")).await;
    confirm_if_asked(&client).await;
    wait_for_text(&client, &testid("restore-result"), &copy).await;
    save_screenshot(&client, "desktop-agent-snapshots.png").await;

    // Both in topology.
    open_view(&client, "topology").await;
    for id in [&agent, &copy] {
        find(&client, &testid(&format!("topology-node-{id}"))).await;
    }
    save_screenshot(&client, "desktop-topology.png").await;

    // Every task of the fleet.
    open_view(&client, "tasks").await;
    find(&client, "[data-testid^='task-row-']").await;
    save_screenshot(&client, "desktop-tasks.png").await;

    // A gap filled once an approver said yes; the audit trail names them.
    require_board_agent(&env, &board).await;
    open_view(&client, "gaps").await;
    type_into(&client, "acting-as", "story-ops").await;
    click(&client, &format!("gap-fill-{board}")).await;
    let approve = find(&client, "[data-testid^='approval-approve-']").await;
    approve.click().await.unwrap();
    confirm_if_asked(&client).await;
    wait_for_text(&client, &testid("audit-table"), "story-ops").await;
    find(
        &client,
        "[data-testid^='approval-row-'][data-status='approved']",
    )
    .await;
    // The CEO agent it spawned refuses an action above its limit; the
    // orchestrator audits the refusal and the approvals view shows its rule.
    open_view(&client, "overview").await;
    wait_for_text(&client, &testid(&format!("agent-row-{board}")), "idle").await;
    click(&client, &format!("open-{board}")).await;
    click(&client, "agent-tab-tasks").await;
    find(&client, &testid("task-type"))
        .await
        .select_by_value("approve_action")
        .await
        .unwrap();
    type_into(
        &client,
        "task-payload",
        r#"{"action": "buy_servers", "impact": "low", "amount": 50000}"#,
    )
    .await;
    click(&client, "task-submit").await;
    wait_for_text(&client, &testid("agent-tasks"), "completed").await;
    open_view(&client, "gaps").await;
    let refusal = find(
        &client,
        "[data-testid^='decision-row-'][data-approved='false']",
    )
    .await;
    let shown = refusal.text().await.unwrap();
    for part in [board.as_str(), "refused", "buy_servers", "amount_limit"] {
        assert!(shown.contains(part), "{part} in {shown}");
    }
    save_screenshot(&client, "desktop-gaps.png").await;

    client.close().await.unwrap();
}
