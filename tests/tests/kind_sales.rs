//! `sales-agent` in real containers, spawned by the seed's name for it
//! (`sales`), against a faithful fake of HubSpot's CRM API, its private
//! app token delivered from the OS keyring by reference: every deal over
//! three pages (a 429 waited out) summed by stage, filtered by stage; a
//! forecast against the quota (a 502 retried); discounts on HubSpot deals
//! approved or refused by the rule that decided; bad payloads, an unknown
//! deal, a wrong token and HubSpot down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_hubspot::{FakeHubspot, OPEN_DEAL, WON_DEAL};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy, sqlite_api};
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

/// Deals of 2000 beside the two named ones: three pages of 100.
const BULK: usize = 250;

fn body(base_url: &str, source: &str) -> Value {
    json!({"agent_type": "sales", "category": "corporate", "memory_limit": 64,
           "settings": {"hubspot_base_url": base_url, "quota": 400000},
           "credentials": [{"name": "HUBSPOT_ACCESS_TOKEN", "from": source}]})
}

#[tokio::test]
async fn sales_agent_sums_forecasts_and_approves_discounts_on_hubspot_deals() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let token = format!("pat-na1-{}", uuid::Uuid::new_v4());
    let hubspot = FakeHubspot::start(&token, BULK).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("hubspot-token"), entry("hubspot-wrong"));
    keyring.set(&good, &token).await.unwrap();
    keyring.set(&wrong, "pat-na1-not-the-token").await.unwrap();

    let sales = unique_agent_id("sales");
    let spawned = spawn_healthy(&api, &mut guard, &sales, body(&hubspot.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "sales-agent", "{spawned}");

    hubspot.mishap(Mishap::RateLimited { retry_after: 1 });
    let all = completed(&api, &sales, "list_deals", json!({})).await;
    assert_eq!(hubspot.mishaps(), 1);
    assert_eq!(
        fields(
            &all,
            &[
                "count",
                "truncated",
                "total_amount",
                "won_amount",
                "lost_amount",
                "open_amount"
            ]
        ),
        json!([BULK + 2, false, 552000.0, 82000.0, 70000.0, 400000.0]),
        "{all}"
    );
    assert_eq!(
        all["by_stage"],
        json!({"appointmentscheduled": 36, "qualifiedtobuy": 36, "presentationscheduled": 36,
               "decisionmakerboughtin": 36, "contractsent": 37, "closedwon": 36, "closedlost": 35})
    );
    assert_eq!(
        all["deals"][BULK],
        json!({"id": OPEN_DEAL, "name": "Lab sensors for Acme", "stage": "contractsent", "pipeline": "default",
               "amount": 40000.0, "closedate": "2026-12-31T00:00:00Z"})
    );
    let sent = completed(&api, &sales, "list_deals", json!({"stage": "contractsent"})).await;
    assert_eq!(
        fields(&sent, &["count", "total_amount"]),
        json!([37, 112000.0]),
        "{sent}"
    );

    hubspot.mishap(Mishap::ServerError(502));
    let forecast = completed(&api, &sales, "sales_forecast", json!({})).await;
    assert_eq!(
        fields(
            &forecast,
            &[
                "deals",
                "won",
                "weighted_open",
                "forecast",
                "quota",
                "attainment",
                "gap"
            ]
        ),
        json!([
            BULK + 2,
            82000.0,
            244800.0,
            326800.0,
            400000.0,
            0.817,
            73200.0
        ]),
        "{forecast}"
    );
    assert_eq!(
        forecast["by_stage"][1],
        json!({"stage": "closedlost", "count": 35, "amount": 70000.0, "probability": 0.0, "weighted": 0.0})
    );

    let discount = |payload: Value| completed(&api, &sales, "approve_discount", payload);
    let fine = discount(json!({"deal_id": OPEN_DEAL, "discount_percent": 10})).await;
    assert_eq!(
        fields(&fine, &["approved", "rule", "discount_value", "net_amount"]),
        json!([true, "within_discount_policy", 4000.0, 36000.0]),
        "{fine}"
    );
    assert_eq!(fine["subject"]["deal"]["name"], "Lab sensors for Acme");
    let cases = [
        (
            json!({"deal_id": OPEN_DEAL, "discount_percent": 15}),
            "tier_limit",
            "15% for a standard customer; at most 10%",
        ),
        (
            json!({"deal_id": OPEN_DEAL, "discount_percent": 15, "tier": "enterprise"}),
            "discount_value",
            "a discount of 6000; at most 5000 approved alone",
        ),
        (
            json!({"deal_id": WON_DEAL, "discount_percent": 5}),
            "open_deal",
            "the deal is in stage closedwon",
        ),
        (
            json!({"amount": 500, "discount_percent": 5}),
            "minimum_deal_size",
            "a deal of 500; discounts start at 1000",
        ),
        (
            json!({"amount": 5000, "discount_percent": 5, "tier": "vip"}),
            "tier_limit",
            "there is no discount limit for tier \"vip\"",
        ),
    ];
    for (payload, rule, reason) in cases {
        let refused = discount(payload).await;
        assert_eq!(
            fields(&refused, &["approved", "rule", "reason"]),
            json!([false, rule, reason]),
            "{refused}"
        );
    }

    let neither = failed(
        &api,
        &sales,
        "approve_discount",
        json!({"discount_percent": 5}),
    )
    .await;
    assert_eq!(
        neither,
        "invalid payload: give deal_id (read from HubSpot) or amount"
    );
    let unknown = failed(
        &api,
        &sales,
        "approve_discount",
        json!({"deal_id": "123456", "discount_percent": 5}),
    )
    .await;
    assert_eq!(
        unknown,
        "hubspot: not found (404): Object not found.  objectId are usually numeric."
    );
    let climbing = failed(
        &api,
        &sales,
        "approve_discount",
        json!({"deal_id": "../owners", "discount_percent": 5}),
    )
    .await;
    assert!(
        climbing.starts_with("invalid payload: payload.deal_id"),
        "{climbing}"
    );
    let percent = failed(
        &api,
        &sales,
        "approve_discount",
        json!({"amount": 10, "discount_percent": 120}),
    )
    .await;
    assert!(
        percent.starts_with("invalid payload: payload.discount_percent"),
        "{percent}"
    );

    // A wrong token: HubSpot's own words, the token never quoted.
    let refused_agent = unique_agent_id("sales-wrong");
    spawn_healthy(
        &api,
        &mut guard,
        &refused_agent,
        body(&hubspot.url(), &wrong),
    )
    .await;
    let refused = failed(&api, &refused_agent, "list_deals", json!({})).await;
    assert!(
        refused.starts_with(
            "hubspot: rejected the credentials (401): Authentication credentials not found."
        ),
        "{refused}"
    );
    assert!(!refused.contains("not-the-token"));
    // HubSpot down.
    let down = unique_agent_id("sales-down");
    spawn_healthy(&api, &mut guard, &down, body("http://127.0.0.1:1", &good)).await;
    let unreachable = failed(&api, &down, "sales_forecast", json!({})).await;
    assert!(
        unreachable.starts_with("hubspot: unreachable: "),
        "{unreachable}"
    );
    assert!(!unreachable.contains(&token));
}
