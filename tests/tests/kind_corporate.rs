//! The executive corporate kinds in real containers, spawned through the
//! HTTP API by the seed's names for them: the CEO approving and refusing actions by the
//! rules in its settings (each answer naming the rule), reviewing decisions
//! and ranking initiatives; the CFO approving and refusing spending against
//! its budgets and reporting from a faithful fake of Stripe (every page, a
//! 429 and a 503 waited out, a wrong key, Stripe down); and the seed's API
//! Reference examples as written: a CEO approving an action through
//! `POST /tasks`, a CEO→CFO budget request through `POST /messages`
//! answered with a correlated response; the CTO deciding technologies,
//! security findings and pull requests read from a fake of GitHub. (The
//! legal, COO and HR agents are in `kind_corporate_ops.rs`.)

use std::time::{Duration, Instant};

use myca_e2e::agent::unique_agent_id;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_github::{FakeGithub, LARGE_PULL, OWNER, REPO, SMALL_PULL};
use myca_e2e::fake_stripe::{FakeStripe, NEWEST, SPACING};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy, sqlite_api, verdict, PATIENCE};
use myca_orchestrator::secrets::Credentials;
use reqwest::Method;
use serde_json::{json, Value};

fn ceo_body() -> Value {
    json!({"agent_type": "ceo", "category": "corporate", "memory_limit": 64,
           "settings": {"forbidden_actions": ["delete_production"], "auto_approve_max_amount": 25000,
                        "max_auto_impact": "high"}})
}

fn cfo_body(stripe_url: &str, key_source: Option<&str>) -> Value {
    let mut body = json!({"agent_type": "cfo", "category": "corporate", "memory_limit": 64,
        "settings": {"budgets": {"operations": 50000, "marketing": 20000}, "spent": {"marketing": 18000},
                     "auto_approve_max_amount": 5000, "stripe_base_url": stripe_url}});
    if let Some(source) = key_source {
        body["credentials"] = json!([{"name": "STRIPE_API_KEY", "from": source}]);
    }
    body
}

