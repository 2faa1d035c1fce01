//! `notion-agent` in real containers, spawned by the seed's name for it
//! (`notion`), against a faithful fake of the Notion API, its integration
//! secret delivered from the OS keyring by reference: under the default
//! Notion-Version 2025-09-03 a database resolved to its data source,
//! searched over two pages, queried with a filter and a sort, a row
//! created, updated and trashed; under 2022-06-28 the database queried
//! directly; Notion's own refusals, a 429 waited out on a search and
//! reported on a write, a 500, bad payloads, a wrong secret and an API
//! that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_notion::{FakeNotion, DATABASE, DATA_SOURCE, RUNBOOK};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

const ROWS: u64 = 130;

fn body(base_url: &str, version: Option<&str>, source: &str) -> Value {
    let mut settings = json!({"base_url": base_url});
    if let Some(version) = version {
        settings["notion_version"] = json!(version);
    }
    json!({
        "agent_type": "notion", "category": "integration", "memory_limit": 64, "settings": settings,
        "credentials": [{"name": "NOTION_TOKEN", "from": source}],
    })
}

#[tokio::test]
async fn notion_agent_searches_queries_and_writes_pages_under_both_api_versions() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let token = format!("ntn_{}", uuid::Uuid::new_v4().simple());
    let notion = FakeNotion::start(&token, ROWS).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (good, wrong) = (entry("notion"), entry("notion-wrong"));
    keyring.set(&good, &token).await.unwrap();
    keyring.set(&wrong, "ntn_not-the-secret").await.unwrap();

    let docs = unique_agent_id("notion");
    let spawned = spawn_healthy(&api, &mut guard, &docs, body(&notion.url(), None, &good)).await;
    assert_eq!(spawned["agent_type"], "notion-agent", "{spawned}");

    // Search: a database is found as its data source under 2025-09-03.
    let sources = completed(
        &api,
        &docs,
        "search",
        json!({"query": "fleet", "object": "database"}),
    )
    .await;
    assert_eq!(sources["count"], 1, "{sources}");
    assert_eq!(
        fields(&sources["results"][0], &["object", "id", "title"]),
        json!(["data_source", DATA_SOURCE, "Fleet tasks"])
    );
    let first = completed(&api, &docs, "search", json!({"query": "task"})).await;
    assert_eq!(fields(&first, &["count", "truncated"]), json!([100, true]));
    let every = completed(
        &api,
        &docs,
        "search",
        json!({"query": "task", "limit": 1000}),
    )
    .await;
    assert_eq!(
        fields(&every, &["count", "truncated"]),
        json!([ROWS + 1, false]),
        "two pages"
    );

    // The database's data source queried, filtered and sorted, every page.
    let open = json!({"database_id": DATABASE, "filter": {"property": "Status", "select": {"equals": "Open"}},
                      "sorts": [{"property": "Priority", "direction": "descending"}], "limit": 1000});
    let rows = completed(&api, &docs, "query_database", open).await;
    assert_eq!(
        fields(&rows, &["data_source_id", "count", "truncated"]),
        json!([DATA_SOURCE, 86, false])
    );
    assert_eq!(
        rows["rows"][0]["properties"],
        json!({"Name": "Task 128", "Status": "Open", "Priority": 128})
    );
    assert_eq!(rows["rows"][0]["title"], "Task 128");

    // A row created in the data source, changed, then trashed.
    let new_row = json!({"database_id": DATABASE, "properties": {
        "Name": {"title": [{"text": {"content": "Rotate keys"}}]}, "Status": {"select": {"name": "Open"}}, "Priority": {"number": 500}}});
    let created = completed(&api, &docs, "create_page", new_row).await;
    assert_eq!(
        created["properties"],
        json!({"Name": "Rotate keys", "Status": "Open", "Priority": 500}),
        "{created}"
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(notion.page(&id)["parent"]["data_source_id"], DATA_SOURCE);
    let done = completed(
        &api,
        &docs,
        "update_page",
        json!({"page_id": id, "properties": {"Status": {"select": {"name": "Done"}}}}),
    )
    .await;
    assert_eq!(
        fields(&done["properties"], &["Status", "Priority"]),
        json!(["Done", 500])
    );
    let trashed = completed(
        &api,
        &docs,
        "update_page",
        json!({"page_id": id, "in_trash": true}),
    )
    .await;
    assert_eq!(trashed["in_trash"], true);
    assert_eq!(notion.page(&id)["in_trash"], true);
    let note = completed(&api, &docs, "create_page", json!({"page_id": RUNBOOK, "properties": {"title": {"title": [{"text": {"content": "Restart order"}}]}}})).await;
    assert_eq!(note["title"], "Restart order");

    // The 2022-06-28 API: the database itself is queried.
    let old = unique_agent_id("notion-old");
    spawn_healthy(
        &api,
        &mut guard,
        &old,
        body(&notion.url(), Some("2022-06-28"), &good),
    )
    .await;
    let high = completed(&api, &old, "query_database",
        json!({"database_id": DATABASE, "filter": {"property": "Priority", "number": {"greater_than": 125}}})).await;
    assert_eq!(
        fields(&high, &["data_source_id", "count"]),
        json!([null, 4]),
        "{high}"
    );
    let databases = completed(
        &api,
        &old,
        "search",
        json!({"query": "fleet", "object": "database"}),
    )
    .await;
    assert_eq!(databases["results"][0]["object"], "database");

    // Notion's own refusals, in its words; a POST is not retried after a 429.
    let unknown = failed(
        &api,
        &docs,
        "create_page",
        json!({"database_id": DATABASE, "properties": {"Owner": {"rich_text": []}}}),
    )
    .await;
    assert_eq!(
        unknown,
        "notion: refused the request (400): Owner is not a property that exists."
    );
    let elsewhere = "0".repeat(32);
    let missing = failed(
        &api,
        &old,
        "query_database",
        json!({"database_id": elsewhere}),
    )
    .await;
    assert_eq!(missing, format!("notion: not found (404): Could not find database with ID: {elsewhere}. Make sure the relevant pages and databases are shared with your integration."));
    // A search is a read, though POSTed: retried after the wait a 429 asks for.
    notion.mishap(Mishap::RateLimited { retry_after: 1 });
    let waited = completed(&api, &docs, "search", json!({"query": "runbook"})).await;
    assert_eq!(waited["results"][0]["id"], RUNBOOK, "{waited}");
    // A write is not retried: the rate limit is the answer.
    notion.mishap(Mishap::RateLimited { retry_after: 2 });
    let limited = failed(
        &api,
        &docs,
        "update_page",
        json!({"page_id": RUNBOOK, "in_trash": false}),
    )
    .await;
    assert_eq!(
        limited,
        "notion: rate limited (429), retry after 2s: Rate limit exceeded"
    );
    notion.mishap(Mishap::ServerError(500));
    let broken = failed(
        &api,
        &old,
        "query_database",
        json!({"database_id": DATABASE}),
    )
    .await;
    assert_eq!(
        broken,
        "notion: failed on its side (500): Internal Server Error"
    );
    notion.mishap(Mishap::Malformed);
    let garbled = failed(&api, &docs, "search", json!({})).await;
    assert!(
        garbled.starts_with("notion: the answer is not what its API documents"),
        "{garbled}"
    );
    assert_eq!(notion.mishaps(), 4);

    // Bad payloads, refused before any call.
    let nothing = failed(&api, &docs, "update_page", json!({"page_id": RUNBOOK})).await;
    assert_eq!(
        nothing,
        "invalid payload: give properties or in_trash to change"
    );
    let climbing = failed(
        &api,
        &docs,
        "update_page",
        json!({"page_id": "../../v1/users/00000000000000000000", "in_trash": true}),
    )
    .await;
    assert!(
        climbing.starts_with("invalid payload: payload.page_id"),
        "{climbing}"
    );
    let bare = failed(&api, &docs, "create_page", json!({"database_id": DATABASE})).await;
    assert_eq!(bare, "invalid payload: payload.properties: is required");

    // A wrong secret, and an API that is not there.
    let denied = unique_agent_id("notion-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&notion.url(), None, &wrong)).await;
    let refused = failed(&api, &denied, "search", json!({})).await;
    assert_eq!(
        refused,
        "notion: rejected the credentials (401): API token is invalid.; check the credential"
    );
    let down = unique_agent_id("notion-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        body("http://127.0.0.1:1", None, &good),
    )
    .await;
    let unreachable = failed(&api, &down, "search", json!({})).await;
    assert!(
        unreachable.starts_with("notion: unreachable: "),
        "{unreachable}"
    );

    keyring.delete(&good).await.unwrap();
    keyring.delete(&wrong).await.unwrap();
    api.stop().await;
}
