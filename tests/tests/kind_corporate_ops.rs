//! The rule-based corporate kinds in real containers, spawned through the
//! HTTP API by the seed's names for them: the legal agent checking
//! contracts and actions against its policies; the COO approving and refusing
//! operational changes by its rules (each answer naming the rule), checking
//! capacity and reviewing a process; HR checking actions against its
//! policies, onboarding checklists and performance reviews; and the CFO's
//! approvals spending its budget for the period — kept across a restart and
//! carried by a snapshot into a restored agent.

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy, sqlite_api, verdict, PATIENCE};
use myca_e2e::pool::wait_healthy;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn coo_agent_decides_changes_capacity_and_processes_by_its_rules() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let coo = unique_agent_id("coo");
    let body = json!({"agent_type": "coo", "category": "corporate", "memory_limit": 64,
        "settings": {"max_downtime_minutes": 15, "max_utilisation": 0.8, "max_manual_steps": 1,
                     "freeze_periods": [{"name": "year-end", "from": "2026-12-20", "to": "2027-01-03"}]}});
    let spawned = spawn_healthy(&api, &mut guard, &coo, body).await;
    assert_eq!(spawned["agent_type"], "coo-agent", "{spawned}");

    let change = |payload: Value| completed(&api, &coo, "approve_change", payload);
    let fine = change(
        json!({"change": "rotate logs", "impact": "low", "services": ["search"],
                             "downtime_minutes": 5, "scheduled_at": "2026-11-02T22:00:00Z"}),
    )
    .await;
    assert_eq!(
        verdict(&fine),
        json!([true, "approved", "within_operations_policy"]),
        "{fine}"
    );
    assert_eq!(fine["checked"].as_array().unwrap().len(), 5);
    let cases = [
        (
            json!({"change": "db upgrade", "scheduled_at": "2026-12-24"}),
            "change_freeze",
            "scheduled inside the year-end change freeze",
        ),
        (
            json!({"change": "new gateway", "services": ["search", "payments"]}),
            "protected_services",
            "touches protected services: payments",
        ),
        (
            json!({"change": "migrate", "impact": "high"}),
            "impact_limit",
            "impact high; this agent approves up to medium",
        ),
        (
            json!({"change": "reindex", "downtime_minutes": 45}),
            "downtime_limit",
            "45 minute(s) of downtime; at most 15 tolerated",
        ),
    ];
    for (payload, rule, reason) in cases {
        let refused = change(payload).await;
        assert_eq!(
            verdict(&refused),
            json!([false, "refused", rule]),
            "{refused}"
        );
        assert_eq!(refused["reason"], reason);
    }

    let capacity = completed(
        &api,
        &coo,
        "capacity_check",
        json!({"request": "new lab", "resources": [
        {"name": "cpu", "unit": "cores", "capacity": 64, "used": 30, "requested": 16},
        {"name": "storage", "unit": "TB", "capacity": 10, "used": 7.5, "requested": 1}]}),
    )
    .await;
    assert_eq!(
        verdict(&capacity),
        json!([false, "refused", "capacity"]),
        "{capacity}"
    );
    assert_eq!(
        capacity["reason"],
        "storage would be at 85.0% of its capacity; at most 80.0% tolerated"
    );
    assert_eq!(
        fields(
            &capacity["resources"][0],
            &["after", "utilisation", "headroom", "fits"]
        ),
        json!([46.0, 0.719, 5.200000000000003, true])
    );
    let roomy = completed(
        &api,
        &coo,
        "capacity_check",
        json!({"resources": [{"name": "cpu", "capacity": 64, "used": 30, "requested": 16}]}),
    )
    .await;
    assert_eq!(
        verdict(&roomy),
        json!([true, "approved", "enough_capacity"]),
        "{roomy}"
    );

    let process = completed(
        &api,
        &coo,
        "process_review",
        json!({"process": "order fulfilment", "steps": [
        {"name": "pick", "duration_minutes": 30, "owner": "warehouse"},
        {"name": "pack", "duration_minutes": 90, "owner": "warehouse"},
        {"name": "label", "duration_minutes": 5, "owner": "shipping", "automated": true}]}),
    )
    .await;
    assert_eq!(
        verdict(&process),
        json!([false, "refused", "manual_steps"]),
        "{process}"
    );
    assert_eq!(
        fields(
            &process,
            &["cycle_minutes", "manual_steps", "automate_next"]
        ),
        json!([125.0, ["pick", "pack"], "pack"])
    );
    assert_eq!(
        process["bottleneck"],
        json!({"name": "pack", "duration_minutes": 90.0, "share": 0.72})
    );

    // Bad payloads never reach the rules.
    let missing = failed(&api, &coo, "approve_change", json!({"impact": "low"})).await;
    assert!(
        missing.starts_with("invalid payload: ") && missing.contains("change"),
        "{missing}"
    );
    let date = failed(
        &api,
        &coo,
        "approve_change",
        json!({"change": "x", "scheduled_at": "next tuesday"}),
    )
    .await;
    assert_eq!(
        date,
        "invalid payload: payload.scheduled_at: \"next tuesday\" is not an ISO 8601 date"
    );
    let empty = failed(&api, &coo, "capacity_check", json!({"resources": []})).await;
    assert!(empty.contains("payload.resources"), "{empty}");
}

