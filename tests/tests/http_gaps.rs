//! Gaps over HTTP against the real stack: the seed's required agents listed
//! as gaps, editable requirements, a gap filled at once and one filled only
//! after an approval, with who and when in the audit trail.

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn gaps_are_listed_and_filled_directly_or_through_an_approval() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());

    // The seed's 20 required agents, none running on this engine.
    let (code, gaps) = api.call(Method::GET, "/gaps", None).await;
    assert_eq!(code, 200);
    assert_eq!(gaps["total"], 20, "{gaps}");
    assert_eq!(gaps["gaps"][0]["severity"], "critical");
    // Every seed agent is a real kind now: a corporate one waits for approval.
    let (code, requested) = api
        .call(Method::POST, "/gaps/ceo-agent/fill", Some(json!({})))
        .await;
    assert_eq!(code, 200, "{requested}");
    assert_eq!(requested["approval"]["kind"], "spawn_agent", "{requested}");
    assert_eq!(
        requested["approval"]["request"]["config"]["agent_type"], "ceo-agent",
        "{requested}"
    );
    assert!(requested["approval"]["decided_at"].is_null(), "{requested}");
    let (code, _) = api
        .call(Method::POST, "/gaps/no-such-gap/fill", Some(json!({})))
        .await;
    assert_eq!(code, 404);

    // Requirements this runtime can meet: one data agent, one board agent needing approval.
    let etl = unique_agent_id("etl");
    let board = unique_agent_id("board");
    guard.watch(container_name(&etl));
    guard.watch(container_name(&board));
    let requirements = json!({
        "categories": {
            "data": [{"agent_id": etl, "agent_type": "test-agent"}],
            "corporate": [{"agent_id": board, "agent_type": "test-agent"}]
        },
        "approval_categories": ["corporate", "financial", "security"]
    });
    let (code, _) = api
        .call(
            Method::PUT,
            "/gaps/requirements?by=ops-lead",
            Some(requirements),
        )
        .await;
    assert_eq!(code, 200);
    let (code, invalid) = api.call(Method::PUT,
        "/gaps/requirements",
        Some(json!({"categories": {"data": [{"agent_id": "Bad!", "agent_type": "x"}]}, "approval_categories": []})),
    )
    .await;
    assert_eq!(code, 422, "{invalid}");
    let (_, gaps) = api.call(Method::GET, "/gaps", None).await;
    assert_eq!(gaps["total"], 2, "{gaps}");

    let (code, filled) = api
        .call(
            Method::POST,
            &format!("/gaps/{etl}/fill"),
            Some(json!({"by": "ops"})),
        )
        .await;
    assert_eq!(code, 200, "{filled}");
    assert_eq!(filled["outcome"], "spawned");
    assert_eq!(filled["agent"]["agent_id"], json!(etl));

    let (code, pending) = api
        .call(
            Method::POST,
            &format!("/gaps/{board}/fill"),
            Some(json!({"by": "ops"})),
        )
        .await;
    assert_eq!(code, 200, "{pending}");
    assert_eq!(pending["outcome"], "awaiting_approval");
    let approval = pending["approval"]["id"].as_str().unwrap().to_owned();
    let (_, again) = api
        .call(
            Method::POST,
            &format!("/gaps/{board}/fill"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        again["approval"]["id"],
        json!(approval),
        "one request, not two"
    );
    assert!(
        api.service
            .first_pool()
            .unwrap()
            .agent(&board)
            .await
            .unwrap()
            .is_none(),
        "not before approval"
    );
    let (_, listed) = api
        .call(Method::GET, "/approvals?status=pending", None)
        .await;
    assert!(listed["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["id"] == json!(approval)));

    let (code, approved) = api
        .call(
            Method::POST,
            &format!("/approvals/{approval}/approve"),
            Some(json!({"by": "cfo@example.org", "comment": "budget ok"})),
        )
        .await;
    assert_eq!(code, 200, "{approved}");
    assert_eq!(approved["outcome"], "spawned");
    assert!(api
        .service
        .first_pool()
        .unwrap()
        .agent(&board)
        .await
        .unwrap()
        .is_some());
    let (code, _) = api
        .call(
            Method::POST,
            &format!("/approvals/{approval}/reject"),
            Some(json!({})),
        )
        .await;
    assert_eq!(code, 409, "decided once");
    let (_, decided) = api
        .call(Method::GET, "/approvals?status=approved", None)
        .await;
    let decided = decided["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == json!(approval))
        .cloned()
        .unwrap();
    assert_eq!(decided["decided_by"], "cfo@example.org");
    assert!(decided["decided_at"].is_string());
    let (_, audit) = api.call(Method::GET, "/audit", None).await;
    let actions: Vec<(&str, &str)> = audit["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["action"].as_str().unwrap(), a["actor"].as_str().unwrap()))
        .collect();
    for expected in [
        ("approval_approved", "cfo@example.org"),
        ("approval_requested", "ops"),
        ("agent_created", "ops"),
        ("requirements_changed", "ops-lead"),
    ] {
        assert!(
            actions.contains(&expected),
            "{expected:?} not in {actions:?}"
        );
    }
    let (_, gaps) = api.call(Method::GET, "/gaps", None).await;
    assert_eq!(gaps["total"], 0, "{gaps}");

    // With auto-creation on, a new gap is filled by the detector itself.
    let ops = unique_agent_id("ops");
    guard.watch(container_name(&ops));
    let (code, _) = api
        .call(
            Method::PUT,
            "/gaps/requirements",
            Some(json!({
                "categories": {"infrastructure": [{"agent_id": ops, "agent_type": "test-agent"}]},
                "approval_categories": [],
                "auto_create": true
            })),
        )
        .await;
    assert_eq!(code, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, audit) = api.call(Method::GET, "/audit", None).await;
        let by_detector = audit["audit"].as_array().unwrap().iter().any(|a| {
            a["actor"] == "gap-detector"
                && a["action"] == "agent_created"
                && a["subject"] == json!(ops)
        });
        if by_detector {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not auto-created: {audit}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(api
        .service
        .first_pool()
        .unwrap()
        .agent(&ops)
        .await
        .unwrap()
        .is_some());
    api.service
        .first_pool()
        .unwrap()
        .remove(&ops)
        .await
        .unwrap();

    let (code, templates) = api.call(Method::GET, "/templates", None).await;
    assert_eq!(code, 200);
    assert!(templates["templates"].as_array().unwrap().len() >= 7);

    api.service
        .first_pool()
        .unwrap()
        .remove(&etl)
        .await
        .unwrap();
    api.service
        .first_pool()
        .unwrap()
        .remove(&board)
        .await
        .unwrap();
    api.stop().await;
}