#[tokio::test]
async fn ceo_agent_approves_and_refuses_actions_by_its_rules() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let ceo = unique_agent_id("ceo");
    let spawned = spawn_healthy(&api, &mut guard, &ceo, ceo_body()).await;
    assert_eq!(spawned["agent_type"], "ceo-agent", "{spawned}");

    let approve = |payload: Value| completed(&api, &ceo, "approve_action", payload);
    let small =
        approve(json!({"action": "hire_contractor", "impact": "low", "amount": 12000})).await;
    assert_eq!(
        verdict(&small),
        json!([true, "approved", "within_policy"]),
        "{small}"
    );
    assert_eq!(small["checked"].as_array().unwrap().len(), 4);
    let cases = [
        (
            json!({"action": "deploy", "impact": "critical"}),
            "impact_limit",
            "impact critical is above the highest impact approved alone (high)",
        ),
        (
            json!({"action": "buy_servers", "impact": "low", "amount": 40000}),
            "amount_limit",
            "amount 40000 exceeds the auto-approval limit of 25000",
        ),
        (
            json!({"action": "settle", "category": "legal"}),
            "escalated_category",
            "category \"legal\" is decided by a person, not by this agent",
        ),
        (
            json!({"action": "delete_production", "impact": "low"}),
            "forbidden_action",
            "action \"delete_production\" is on the forbidden list",
        ),
    ];
    for (payload, rule, reason) in cases {
        let refused = approve(payload).await;
        assert_eq!(
            verdict(&refused),
            json!([false, "refused", rule]),
            "{refused}"
        );
        assert_eq!(refused["reason"], reason);
    }

    // A weighty decision must be argued: a rationale, then two alternatives.
    let review = |payload: Value| completed(&api, &ceo, "review_decision", payload);
    let unargued =
        review(json!({"decision": "enter_new_market", "impact": "high", "amount": 20000})).await;
    assert_eq!(
        verdict(&unargued),
        json!([false, "refused", "rationale_required"]),
        "{unargued}"
    );
    let narrow = review(json!({"decision": "enter_new_market", "impact": "high",
                               "rationale": "demand in the EU", "alternatives": ["license"]}))
    .await;
    assert_eq!(narrow["rule"], "alternatives_weighed", "{narrow}");
    assert_eq!(
        narrow["reason"],
        "1 alternative(s) weighed; a high or critical impact decision needs 2"
    );
    let argued = review(json!({"decision": "enter_new_market", "impact": "high",
                               "rationale": "demand in the EU", "alternatives": ["license", "partner"]})).await;
    assert_eq!(
        verdict(&argued),
        json!([true, "approved", "sound_decision"]),
        "{argued}"
    );
    assert_eq!(argued["subject"]["decision"], "enter_new_market");
    let low = review(json!({"decision": "switch_vendor", "impact": "low"})).await;
    assert_eq!(low["rule"], "sound_decision", "{low}");

    let ranked = completed(
        &api,
        &ceo,
        "strategic_assessment",
        json!({"initiatives": [
        {"name": "Lab expansion", "value": 500000, "cost": 200000, "risk": "high"},
        {"name": "Sensor line", "value": 300000, "cost": 100000, "risk": "low"},
        {"name": "Pop-up store", "value": 20000, "cost": 50000, "risk": "medium"}]}),
    )
    .await;
    assert_eq!(
        fields(
            &ranked,
            &["count", "pursue", "total_value", "total_cost", "top"]
        ),
        json!([3, 2, 820000.0, 350000.0, "Sensor line"]),
        "{ranked}"
    );
    assert_eq!(ranked["ranked"][1]["score"], 120000.0);
    assert_eq!(ranked["ranked"][2]["recommendation"], "drop");

    // Bad payloads never reach the rules.
    let missing = failed(&api, &ceo, "approve_action", json!({"impact": "medium"})).await;
    assert!(
        missing.starts_with("invalid payload: ") && missing.contains("action"),
        "{missing}"
    );
    let level = failed(
        &api,
        &ceo,
        "approve_action",
        json!({"action": "deploy", "impact": "huge"}),
    )
    .await;
    assert!(level.contains("payload.impact"), "{level}");

    // The seed's API Reference example, as written.
    let (code, submitted) = api
        .call(
            Method::POST,
            "/tasks",
            Some(json!({
        "agent_id": ceo, "task_type": "approve_action",
        "payload": {"action": "deploy", "impact": "medium"}, "priority": 8, "timeout": 300})),
        )
        .await;
    assert_eq!(code, 200, "{submitted}");
    assert_eq!(submitted["status"], "submitted");
    let task_id = submitted["task_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    let task = loop {
        let (_, task) = api
            .call(Method::GET, &format!("/tasks/{task_id}"), None)
            .await;
        if task["status"] == "completed" {
            break task;
        }
        assert!(Instant::now() < deadline, "{task}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        verdict(&task["result"]),
        json!([true, "approved", "within_policy"]),
        "{task}"
    );
    assert_eq!(
        task["result"]["subject"],
        json!({"action": "deploy", "impact": "medium"})
    );
    // The decision is in the agent's task history.
    let (_, history) = api
        .call(Method::GET, &format!("/tasks?agent_id={ceo}"), None)
        .await;
    let decided = history["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["task_type"] == "approve_action" && t["status"] == "completed")
        .count();
    assert_eq!(decided, 6, "{history}");
}

#[tokio::test]
async fn cfo_agent_approves_spending_by_budget_and_reports_from_stripe() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("sk_test_{}", uuid::Uuid::new_v4().simple());
    let stripe = FakeStripe::start(&key, 230).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("stripe-key"), entry("stripe-wrong"));
    keyring.set(&good, &key).await.unwrap();
    keyring
        .set(&wrong, "sk_test_not-the-key-9z9z")
        .await
        .unwrap();

    let cfo = unique_agent_id("cfo");
    let spawned = spawn_healthy(&api, &mut guard, &cfo, cfo_body(&stripe.url(), Some(&good))).await;
    assert_eq!(spawned["agent_type"], "cfo-agent", "{spawned}");

    let spend = |amount: f64, category: &str| {
        completed(
            &api,
            &cfo,
            "approve_spending",
            json!({"amount": amount, "category": category, "vendor": "Acme"}),
        )
    };
    let fine = spend(1500.0, "operations").await;
    assert_eq!(
        verdict(&fine),
        json!([true, "approved", "within_budget_and_limit"]),
        "{fine}"
    );
    assert_eq!(
        fields(&fine["budget"], &["budget", "spent", "remaining"]),
        json!([50000.0, 1500.0, 48500.0])
    );
    let over = spend(3000.0, "marketing").await;
    assert_eq!(
        verdict(&over),
        json!([false, "refused", "within_budget"]),
        "{over}"
    );
    assert_eq!(
        over["reason"],
        "3000 exceeds the 2000 left of the marketing budget"
    );
    let large = spend(8000.0, "operations").await;
    assert_eq!(
        verdict(&large),
        json!([false, "refused", "approval_limit"]),
        "{large}"
    );
    let unknown = spend(10.0, "yachts").await;
    assert_eq!(
        verdict(&unknown),
        json!([false, "refused", "known_budget"]),
        "{unknown}"
    );
    assert_eq!(
        unknown["reason"],
        "there is no budget for \"yachts\" (budgets: marketing, operations)"
    );

    let budgets = completed(&api, &cfo, "budget_check", json!({})).await;
    assert_eq!(
        fields(
            &budgets,
            &["total_budget", "total_spent", "total_remaining"]
        ),
        json!([70000.0, 19500.0, 50500.0])
    );
    assert_eq!(budgets["budgets"][0]["utilisation"], 0.9);
    let fits = completed(
        &api,
        &cfo,
        "budget_check",
        json!({"category": "marketing", "amount": 1500}),
    )
    .await;
    assert_eq!(
        verdict(&fits["check"]),
        json!([true, "approved", "within_budget"]),
        "{fits}"
    );
    let no_such = failed(&api, &cfo, "budget_check", json!({"category": "yachts"})).await;
    assert_eq!(
        no_such,
        "no budget named \"yachts\": the budgets are marketing, operations"
    );
    let negative = failed(
        &api,
        &cfo,
        "approve_spending",
        json!({"amount": -5, "category": "operations"}),
    )
    .await;
    assert!(
        negative.starts_with("invalid payload: payload.amount"),
        "{negative}"
    );

    // Every page of 230 transactions (3 pages), a 429 and a 503 waited out.
    stripe.mishap(Mishap::RateLimited { retry_after: 1 });
    stripe.mishap(Mishap::ServerError(503));
    let report = completed(&api, &cfo, "financial_report", json!({})).await;
    assert_eq!(stripe.mishaps(), 2);
    assert_eq!(
        report["balance"]["available"],
        json!({"usd": 372_784}),
        "{report}"
    );
    assert_eq!(report["balance"]["pending"], json!({"usd": 5000}));
    let moves = &report["transactions"];
    assert_eq!(
        fields(moves, &["count", "truncated", "by_type"]),
        json!([230, false, {"charge": 207, "refund": 23}])
    );
    assert_eq!(
        moves["totals"]["usd"],
        json!({"amount": 391_000, "fee": 18_216, "net": 372_784})
    );
    assert_eq!(
        fields(&report["invoices"], &["count", "by_status", "outstanding"]),
        json!([4, {"open": 2, "paid": 1, "void": 1}, {"usd": {"amount_remaining": 15000}}])
    );
    let recent = completed(
        &api,
        &cfo,
        "financial_report",
        json!({"since": NEWEST - 49 * SPACING, "invoice_status": "open"}),
    )
    .await;
    assert_eq!(
        recent["transactions"]["by_type"],
        json!({"charge": 45, "refund": 5}),
        "{recent}"
    );
    assert_eq!(recent["invoices"]["count"], 2);
    let bad = failed(
        &api,
        &cfo,
        "financial_report",
        json!({"invoice_status": "lost"}),
    )
    .await;
    assert!(
        bad.starts_with("invalid payload: payload.invoice_status"),
        "{bad}"
    );

    // A wrong key: Stripe's own words, the key never quoted whole.
    let wrong_key = unique_agent_id("cfo-wrong");
    spawn_healthy(
        &api,
        &mut guard,
        &wrong_key,
        cfo_body(&stripe.url(), Some(&wrong)),
    )
    .await;
    let refused = failed(&api, &wrong_key, "financial_report", json!({})).await;
    assert_eq!(refused, "stripe: rejected the credentials (401): Invalid API Key provided: sk_test_****9z9z; check the credential");
    // No key at all: said how to give one; the rules still work without it.
    let keyless = unique_agent_id("cfo-keyless");
    spawn_healthy(&api, &mut guard, &keyless, cfo_body(&stripe.url(), None)).await;
    let missing = failed(&api, &keyless, "financial_report", json!({})).await;
    assert!(
        missing.starts_with("credential STRIPE_API_KEY was not given to this agent"),
        "{missing}"
    );
    let still = completed(
        &api,
        &keyless,
        "budget_check",
        json!({"category": "operations"}),
    )
    .await;
    assert_eq!(still["total_remaining"], 50000.0);
    // Stripe down.
    let down = unique_agent_id("cfo-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        cfo_body("http://127.0.0.1:1", Some(&good)),
    )
    .await;
    let unreachable = failed(&api, &down, "financial_report", json!({})).await;
    assert!(
        unreachable.starts_with("stripe: unreachable: "),
        "{unreachable}"
    );
    assert!(!unreachable.contains(&key));
}

