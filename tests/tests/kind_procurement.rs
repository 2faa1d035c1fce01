//! `procurement-agent` in real containers, spawned by the seed's name for
//! it (`procurement`), against a faithful fake of QuickBooks Online's
//! query API, its OAuth token delivered from the OS keyring by reference:
//! every vendor over two pages (a 429 waited out), only active ones; open
//! bills and what is overdue (a 503 retried), one vendor's; purchases
//! approved or refused by the rule that decided against the vendor's
//! QuickBooks record (a name with a quote in it queried safely); bad
//! payloads, another company, a wrong token and QuickBooks down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_quickbooks::{FakeQuickbooks, BULK_VENDORS, REALM};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy, sqlite_api};
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(base_url: &str, realm: &str, source: &str) -> Value {
    json!({"agent_type": "procurement", "category": "corporate", "memory_limit": 64,
           "settings": {"quickbooks_base_url": base_url, "realm_id": realm, "blocked_vendors": ["Supplier 0001"]},
           "credentials": [{"name": "QUICKBOOKS_ACCESS_TOKEN", "from": source}]})
}

#[tokio::test]
async fn procurement_agent_reads_quickbooks_and_approves_purchases_by_its_rules() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let token = format!(
        "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2{}",
        uuid::Uuid::new_v4().simple()
    );
    let quickbooks = FakeQuickbooks::start(&token).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("qbo-token"), entry("qbo-wrong"));
    keyring.set(&good, &token).await.unwrap();
    keyring
        .set(&wrong, "eyJlbmMiOiJ-not-the-token")
        .await
        .unwrap();

    let buyer = unique_agent_id("procurement");
    let spawned = spawn_healthy(
        &api,
        &mut guard,
        &buyer,
        body(&quickbooks.url(), REALM, &good),
    )
    .await;
    assert_eq!(spawned["agent_type"], "procurement-agent", "{spawned}");

    // Every page (1000 + 206), a 429 waited out.
    quickbooks.mishap(Mishap::RateLimited { retry_after: 1 });
    let vendors = completed(&api, &buyer, "list_vendors", json!({})).await;
    assert_eq!(quickbooks.mishaps(), 1);
    assert_eq!(
        fields(&vendors, &["count", "truncated", "active", "total_balance"]),
        json!([BULK_VENDORS + 3, false, 1084, 460_950.0]),
        "{}",
        vendors["count"]
    );
    assert_eq!(
        vendors["vendors"][BULK_VENDORS],
        json!({"id": "56", "name": "Bob's Burger Joint", "active": true, "balance": 9000.0, "currency": "USD",
               "email": "billing56@example.com"})
    );
    let active = completed(&api, &buyer, "list_vendors", json!({"active_only": true})).await;
    assert_eq!(fields(&active, &["count", "active"]), json!([1084, 1084]));

    quickbooks.mishap(Mishap::ServerError(503));
    let bills = completed(&api, &buyer, "open_bills", json!({"as_of": "2026-12-01"})).await;
    assert_eq!(
        fields(
            &bills,
            &[
                "count",
                "outstanding",
                "overdue_count",
                "overdue_amount",
                "by_vendor"
            ]
        ),
        json!([3, 10500.0, 2, 1500.0, {"Bob's Burger Joint": 9000.0, "Closed Mill": 300.0, "Spore Supply Co": 1200.0}]),
        "{bills}"
    );
    assert_eq!(
        bills["bills"][0],
        json!({"id": "201", "vendor": "Spore Supply Co", "total": 1200.0, "balance": 1200.0, "due": "2026-11-15", "overdue": true})
    );
    let one = completed(
        &api,
        &buyer,
        "open_bills",
        json!({"vendor_id": "57", "as_of": "2026-12-01"}),
    )
    .await;
    assert_eq!(
        fields(&one, &["count", "outstanding"]),
        json!([1, 1200.0]),
        "{one}"
    );

    let buy = |vendor: &str, amount: f64| {
        completed(
            &api,
            &buyer,
            "approve_purchase",
            json!({"vendor": vendor, "amount": amount}),
        )
    };
    let fine = buy("Spore Supply Co", 2000.0).await;
    assert_eq!(
        fields(&fine, &["approved", "rule"]),
        json!([true, "within_purchasing_policy"]),
        "{fine}"
    );
    assert_eq!(fine["vendor"]["id"], "57");
    let cases = [
        (
            "Bob's Burger Joint",
            2000.0,
            "vendor_exposure",
            "9000 already owed plus 2000 makes 11000; at most 10000 owed to one vendor",
        ),
        (
            "Closed Mill",
            100.0,
            "active_vendor",
            "\"Closed Mill\" is inactive",
        ),
        (
            "Nobody Ltd",
            100.0,
            "known_vendor",
            "\"Nobody Ltd\" is not a vendor in QuickBooks",
        ),
        (
            "Supplier 0001",
            100.0,
            "blocked_vendor",
            "\"Supplier 0001\" is on the blocked list",
        ),
        (
            "Spore Supply Co",
            3000.0,
            "amount_limit",
            "3000 exceeds the 2500 this agent approves alone",
        ),
        // A name that tries to end the query's quote finds no vendor.
        (
            "x' OR DisplayName > '",
            1.0,
            "known_vendor",
            "\"x' OR DisplayName > '\" is not a vendor in QuickBooks",
        ),
    ];
    for (vendor, amount, rule, reason) in cases {
        let refused = buy(vendor, amount).await;
        assert_eq!(
            fields(&refused, &["approved", "rule", "reason"]),
            json!([false, rule, reason]),
            "{refused}"
        );
    }

    let zero = failed(
        &api,
        &buyer,
        "approve_purchase",
        json!({"vendor": "Spore Supply Co", "amount": 0}),
    )
    .await;
    assert!(
        zero.starts_with("invalid payload: payload.amount"),
        "{zero}"
    );
    let injected = failed(
        &api,
        &buyer,
        "open_bills",
        json!({"vendor_id": "57' OR '1"}),
    )
    .await;
    assert!(
        injected.starts_with("invalid payload: payload.vendor_id"),
        "{injected}"
    );

    // Another company's id: QuickBooks refuses the token for it.
    let elsewhere = unique_agent_id("procurement-realm");
    spawn_healthy(
        &api,
        &mut guard,
        &elsewhere,
        body(&quickbooks.url(), "1234", &good),
    )
    .await;
    let refused_realm = failed(&api, &elsewhere, "list_vendors", json!({})).await;
    assert_eq!(refused_realm, "quickbooks: the credentials lack permission (403): \
                               message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403");
    // A wrong token: QuickBooks' own words, the token never quoted.
    let refused_agent = unique_agent_id("procurement-wrong");
    spawn_healthy(
        &api,
        &mut guard,
        &refused_agent,
        body(&quickbooks.url(), REALM, &wrong),
    )
    .await;
    let refused = failed(&api, &refused_agent, "list_vendors", json!({})).await;
    assert_eq!(refused, "quickbooks: rejected the credentials (401): \
                         message=AuthenticationFailed; errorCode=003200; statusCode=401; check the credential");
    // QuickBooks down.
    let down = unique_agent_id("procurement-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        body("http://127.0.0.1:1", REALM, &good),
    )
    .await;
    let unreachable = failed(&api, &down, "open_bills", json!({})).await;
    assert!(
        unreachable.starts_with("quickbooks: unreachable: "),
        "{unreachable}"
    );
    assert!(!unreachable.contains(&token));
}
