//! `search-agent` in a real container, spawned by the seed's name for it
//! (`search`), indexing into the real PostgreSQL the services run (a schema
//! of its own) and reading the fleet's knowledge through the real
//! orchestrator API, both credentials delivered from the OS keyring:
//! ranked websearch queries with snippets and tag filters, re-indexing,
//! knowledge entries written by an agent (and one that expires), a bad
//! payload, wrong credentials and services that are not there.

use std::time::Duration;

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer, API_KEY};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy, spawn_test_agent};
use myca_e2e::pg_schema::{PgSchema, WRONG_PASSWORD};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(url: &str, database: &str, api_key: &str) -> Value {
    json!({"agent_type": "search", "category": "data", "memory_limit": 64,
           "settings": {"orchestrator_url": url},
           "credentials": [{"name": "DATABASE_URL", "from": database}, {"name": "MYCA_API_KEY", "from": api_key}]})
}

fn ids(found: &Value) -> Vec<&str> {
    found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn search_agent_indexes_ranks_highlights_and_indexes_knowledge() {
    let schema = PgSchema::create("search").await;
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let databases = schema.keyring_entries(&keyring).await;
    let (database, wrong_db, no_db) = (&databases.good, &databases.wrong, &databases.nowhere);
    let (key, wrong_key) = (
        format!("e2e/{}", uuid::Uuid::new_v4().simple()),
        format!("e2e/{}", uuid::Uuid::new_v4().simple()),
    );
    keyring.set(&key, API_KEY).await.unwrap();
    keyring.set(&wrong_key, "not-the-key").await.unwrap();
    let url = api.url("");

    let search = unique_agent_id("search");
    let spawned = spawn_healthy(&api, &mut guard, &search, body(&url, database, &key)).await;
    assert_eq!(spawned["agent_type"], "search-agent");

    let documents = json!([
        {"id": "doc-1", "title": "Growing oyster mushrooms", "body": "Oyster mushrooms grow quickly on straw and on used coffee grounds kept moist.", "tags": ["cultivation"]},
        {"id": "doc-2", "title": "Morel hunting", "body": "Morels appear in spring near dead elms and in burned forests.", "tags": ["foraging"]},
        {"id": "doc-3", "title": "Straw substrate", "body": "Pasteurise chopped straw at 70 degrees before inoculating it with spawn.", "tags": ["cultivation", "substrate"]}
    ]);
    let indexed = completed(&api, &search, "index", json!({"documents": documents})).await;
    assert_eq!(indexed, json!({"indexed": 3, "new": 3, "updated": 0}));

    let straw = completed(&api, &search, "search", json!({"query": "straw"})).await;
    assert_eq!(straw["total"], 2);
    assert_eq!(
        ids(&straw),
        ["doc-3", "doc-1"],
        "a title match ranks first: {straw}"
    );
    assert!(
        straw["hits"][0]["rank"].as_f64().unwrap() > straw["hits"][1]["rank"].as_f64().unwrap()
    );
    assert!(
        straw["hits"][1]["snippet"]
            .as_str()
            .unwrap()
            .contains("<b>straw</b>"),
        "{straw}"
    );
    assert_eq!(
        ids(&completed(&api, &search, "search", json!({"query": "straw -coffee"})).await),
        ["doc-3"]
    );
    assert_eq!(
        ids(&completed(&api, &search, "search", json!({"query": "\"dead elms\""})).await),
        ["doc-2"]
    );
    assert_eq!(
        ids(&completed(&api, &search, "search", json!({"query": "elms or oyster"})).await).len(),
        2
    );
    let tagged = completed(
        &api,
        &search,
        "search",
        json!({"query": "straw", "tags": ["cultivation", "substrate"]}),
    )
    .await;
    assert_eq!(ids(&tagged), ["doc-3"]);
    let limited = completed(
        &api,
        &search,
        "search",
        json!({"query": "straw", "limit": 1}),
    )
    .await;
    assert_eq!(
        (ids(&limited).len(), limited["total"].clone()),
        (1, json!(2))
    );

    let replaced = json!([{"id": "doc-2", "title": "Morel hunting", "body": "Morels fruit in spring under ash trees."}]);
    assert_eq!(
        completed(&api, &search, "index", json!({"documents": replaced})).await,
        json!({"indexed": 1, "new": 0, "updated": 1})
    );
    assert_eq!(
        completed(&api, &search, "search", json!({"query": "elms"})).await["total"],
        0
    );
    assert_eq!(
        ids(&completed(&api, &search, "search", json!({"query": "ash"})).await),
        ["doc-2"]
    );

    // Knowledge an agent stored, read through GET /knowledge.
    let worker = unique_agent_id("search-worker");
    spawn_test_agent(&api, &mut guard, &worker).await;
    for remembered in [
        json!({"key": "chanterelle-spot", "value": "Golden chanterelles fruit under oaks after heavy July rain"}),
        json!({"key": "spore-print", "value": {"species": "Amanita muscaria", "print": "white spore print", "notes": ["toxic", "red cap"]}}),
        json!({"key": "fleeting", "value": "a truffle rumour", "ttl_seconds": 2}),
    ] {
        completed(&api, &worker, "remember", remembered).await;
    }
    let knowledge = completed(&api, &search, "index_knowledge", json!({})).await;
    assert_eq!(
        knowledge,
        json!({"indexed": 3, "new": 3, "removed": 0, "complete": true})
    );
    let oaks = completed(
        &api,
        &search,
        "search",
        json!({"query": "chanterelles oaks"}),
    )
    .await;
    assert_eq!(ids(&oaks), [format!("knowledge:{worker}:chanterelle-spot")]);
    assert_eq!(oaks["hits"][0]["tags"], json!(["knowledge", worker]));
    assert_eq!(oaks["hits"][0]["source"], "knowledge");
    let spores = completed(
        &api,
        &search,
        "search",
        json!({"query": "toxic spore", "tags": ["knowledge"]}),
    )
    .await;
    assert_eq!(ids(&spores), [format!("knowledge:{worker}:spore-print")]);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let again = completed(&api, &search, "index_knowledge", json!({})).await;
    assert_eq!(
        again,
        json!({"indexed": 2, "new": 0, "removed": 1, "complete": true})
    );
    assert_eq!(
        completed(&api, &search, "search", json!({"query": "truffle"})).await["total"],
        0
    );

    let bad = failed(&api, &search, "index", json!({"documents": []})).await;
    assert_eq!(
        bad,
        "invalid payload: payload.documents: needs at least 1 items"
    );
    let denied = unique_agent_id("search-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&url, wrong_db, &wrong_key)).await;
    let refused = failed(&api, &denied, "search", json!({"query": "straw"})).await;
    assert!(
        refused.starts_with("postgres: rejected the credentials at 127.0.0.1:"),
        "{refused}"
    );
    assert!(!refused.contains(WRONG_PASSWORD));
    let locked_out = failed(&api, &denied, "index_knowledge", json!({})).await;
    assert!(
        locked_out
            .starts_with("orchestrator: rejected the credentials (401): missing or wrong API key"),
        "{locked_out}"
    );
    let lost = unique_agent_id("search-nowhere");
    spawn_healthy(
        &api,
        &mut guard,
        &lost,
        body("http://127.0.0.1:1", no_db, &key),
    )
    .await;
    let no_postgres = failed(&api, &lost, "search", json!({"query": "straw"})).await;
    assert!(
        no_postgres.starts_with("postgres: unreachable at 127.0.0.1:1/myca_test: "),
        "{no_postgres}"
    );
    let no_fleet = failed(&api, &lost, "index_knowledge", json!({})).await;
    assert!(
        no_fleet.starts_with("orchestrator: unreachable: "),
        "{no_fleet}"
    );

    keyring.delete(&key).await.unwrap();
    keyring.delete(&wrong_key).await.unwrap();
    databases.delete(&keyring).await;
    api.stop().await;
    schema.drop().await;
}
