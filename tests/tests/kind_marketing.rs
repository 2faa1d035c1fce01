//! `marketing-agent` in real containers, spawned by the seed's name for it
//! (`marketing`), against a faithful fake of Mailchimp's Marketing API, its
//! API key delivered from the OS keyring by reference: every campaign over
//! two pages (a 429 waited out), filtered by status and send time; the
//! audiences; drafts approved and sent, or refused by the rule that
//! decided (and then not sent); a 503 retried, a malformed answer, bad
//! payloads, a wrong key, a key naming no data centre and Mailchimp down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_mailchimp::{FakeMailchimp, HUGE, READY, SPAMMY};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy, sqlite_api};
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

/// Sent campaigns beside the three drafts: more than one page of 1000.
const BULK: usize = 1050;

fn body(base_url: &str, source: &str) -> Value {
    json!({"agent_type": "marketing", "category": "corporate", "memory_limit": 64,
           "settings": {"mailchimp_base_url": base_url},
           "credentials": [{"name": "MAILCHIMP_API_KEY", "from": source}]})
}

#[tokio::test]
async fn marketing_agent_reports_campaigns_and_sends_only_approved_ones() {
    let (_dir, api) = sqlite_api().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let key = format!("{}-us6", uuid::Uuid::new_v4().simple());
    let mailchimp = FakeMailchimp::start(&key, BULK).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong, no_dc) = (
        entry("mailchimp-key"),
        entry("mailchimp-wrong"),
        entry("mailchimp-nodc"),
    );
    keyring.set(&good, &key).await.unwrap();
    keyring
        .set(&wrong, "0000ffff0000ffff0000ffff0000ffff-us6")
        .await
        .unwrap();
    keyring.set(&no_dc, "0000ffff0000ffff").await.unwrap();

    let marketing = unique_agent_id("marketing");
    let spawned = spawn_healthy(&api, &mut guard, &marketing, body(&mailchimp.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "marketing-agent", "{spawned}");

    // Every page (1000 + 53), a 429 waited out.
    mailchimp.mishap(Mishap::RateLimited { retry_after: 1 });
    let all = completed(&api, &marketing, "list_campaigns", json!({})).await;
    assert_eq!(mailchimp.mishaps(), 1);
    assert_eq!(
        fields(
            &all,
            &[
                "count",
                "truncated",
                "by_status",
                "emails_sent",
                "unique_opens",
                "clicks",
                "open_rate",
                "best_open_rate"
            ]
        ),
        json!([BULK + 3, false, {"save": 3, "sent": BULK}, 105_000, 25_725, 3150, 0.245, "s000001049"]),
    );
    assert_eq!(
        all["campaigns"][0],
        json!({"id": "s000000000", "title": "Newsletter 0", "subject": "Issue 0", "status": "sent", "emails_sent": 100,
               "send_time": "2026-10-01T10:00:00+00:00", "audience": "Mycosoft Newsletter", "recipients": 100,
               "open_rate": 0.2, "click_rate": 0.02})
    );
    let drafts = completed(
        &api,
        &marketing,
        "list_campaigns",
        json!({"status": "save"}),
    )
    .await;
    assert_eq!(drafts["count"], 3, "{drafts}");
    let late = completed(
        &api,
        &marketing,
        "list_campaigns",
        json!({"since_send_time": "2026-10-28T00:00:00+00:00"}),
    )
    .await;
    assert_eq!(late["by_status"], json!({"sent": 37}), "{late}");

    let audiences = completed(&api, &marketing, "list_audiences", json!({})).await;
    assert_eq!(
        fields(&audiences, &["count", "total_members"]),
        json!([2, 2680]),
        "{audiences}"
    );
    assert_eq!(
        fields(
            &audiences["audiences"][0],
            &["name", "members", "unsubscribed", "open_rate"]
        ),
        json!(["Mycosoft Newsletter", 2500, 40, 24.5])
    );

    // A draft within every rule is sent; once sent it is no draft any more.
    let approve = |id: &str, send: bool| {
        completed(
            &api,
            &marketing,
            "approve_campaign",
            json!({"campaign_id": id, "send": send}),
        )
    };
    mailchimp.mishap(Mishap::ServerError(503));
    let ready = approve(READY, true).await;
    assert_eq!(
        fields(&ready, &["approved", "rule", "sent"]),
        json!([true, "ready_to_send", true]),
        "{ready}"
    );
    assert_eq!(ready["subject"]["subject"], "December mushroom picks");
    assert_eq!(mailchimp.status(READY), "sent");
    let again = approve(READY, true).await;
    assert_eq!(
        fields(&again, &["approved", "rule", "sent"]),
        json!([false, "draft", false]),
        "{again}"
    );
    assert_eq!(
        again["reason"],
        "the campaign is sent; only a draft (save) or paused campaign is sent"
    );
    let cases = [
        (
            SPAMMY,
            "forbidden_terms",
            "contains forbidden terms: act now",
        ),
        (
            HUGE,
            "recipient_limit",
            "50000 recipient(s); at most 10000 without a person's approval",
        ),
    ];
    for (id, rule, reason) in cases {
        let refused = approve(id, true).await;
        assert_eq!(
            fields(&refused, &["approved", "rule", "reason", "sent"]),
            json!([false, rule, reason, false])
        );
        assert_eq!(
            mailchimp.status(id),
            "save",
            "a refused campaign is not sent"
        );
    }
    let unknown = failed(
        &api,
        &marketing,
        "approve_campaign",
        json!({"campaign_id": "nope42"}),
    )
    .await;
    assert_eq!(
        unknown,
        "mailchimp: not found (404): The requested resource could not be found."
    );

    // Bad payloads, and an answer that is not Mailchimp's.
    let climbing = failed(
        &api,
        &marketing,
        "approve_campaign",
        json!({"campaign_id": "../lists"}),
    )
    .await;
    assert!(
        climbing.starts_with("invalid payload: payload.campaign_id"),
        "{climbing}"
    );
    let status = failed(
        &api,
        &marketing,
        "list_campaigns",
        json!({"status": "lost"}),
    )
    .await;
    assert!(
        status.starts_with("invalid payload: payload.status"),
        "{status}"
    );
    mailchimp.mishap(Mishap::Malformed);
    let malformed = failed(&api, &marketing, "list_audiences", json!({})).await;
    assert!(
        malformed.starts_with("mailchimp: the answer is not what its API documents"),
        "{malformed}"
    );

    // A wrong key: Mailchimp's own words, the key never quoted.
    let refused_agent = unique_agent_id("marketing-wrong");
    spawn_healthy(
        &api,
        &mut guard,
        &refused_agent,
        body(&mailchimp.url(), &wrong),
    )
    .await;
    let refused = failed(&api, &refused_agent, "list_audiences", json!({})).await;
    assert_eq!(
        refused,
        "mailchimp: rejected the credentials (401): Your API key may be invalid, \
                         or you've attempted to access the wrong datacenter.; check the credential"
    );
    // A key naming no data centre, and no address set: said what to do.
    let lost = unique_agent_id("marketing-nodc");
    spawn_healthy(&api, &mut guard, &lost, body("", &no_dc)).await;
    let nowhere = failed(&api, &lost, "list_campaigns", json!({})).await;
    assert!(
        nowhere.starts_with("MAILCHIMP_API_KEY names no data centre")
            && !nowhere.contains("0000ffff"),
        "{nowhere}"
    );
    // Mailchimp down.
    let down = unique_agent_id("marketing-down");
    spawn_healthy(&api, &mut guard, &down, body("http://127.0.0.1:1", &good)).await;
    let unreachable = failed(&api, &down, "list_audiences", json!({})).await;
    assert!(
        unreachable.starts_with("mailchimp: unreachable: "),
        "{unreachable}"
    );
    assert!(!unreachable.contains(&key));
}