#[tokio::test]
async fn hr_agent_checks_actions_onboarding_and_reviews_by_its_policies() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let hr = unique_agent_id("hr");
    let body = json!({"agent_type": "hr", "category": "corporate", "memory_limit": 64,
        "settings": {"salary_bands": {"engineer": {"min": 90000, "max": 140000}},
                     "role_items": {"engineer": ["github_access", "equipment"]}, "min_score": 3}});
    let spawned = spawn_healthy(&api, &mut guard, &hr, body).await;
    assert_eq!(spawned["agent_type"], "hr-agent", "{spawned}");

    let check = |payload: Value| completed(&api, &hr, "policy_check", payload);
    let hire = check(
        json!({"action": "hire", "employee": "Ada", "role": "engineer", "salary": 120000,
                            "signoffs": ["Manager"]}),
    )
    .await;
    assert_eq!(
        verdict(&hire),
        json!([true, "approved", "within_hr_policy"]),
        "{hire}"
    );
    assert_eq!(hire["reason"], "hire for Ada meets every HR policy");
    let cases = [
        (
            json!({"action": "hire", "employee": "Bo", "role": "engineer", "salary": 180000, "signoffs": ["manager"]}),
            "salary_band",
            "180000 is outside the engineer band of 90000–140000",
        ),
        (
            json!({"action": "terminate", "employee": "Cy", "signoffs": ["manager"], "reason": "misconduct"}),
            "signoffs",
            "terminate needs sign-off from: legal",
        ),
        (
            json!({"action": "terminate", "employee": "Cy", "signoffs": ["manager", "legal"]}),
            "documented_reason",
            "terminate needs a documented reason",
        ),
        (
            json!({"action": "relocate_abroad", "employee": "Di"}),
            "allowed_action",
            "\"relocate_abroad\" is not an action this agent clears",
        ),
    ];
    for (payload, rule, reason) in cases {
        let refused = check(payload).await;
        assert_eq!(
            verdict(&refused),
            json!([false, "refused", rule]),
            "{refused}"
        );
        assert_eq!(refused["reason"], reason);
    }

    let onboarding = completed(
        &api,
        &hr,
        "onboarding_checklist",
        json!({"employee": "Ada", "role": "engineer",
        "completed": ["contract_signed", "payroll_setup", "equipment", "accounts"]}),
    )
    .await;
    assert_eq!(
        verdict(&onboarding),
        json!([false, "refused", "checklist_complete"]),
        "{onboarding}"
    );
    assert_eq!(
        fields(&onboarding, &["missing", "progress"]),
        json!([["security_training", "github_access"], 0.667])
    );
    assert_eq!(
        onboarding["reason"],
        "2 of 6 item(s) still open: security_training, github_access"
    );
    let ready = completed(&api, &hr, "onboarding_checklist", json!({"employee": "Eve", "role": "designer",
        "completed": ["contract_signed", "payroll_setup", "equipment", "accounts", "security_training"]}))
    .await;
    assert_eq!(
        verdict(&ready),
        json!([true, "approved", "ready_to_start"]),
        "{ready}"
    );

    let reviews = completed(
        &api,
        &hr,
        "performance_review",
        json!({"period": "2026-H2", "reviews": [
        {"employee": "Ada", "score": 4.5, "goals_met": 5, "goals_total": 5},
        {"employee": "Bo", "score": 2.5, "goals_met": 1, "goals_total": 4},
        {"employee": "Cy", "score": 3.5, "goals_met": 3, "goals_total": 4}]}),
    )
    .await;
    assert_eq!(
        fields(
            &reviews,
            &[
                "count",
                "average_score",
                "average_goals",
                "development_plans",
                "top"
            ]
        ),
        json!([3, 3.5, 0.667, ["Bo"], "Ada"]),
        "{reviews}"
    );
    assert_eq!(
        reviews["reviews"][1]["reason"],
        "score 2.5 is below the 3 tolerated"
    );

    let missing = failed(&api, &hr, "policy_check", json!({"action": "hire"})).await;
    assert!(
        missing.starts_with("invalid payload: ") && missing.contains("employee"),
        "{missing}"
    );
    let score = failed(
        &api,
        &hr,
        "performance_review",
        json!({"reviews": [{"employee": "X", "score": 9}]}),
    )
    .await;
    assert!(score.contains("payload.reviews"), "{score}");
}

