//! `cloudflare-agent` in real containers, spawned by the seed's name for it
//! (`cloudflare`), against a faithful fake of the Cloudflare API v4, its
//! token delivered from the OS keyring by reference: DNS records listed
//! over three pages and upserted (created, left unchanged, updated), a
//! conflict in Cloudflare's words, cache purges, tunnels; a rate limit
//! waited out on a read and reported on a write; bad payloads, a wrong
//! token and an API that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_cloudflare::{FakeCloudflare, ACCOUNT, ZONE};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

const TXT_RECORDS: usize = 230;

fn body(base_url: &str, source: &str) -> Value {
    json!({
        "agent_type": "cloudflare", "category": "infrastructure", "memory_limit": 64,
        "settings": {"base_url": base_url, "zone_id": ZONE, "account_id": ACCOUNT},
        "credentials": [{"name": "CLOUDFLARE_API_TOKEN", "from": source}],
    })
}

#[tokio::test]
async fn cloudflare_agent_keeps_dns_purges_and_lists_tunnels() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let token = format!("cf-{}", uuid::Uuid::new_v4().simple());
    let cloudflare = FakeCloudflare::start(&token, TXT_RECORDS).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("cf-token"), entry("cf-wrong"));
    keyring.set(&good, &token).await.unwrap();
    keyring.set(&wrong, "not-the-token").await.unwrap();

    let ops = unique_agent_id("cf");
    let spawned = spawn_healthy(&api, &mut guard, &ops, body(&cloudflare.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "cloudflare-agent", "{spawned}");

    // Every page, with one 429 on the way waited out (a read is retried).
    cloudflare.throttle(1);
    let all = completed(&api, &ops, "list_dns_records", json!({})).await;
    assert_eq!(all["count"], TXT_RECORDS + 1, "three pages of 100");
    assert_eq!(all["truncated"], false);
    assert_eq!(all["records"][229]["name"], "t229.example.com");
    assert_eq!(cloudflare.throttled(), 1);
    let www = completed(
        &api,
        &ops,
        "list_dns_records",
        json!({"type": "A", "name": "www.example.com"}),
    )
    .await;
    assert_eq!(www["count"], 1, "{www}");
    assert_eq!(
        fields(&www["records"][0], &["content", "proxied"]),
        json!(["192.0.2.10", true])
    );

    // Upserts: created, then unchanged, then updated in place.
    let api_record = json!({"type": "A", "name": "api.example.com", "content": "192.0.2.20", "ttl": 300, "comment": "myca"});
    let created = completed(&api, &ops, "upsert_dns_record", api_record.clone()).await;
    assert_eq!(created["action"], "created", "{created}");
    let id = created["record"]["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    let same = completed(&api, &ops, "upsert_dns_record", api_record.clone()).await;
    assert_eq!(same["action"], "unchanged");
    assert_eq!(same["record"]["id"], id.as_str());
    let mut moved = api_record;
    moved["content"] = json!("192.0.2.21");
    let updated = completed(&api, &ops, "upsert_dns_record", moved).await;
    assert_eq!(updated["action"], "updated");
    let stored: Vec<Value> = cloudflare
        .account()
        .records
        .iter()
        .filter(|r| r["name"] == "api.example.com")
        .cloned()
        .collect();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        fields(&stored[0], &["id", "content"]),
        json!([id, "192.0.2.21"])
    );

    // What the payload leaves out is kept: the ttl stays 300.
    let bare = json!({"type": "A", "name": "api.example.com", "content": "192.0.2.21"});
    let kept = completed(&api, &ops, "upsert_dns_record", bare).await;
    assert_eq!(
        fields(&kept["record"], &["ttl", "comment"]),
        json!([300, "myca"])
    );
    assert_eq!(kept["action"], "unchanged");

    // A CNAME where an A record lives: Cloudflare's own refusal.
    let conflict = failed(
        &api,
        &ops,
        "upsert_dns_record",
        json!({"type": "CNAME", "name": "www.example.com", "content": "example.net"}),
    )
    .await;
    assert_eq!(conflict, "cloudflare: refused the request (400): An A, AAAA, or CNAME record with that host already exists.");

    // Purges.
    let files = json!({"files": ["https://example.com/app.js", "https://example.com/app.css"]});
    let purged = completed(&api, &ops, "purge_cache", files.clone()).await;
    assert_eq!(purged, json!({"id": ZONE, "purged": "files", "count": 2}));
    let everything = completed(&api, &ops, "purge_cache", json!({"purge_everything": true})).await;
    assert_eq!(everything["purged"], "purge_everything");
    assert_eq!(
        cloudflare.account().purges,
        [files, json!({"purge_everything": true})]
    );

    // Tunnels (the deleted one only when asked).
    let tunnels = completed(&api, &ops, "list_tunnels", json!({})).await;
    assert_eq!(
        fields(&tunnels, &["healthy", "not_healthy"]),
        json!([1, 1]),
        "{tunnels}"
    );
    let lab = &tunnels["tunnels"][0];
    assert_eq!(
        fields(lab, &["name", "connections", "colos"]),
        json!(["home-lab", 3, ["AMS", "FRA"]])
    );
    let with_deleted =
        completed(&api, &ops, "list_tunnels", json!({"include_deleted": true})).await;
    assert_eq!(with_deleted["tunnels"].as_array().unwrap().len(), 3);

    // A write is not retried after a 429: the rate limit is the answer.
    cloudflare.throttle(1);
    let limited = failed(&api, &ops, "purge_cache", json!({"tags": ["static"]})).await;
    assert_eq!(limited, "cloudflare: rate limited (429), retry after 1s: Please wait and consider throttling your request speed");

    // Payloads refused before any call.
    let two = failed(
        &api,
        &ops,
        "purge_cache",
        json!({"files": ["https://example.com/"], "tags": ["x"]}),
    )
    .await;
    assert_eq!(
        two,
        "invalid payload: give exactly one of files, tags, purge_everything"
    );
    let bogus = failed(
        &api,
        &ops,
        "upsert_dns_record",
        json!({"type": "BOGUS", "name": "x.example.com"}),
    )
    .await;
    assert_eq!(bogus, "invalid payload: payload.content: is required; payload.type: must be one of [\"A\",\"AAAA\",\"CNAME\",\"TXT\",\"MX\",\"NS\",\"SRV\",\"CAA\"]");
    let other_zone = failed(
        &api,
        &ops,
        "list_dns_records",
        json!({"zone_id": "0".repeat(32)}),
    )
    .await;
    assert_eq!(
        other_zone,
        "cloudflare: the credentials lack permission (403): Authentication error"
    );

    // A wrong token, and an API that is not there.
    let denied = unique_agent_id("cf-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&cloudflare.url(), &wrong)).await;
    let refused = failed(&api, &denied, "list_tunnels", json!({})).await;
    assert_eq!(
        refused,
        "cloudflare: the credentials lack permission (403): Invalid access token"
    );
    let down = unique_agent_id("cf-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        body("http://127.0.0.1:1/client/v4", &good),
    )
    .await;
    let unreachable = failed(&api, &down, "list_dns_records", json!({})).await;
    assert!(
        unreachable.starts_with("cloudflare: unreachable: "),
        "{unreachable}"
    );

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}