/// The seed's `POST /messages` example: the CEO asks the CFO for a budget
/// check and gets the budgets back, correlated to its request.
#[tokio::test]
async fn the_ceo_asks_the_cfo_for_a_budget_check_as_the_seed_shows() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let (ceo, cfo) = (unique_agent_id("ceo-agent"), unique_agent_id("cfo-agent"));
    spawn_healthy(&api, &mut guard, &ceo, ceo_body()).await;
    spawn_healthy(&api, &mut guard, &cfo, cfo_body("http://127.0.0.1:1", None)).await;

    let (code, sent) = api
        .call(
            Method::POST,
            "/messages",
            Some(json!({
        "from_agent": ceo, "to_agent": cfo, "message_type": "request",
        "payload": {"task_type": "budget_check"}, "priority": 5})),
        )
        .await;
    assert_eq!(code, 200, "{sent}");
    assert_eq!(sent["status"], "sent");
    let id = sent["message_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    let response = loop {
        let (_, listed) = api
            .call(Method::GET, &format!("/messages?correlation_id={id}"), None)
            .await;
        let found = listed["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["message_type"] == "response")
            .cloned();
        if let Some(response) = found {
            break response;
        }
        assert!(Instant::now() < deadline, "no response: {listed}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        fields(&response, &["from_agent", "to_agent"]),
        json!([cfo, ceo]),
        "{response}"
    );
    let result = &response["payload"]["result"];
    assert_eq!(
        fields(
            result,
            &["currency", "total_budget", "total_spent", "total_remaining"]
        ),
        json!(["usd", 70000.0, 18000.0, 52000.0]),
        "{response}"
    );
    assert_eq!(
        result["budgets"][1],
        json!({"category": "operations", "budget": 50000.0, "spent": 0.0,
                                             "remaining": 50000.0, "utilisation": 0.0})
    );
}

#[tokio::test]
async fn cto_agent_decides_technology_security_and_pull_requests_by_its_rules() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let token = format!("ghp_{}", uuid::Uuid::new_v4().simple());
    let github = FakeGithub::start(&token).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("github-token"), entry("github-wrong"));
    keyring.set(&good, &token).await.unwrap();
    keyring.set(&wrong, "ghp_not-the-token").await.unwrap();
    let body = |url: &str, source: &str| {
        json!({"agent_type": "cto", "category": "corporate", "memory_limit": 64,
               "settings": {"github_api_url": url, "forbidden_technologies": ["flash"]},
               "credentials": [{"name": "GITHUB_TOKEN", "from": source}]})
    };
    let cto = unique_agent_id("cto");
    let spawned = spawn_healthy(&api, &mut guard, &cto, body(&github.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "cto-agent", "{spawned}");

    let adopt = |payload: Value| completed(&api, &cto, "technology_approval", payload);
    let rust = adopt(json!({"technology": "rust", "license": "MIT"})).await;
    assert_eq!(
        verdict(&rust),
        json!([true, "approved", "approved_technology"]),
        "{rust}"
    );
    let cases = [
        (
            json!({"technology": "mongodb", "license": "SSPL-1.0"}),
            "license_allowed",
            "the SSPL-1.0 licence is not allowed",
        ),
        (
            json!({"technology": "flash"}),
            "forbidden_technology",
            "flash is on the forbidden list",
        ),
        (
            json!({"technology": "elixir", "license": "Apache-2.0"}),
            "approved_list",
            "elixir is not yet on the approved technology list",
        ),
    ];
    for (payload, rule, reason) in cases {
        let refused = adopt(payload).await;
        assert_eq!(
            verdict(&refused),
            json!([false, "refused", rule]),
            "{refused}"
        );
        assert_eq!(refused["reason"], reason);
    }

    let assess = |findings: Value| {
        completed(
            &api,
            &cto,
            "security_assessment",
            json!({"findings": findings}),
        )
    };
    let risky =
        assess(json!([{"id": "CVE-1", "severity": "low"}, {"id": "CVE-2", "severity": "high"}]))
            .await;
    assert_eq!(
        verdict(&risky),
        json!([false, "refused", "severity_limit"]),
        "{risky}"
    );
    assert_eq!(
        fields(&risky, &["reason", "worst"]),
        json!(["1 above medium: CVE-2", "high"])
    );
    assert_eq!(
        risky["by_severity"],
        json!({"low": 1, "medium": 0, "high": 1, "critical": 0})
    );
    let mild = assess(json!([{"id": "CVE-3", "severity": "medium"}])).await;
    assert_eq!(mild["rule"], "acceptable_risk", "{mild}");
    let urgent = failed(
        &api,
        &cto,
        "security_assessment",
        json!({"findings": [{"id": "x", "severity": "urgent"}]}),
    )
    .await;
    assert!(
        urgent.starts_with("invalid payload: payload.findings"),
        "{urgent}"
    );

    // Pull requests' files read from GitHub, every page.
    let review = |number: u64| {
        completed(
            &api,
            &cto,
            "architecture_review",
            json!({"owner": OWNER, "repo": REPO, "pull_number": number}),
        )
    };
    let small = review(SMALL_PULL).await;
    assert_eq!(
        verdict(&small),
        json!([true, "approved", "reviewable_change"]),
        "{small}"
    );
    assert_eq!(fields(&small, &["files", "lines_changed"]), json!([3, 42]));
    let large = review(LARGE_PULL).await;
    assert_eq!(
        verdict(&large),
        json!([false, "refused", "protected_paths"]),
        "{large}"
    );
    assert_eq!(
        fields(&large, &["reason", "files", "lines_changed"]),
        json!([
            "changes protected paths: .github/workflows/deploy.yml",
            130,
            907
        ])
    );
    let missing = failed(
        &api,
        &cto,
        "architecture_review",
        json!({"owner": OWNER, "repo": REPO, "pull_number": 99}),
    )
    .await;
    assert_eq!(missing, "github: not found (404): Not Found");
    let nothing = failed(
        &api,
        &cto,
        "architecture_review",
        json!({"owner": OWNER, "repo": REPO}),
    )
    .await;
    assert_eq!(
        nothing,
        "invalid payload: give owner, repo and pull_number, or files"
    );
    let given = completed(
        &api,
        &cto,
        "architecture_review",
        json!({"files": [{"filename": "migrations/0007.sql", "additions": 4}]}),
    )
    .await;
    assert_eq!(given["rule"], "protected_paths", "{given}");

    let wrong_token = unique_agent_id("cto-wrong");
    spawn_healthy(&api, &mut guard, &wrong_token, body(&github.url(), &wrong)).await;
    let refused = failed(
        &api,
        &wrong_token,
        "architecture_review",
        json!({"owner": OWNER, "repo": REPO, "pull_number": 8}),
    )
    .await;
    assert_eq!(
        refused,
        "github: rejected the credentials (401): Bad credentials; check the credential"
    );
    let down = unique_agent_id("cto-down");
    spawn_healthy(&api, &mut guard, &down, body("http://127.0.0.1:1", &good)).await;
    let unreachable = failed(
        &api,
        &down,
        "architecture_review",
        json!({"owner": OWNER, "repo": REPO, "pull_number": 8}),
    )
    .await;
    assert!(
        unreachable.starts_with("github: unreachable: "),
        "{unreachable}"
    );
    assert!(!unreachable.contains(&token));
}
