//! What becomes of a corporate agent's decision, through the HTTP API with
//! real containers: the orchestrator records every approval and refusal in
//! the audit trail (`GET /audit`: the deciding agent, the rule, the amount
//! and action, who asked), answering a task or another agent's request;
//! and a CEO whose settings name an assessor asks
//! an `openai-agent` (against the fake OpenAI API) for an advisory
//! assessment by an agent-to-agent request — the CEO holds no OpenAI key,
//! the rule still decides, and an assessor that never answers leaves the
//! decision standing with the assessment reported unavailable.

use std::time::{Duration, Instant};

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_llm::reply_to;
use myca_e2e::fake_openai::FakeOpenAi;
use myca_e2e::fleet_api::finished_task;
use myca_e2e::kinds::{completed, fields, spawn_healthy, sqlite_api, verdict, PATIENCE};
use myca_orchestrator::secrets::Credentials;
use reqwest::Method;
use serde_json::{json, Value};

fn ceo_body(settings: Value) -> Value {
    json!({"agent_type": "ceo", "category": "corporate", "memory_limit": 64, "settings": settings})
}

/// The audit entry recording the decision of task `task_id`, once written.
async fn audited(api: &ApiServer, task_id: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (code, page) = api.call(Method::GET, "/audit?limit=100", None).await;
        assert_eq!(code, 200, "{page}");
        let entry = page["audit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["subject"] == task_id)
            .cloned();
        if let Some(entry) = entry {
            return entry;
        }
        assert!(Instant::now() < deadline, "no audit entry for {task_id}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Submits an action for another agent, and waits until it completes.
async fn requested(api: &ApiServer, agent: &str, requester: &str, payload: Value) -> Value {
    let (code, submitted) = api
        .call(
            Method::POST,
            "/tasks",
            Some(
                json!({"agent_id": agent, "task_type": "approve_action", "payload": payload,
                        "max_retries": 0, "requester_agent": requester}),
            ),
        )
        .await;
    assert_eq!(code, 200, "{submitted}");
    finished_task(api, submitted["task_id"].as_str().unwrap()).await
}

#[tokio::test]
async fn agents_decisions_are_audited_with_the_rule_that_took_them() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let ceo = unique_agent_id("ceo-audit");
    spawn_healthy(
        &api,
        &mut guard,
        &ceo,
        ceo_body(json!({"auto_approve_max_amount": 25000})),
    )
    .await;

    let refused = requested(
        &api,
        &ceo,
        "ops-planner",
        json!({"action": "buy_servers", "impact": "low", "amount": 40000}),
    )
    .await;
    let task_id = refused["id"].as_str().unwrap();
    let entry = audited(&api, task_id).await;
    assert_eq!(
        fields(&entry, &["actor", "action", "subject"]),
        json!([ceo, "decision_refused", task_id]),
        "{entry}"
    );
    let record = &entry["detail"];
    assert_eq!(
        fields(
            record,
            &[
                "task_type",
                "agent_id",
                "requested_by",
                "approved",
                "rule",
                "amount",
                "action"
            ]
        ),
        json!([
            "approve_action",
            ceo,
            "ops-planner",
            false,
            "amount_limit",
            40000.0,
            "buy_servers"
        ]),
        "{record}"
    );
    assert_eq!(
        record["reason"],
        "amount 40000 exceeds the auto-approval limit of 25000"
    );

    let approved = requested(
        &api,
        &ceo,
        "ops-planner",
        json!({"action": "hire_contractor", "impact": "low", "amount": 12000}),
    )
    .await;
    let entry = audited(&api, approved["id"].as_str().unwrap()).await;
    assert_eq!(
        fields(&entry, &["action", "actor"]),
        json!(["decision_approved", ceo])
    );
    assert_eq!(
        fields(&entry["detail"], &["approved", "rule", "amount"]),
        json!([true, "within_policy", 12000.0])
    );

    // The seed's CEO→CFO request, as an agent-to-agent message: the CFO's
    // approval is audited too, its subject the request.
    let cfo = unique_agent_id("cfo-audit");
    spawn_healthy(
        &api,
        &mut guard,
        &cfo,
        json!({"agent_type": "cfo", "category": "corporate", "memory_limit": 64,
               "settings": {"budgets": {"operations": 50000}, "auto_approve_max_amount": 5000}}),
    )
    .await;
    let (code, sent) = api
        .call(
            Method::POST,
            "/messages",
            Some(json!({"from_agent": ceo, "to_agent": cfo, "message_type": "request",
                        "payload": {"task_type": "approve_spending", "amount": 1200, "category": "operations"}})),
        )
        .await;
    assert_eq!(code, 200, "{sent}");
    let entry = audited(&api, sent["message_id"].as_str().unwrap()).await;
    assert_eq!(
        fields(&entry, &["actor", "action"]),
        json!([cfo, "decision_approved"]),
        "{entry}"
    );
    assert_eq!(
        fields(
            &entry["detail"],
            &["task_type", "requested_by", "rule", "amount"]
        ),
        json!(["approve_spending", ceo, "within_budget_and_limit", 1200.0])
    );

    // A result that decides nothing is not audited.
    let ranked = completed(
        &api,
        &ceo,
        "strategic_assessment",
        json!({"initiatives": [{"name": "a", "value": 10, "cost": 1}]}),
    )
    .await;
    assert_eq!(ranked["count"], 1);
    let (_, page) = api.call(Method::GET, "/audit?limit=100", None).await;
    let decisions = page["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == ceo.as_str())
        .count();
    assert_eq!(decisions, 2, "{page}");
    api.stop().await;
}

#[tokio::test]
async fn a_ceo_asks_an_llm_agent_for_an_assessment_and_its_rule_still_decides() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("sk-proj-{}", uuid::Uuid::new_v4().simple());
    let openai = FakeOpenAi::start(&key).await;
    let entry = format!("e2e/assessor-key-{}", uuid::Uuid::new_v4().simple());
    Credentials::default().set(&entry, &key).await.unwrap();

    let gpt = unique_agent_id("assessor");
    spawn_healthy(
        &api,
        &mut guard,
        &gpt,
        json!({"agent_type": "openai", "category": "integration", "memory_limit": 64,
               "settings": {"base_url": openai.url()},
               "credentials": [{"name": "OPENAI_API_KEY", "from": entry}]}),
    )
    .await;
    let ceo = unique_agent_id("ceo-assessed");
    spawn_healthy(
        &api,
        &mut guard,
        &ceo,
        ceo_body(json!({"auto_approve_max_amount": 25000, "assessor_agent": gpt})),
    )
    .await;

    let decision = completed(
        &api,
        &ceo,
        "approve_action",
        json!({"action": "buy_servers", "impact": "low", "amount": 40000}),
    )
    .await;
    assert_eq!(
        verdict(&decision),
        json!([false, "refused", "amount_limit"]),
        "{decision}"
    );
    let assessment = &decision["assessment"];
    assert_eq!(
        fields(assessment, &["advisory", "available", "agent", "model"]),
        json!([true, true, gpt, "gpt-4o-mini"]),
        "{decision}"
    );
    // The OpenAI API saw the decision's explanation, asked by the openai
    // agent with its own key; the fake answers by quoting the prompt.
    let asked = openai.control.last_request();
    let prompt = asked["messages"][1]["content"].as_str().unwrap();
    assert!(
        prompt.starts_with("Task approve_action: refused by rule amount_limit (amount 40000 exceeds the auto-approval limit of 25000)."),
        "{prompt}"
    );
    assert!(prompt.contains("\"action\":\"buy_servers\""), "{prompt}");
    assert_eq!(asked["messages"][0]["role"], "system", "{asked}");
    assert_eq!(assessment["text"], reply_to(prompt));
    // The request and its response went through the orchestrator.
    let (_, messages) = api
        .call(Method::GET, &format!("/messages?agent_id={gpt}"), None)
        .await;
    let types: Vec<&str> = messages["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["message_type"].as_str())
        .collect();
    assert!(
        types.contains(&"request") && types.contains(&"response"),
        "{messages}"
    );

    // An assessor that never answers: the decision stands, on time.
    let lonely = unique_agent_id("ceo-lonely");
    spawn_healthy(
        &api,
        &mut guard,
        &lonely,
        ceo_body(
            json!({"assessor_agent": unique_agent_id("nobody"), "assessment_timeout_seconds": 2}),
        ),
    )
    .await;
    let started = Instant::now();
    let decision = completed(
        &api,
        &lonely,
        "approve_action",
        json!({"action": "hire_contractor", "impact": "low", "amount": 1200}),
    )
    .await;
    assert_eq!(
        verdict(&decision),
        json!([true, "approved", "within_policy"]),
        "{decision}"
    );
    assert_eq!(
        fields(&decision["assessment"], &["advisory", "available"]),
        json!([true, false])
    );
    let reason = decision["assessment"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("assessment unavailable: ")
            && reason.ends_with("did not answer within 2 s"),
        "{reason}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    api.stop().await;
}