/// The CFO's approvals spend its budget for the period; what is left
/// survives a restart and travels in a snapshot to a restored agent.
#[tokio::test]
async fn cfo_approvals_spend_the_period_budget_across_restarts_and_restores() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let cfo = unique_agent_id("cfo-period");
    let body = json!({"agent_type": "cfo", "category": "corporate", "memory_limit": 64,
        "settings": {"budgets": {"operations": 10000, "travel": 3000}, "spent": {"operations": 2000},
                     "auto_approve_max_amount": 5000, "period": "quarter"}});
    let spawned = spawn_healthy(&api, &mut guard, &cfo, body).await;
    let port = spawned["port"].as_u64().unwrap() as u16;
    let now = chrono::Utc::now();
    let quarter = format!(
        "{}-Q{}",
        chrono::Datelike::year(&now),
        chrono::Datelike::month0(&now) / 3 + 1
    );

    let spend = |agent: String, amount: f64| {
        let api = &api;
        async move {
            completed(
                api,
                &agent,
                "approve_spending",
                json!({"amount": amount, "category": "operations"}),
            )
            .await
        }
    };
    let first = spend(cfo.clone(), 4000.0).await;
    assert_eq!(
        verdict(&first),
        json!([true, "approved", "within_budget_and_limit"]),
        "{first}"
    );
    assert_eq!(first["period"], quarter);
    assert_eq!(
        fields(&first["budget"], &["spent", "remaining"]),
        json!([6000.0, 4000.0])
    );
    let over = spend(cfo.clone(), 4500.0).await;
    assert_eq!(
        verdict(&over),
        json!([false, "refused", "within_budget"]),
        "{over}"
    );
    assert_eq!(
        over["reason"],
        "4500 exceeds the 4000 left of the operations budget"
    );
    // A refusal spends nothing.
    let second = spend(cfo.clone(), 3000.0).await;
    assert_eq!(
        fields(&second["budget"], &["spent", "remaining"]),
        json!([9000.0, 1000.0]),
        "{second}"
    );

    // Restarted, the agent still knows what it approved.
    let (code, restarted) = api
        .call(Method::POST, &format!("/agents/{cfo}/restart"), None)
        .await;
    assert_eq!(code, 200, "{restarted}");
    wait_healthy(port, PATIENCE).await;
    let budgets = completed(
        &api,
        &cfo,
        "budget_check",
        json!({"category": "operations", "amount": 1500}),
    )
    .await;
    assert_eq!(
        fields(&budgets, &["period", "total_spent", "total_remaining"]),
        json!([quarter, 9000.0, 1000.0]),
        "{budgets}"
    );
    assert_eq!(budgets["check"]["rule"], "within_budget");
    assert_eq!(
        budgets["check"]["reason"],
        "1500 exceeds the 1000 left of the operations budget"
    );

    // A snapshot carries the approvals to an agent restored from it.
    let (code, snapshot) = api
        .call(
            Method::POST,
            &format!("/agents/{cfo}/snapshots"),
            Some(json!({"reason": "move"})),
        )
        .await;
    assert_eq!(code, 200, "{snapshot}");
    let restored_id = unique_agent_id("cfo-restored");
    guard.watch(container_name(&restored_id));
    let (code, restored) = api
        .call(
            Method::POST,
            &format!("/snapshots/{}/restore", snapshot["snapshot_id"]),
            Some(json!({"agent_id": restored_id})),
        )
        .await;
    assert_eq!(code, 200, "{restored}");
    assert!(
        restored["knowledge_restored"].as_u64().unwrap() >= 1,
        "{restored}"
    );
    wait_healthy(restored["agent"]["port"].as_u64().unwrap() as u16, PATIENCE).await;
    let third = spend(restored_id.clone(), 800.0).await;
    assert_eq!(
        fields(&third["budget"], &["spent", "remaining"]),
        json!([9800.0, 200.0]),
        "{third}"
    );
    let travel = completed(
        &api,
        &restored_id,
        "budget_check",
        json!({"category": "travel"}),
    )
    .await;
    assert_eq!(travel["total_remaining"], 3000.0, "{travel}");
}

