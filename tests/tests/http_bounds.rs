//! Bounded answers: list routes page with a cursor, refuse limits beyond
//! their documented maximum, and the document states those bounds.

use myca_e2e::api::{test_service_config, ApiServer};
use myca_orchestrator::config::DatabaseTarget;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn lists_page_with_a_cursor_and_refuse_unbounded_limits() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;

    // Five broadcasts are stored whether or not anyone listens.
    let mut sent = Vec::new();
    for n in 0..5 {
        let (code, answer) = api
            .call(
                Method::POST,
                "/messages",
                Some(
                    json!({"from_agent": "pager", "to_agent": "*", "message_type": "broadcast",
                        "payload": {"n": n}}),
                ),
            )
            .await;
        assert_eq!(code, 200, "{answer}");
        sent.push(answer["message_id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut path = "/messages?agent_id=pager&limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (code, page) = api.call(Method::GET, &path, None).await;
        assert_eq!(code, 200, "{page}");
        let messages = page["messages"].as_array().unwrap();
        assert!(messages.len() <= 2, "{page}");
        seen.extend(
            messages
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/messages?agent_id=pager&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // Newest first, each exactly once.
    sent.reverse();
    assert_eq!(seen, sent);

    // Tasks page the same way (keyed by creation time and id).
    let mut submitted = Vec::new();
    for n in 0..5 {
        let (code, answer) = api.call(Method::POST,
            "/tasks",
            Some(
                json!({"agent_type": "nobody-runs-this", "task_type": "echo", "payload": {"n": n}}),
            ),
        )
        .await;
        assert_eq!(code, 200, "{answer}");
        submitted.push(answer["task_id"].as_str().unwrap().to_owned());
    }
    let mut listed = Vec::new();
    let mut path = "/tasks?limit=2".to_owned();
    loop {
        let (code, page) = api.call(Method::GET, &path, None).await;
        assert_eq!(code, 200, "{page}");
        listed.extend(
            page["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/tasks?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    submitted.reverse();
    assert_eq!(listed, submitted);

    for (path, field) in [
        ("/tasks?cursor=42", "cursor"),
        ("/messages?limit=1001", "limit"),
        ("/messages?limit=0", "limit"),
        ("/messages?cursor=abc", "cursor"),
        ("/knowledge?limit=1001", "limit"),
        ("/knowledge?cursor=abc", "cursor"),
        ("/knowledge?agent_id=no%20spaces", "agent id"),
        ("/audit?limit=5000", "limit"),
        ("/tasks?limit=1001", "limit"),
        ("/tasks/dead-letters?limit=1001", "limit"),
        ("/approvals?limit=1001", "limit"),
        ("/agents/someone/snapshots?limit=1001", "limit"),
        ("/api/dashboard/topology?window_seconds=0", "window_seconds"),
        ("/api/dashboard/agents/someone/logs?tail=10001", "tail"),
    ] {
        let (code, refused) = api.call(Method::GET, path, None).await;
        assert_eq!(code, 422, "{path}: {refused}");
        assert!(
            refused["detail"].as_str().unwrap().contains(field),
            "{path}: {refused}"
        );
    }
    let (code, _) = api.call(Method::GET, "/audit?limit=1000", None).await;
    assert_eq!(code, 200);

    // The document states the same bounds.
    let (_, document) = api.call(Method::GET, "/openapi.json", None).await;
    let schemas = &document["components"]["schemas"];
    assert_eq!(schemas["Limit"]["maximum"], 1000);
    assert_eq!(schemas["LogTail"]["maximum"], 10000);
    let kinds = schemas["AgentConfig"]["properties"]["agent_type"]["enum"]
        .as_array()
        .unwrap();
    assert!(kinds.contains(&json!("test-agent")), "{kinds:?}");
    let responses = &document["paths"]["/agents/spawn"]["post"]["responses"];
    for code in ["200", "400", "401", "413", "415", "422"] {
        assert!(responses.get(code).is_some(), "spawn lacks {code}");
    }
    api.stop().await;
}