#[tokio::test]
async fn legal_agent_checks_contracts_and_actions_against_its_policies() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let legal = unique_agent_id("legal");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &legal,
        json!({"agent_type": "legal", "category": "corporate", "memory_limit": 64,
               "settings": {"required_clauses": ["governing law", "confidentiality"]}}),
    )
    .await;
    assert_eq!(spawned["agent_type"], "legal-agent", "{spawned}");

    let review = |text: &str, jurisdiction: &str| {
        completed(
            &api,
            &legal,
            "contract_review",
            json!({"title": "Supply", "text": text, "jurisdiction": jurisdiction}),
        )
    };
    let sound = review(
        "1. Confidentiality: both keep secrets. 2. Governing law: Delaware.",
        "US",
    )
    .await;
    assert_eq!(
        verdict(&sound),
        json!([true, "approved", "compliant_contract"]),
        "{sound}"
    );
    assert_eq!(
        sound["subject"],
        json!({"title": "Supply", "jurisdiction": "US"})
    );
    let thin = review("Governing law: Delaware.", "US").await;
    assert_eq!(
        verdict(&thin),
        json!([false, "refused", "required_clauses"]),
        "{thin}"
    );
    assert_eq!(
        fields(&thin, &["reason", "missing_clauses"]),
        json!([
            "missing required clauses: confidentiality",
            ["confidentiality"]
        ])
    );
    let risky = review(
        "Confidentiality. Governing law. The supplier accepts Unlimited Liability.",
        "EU",
    )
    .await;
    assert_eq!(
        risky["reason"], "contains forbidden terms: unlimited liability",
        "{risky}"
    );
    let abroad = review("Confidentiality. Governing law: Ruritania.", "Ruritania").await;
    assert_eq!(abroad["rule"], "jurisdiction", "{abroad}");
    assert_eq!(
        abroad["reason"],
        "Ruritania is not among the allowed jurisdictions (US, EU, UK)"
    );

    let comply = |payload: Value| completed(&api, &legal, "compliance_check", payload);
    let unconsented = comply(
        json!({"action": "export_customers", "data_category": "personal", "jurisdiction": "EU"}),
    )
    .await;
    assert_eq!(
        verdict(&unconsented),
        json!([false, "refused", "consent_for_regulated_data"]),
        "{unconsented}"
    );
    let consented = comply(json!({"action": "export_customers", "data_category": "personal", "consent": true, "jurisdiction": "EU"})).await;
    assert_eq!(
        verdict(&consented),
        json!([true, "approved", "compliant"]),
        "{consented}"
    );
    let bad = failed(&api, &legal, "contract_review", json!({"title": "no text"})).await;
    assert!(
        bad.starts_with("invalid payload: ") && bad.contains("text"),
        "{bad}"
    );
}
