//! `etl-agent` in a real container, spawned by the seed's name for it
//! (`etl`), pulling from a faithful fake of GBIF's and iNaturalist's paging
//! into the real PostgreSQL (a schema of its own): incremental pulls that
//! fetch only what is new, a 429 with Retry-After waited out, server errors
//! mid-run that keep the stored pages and resume after them without
//! duplicates, status (also as `mindex-agent` reads it), a bad payload,
//! a wrong password and an API that is not there.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_biodiversity::{observation, occurrence, Data, FakeBiodiversity, Reply};
use myca_e2e::kinds::{completed, failed, spawn_healthy};
use myca_e2e::pg_schema::{PgSchema, WRONG_PASSWORD};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(kind: &str, url: &str, source: &str) -> Value {
    json!({"agent_type": kind, "category": "data", "memory_limit": 64,
           "settings": if kind == "etl" { json!({"gbif_url": url, "inaturalist_url": url}) } else { json!({}) },
           "credentials": [{"name": "DATABASE_URL", "from": source}]})
}

#[tokio::test]
async fn etl_agent_pulls_incrementally_and_resumes_after_failures() {
    let schema = PgSchema::create("etl").await;
    let pool = schema.connect().await;
    let data = Data {
        occurrences: (1..=45)
            .map(|n| occurrence(1000 + n, &format!("Species {n}")))
            .collect(),
        observations: [3, 5, 8, 13, 21, 34, 55]
            .iter()
            .map(|id| observation(*id, &format!("guess {id}")))
            .collect(),
        ..Data::default()
    };
    let fake = FakeBiodiversity::start(data).await;
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let entries = schema.keyring_entries(&keyring).await;
    let (good, wrong) = (entries.good.clone(), entries.wrong.clone());

    let etl = unique_agent_id("etl");
    let spawned = spawn_healthy(&api, &mut guard, &etl, body("etl", &fake.url(), &good)).await;
    assert_eq!(spawned["agent_type"], "etl-agent");

    // A rate limit is waited out (Retry-After), then two pages are stored.
    fake.script(&[Reply::RateLimited {
        retry_after_seconds: 1,
    }]);
    let first = completed(
        &api,
        &etl,
        "pull",
        json!({"source": "gbif", "max_pages": 2, "page_size": 10}),
    )
    .await;
    assert_eq!(
        first,
        json!({"dataset": "gbif", "source": "gbif", "pages": 2, "fetched": 20, "new": 20,
                              "cursor": 20, "end_of_records": false})
    );
    assert_eq!(
        fake.take_requests(),
        [
            "gbif offset=0 limit=10",
            "gbif offset=0 limit=10",
            "gbif offset=10 limit=10"
        ]
    );

    // The server fails mid-run (503 on every retry): the page before it is kept.
    fake.script(&[
        Reply::Page,
        Reply::ServerError(503),
        Reply::ServerError(503),
        Reply::ServerError(503),
    ]);
    let error = failed(
        &api,
        &etl,
        "pull",
        json!({"source": "gbif", "max_pages": 5, "page_size": 10}),
    )
    .await;
    assert_eq!(error, "gbif: failed on its side (503): Service Unavailable; stopped after 1 pages (10 records, 10 new, kept); the next pull resumes at cursor 30");
    let status = completed(&api, &etl, "status", json!({})).await;
    assert_eq!(status["datasets"][0]["rows"], 30);
    assert_eq!(status["datasets"][0]["cursor"], 30);
    assert_eq!(
        status["datasets"][0]["last_error"],
        "gbif: failed on its side (503): Service Unavailable"
    );
    fake.take_requests();

    // The next pull resumes at 30 and reaches the end; nothing is fetched twice.
    let rest = completed(
        &api,
        &etl,
        "pull",
        json!({"source": "gbif", "max_pages": 5, "page_size": 10}),
    )
    .await;
    assert_eq!(
        (
            rest["fetched"].clone(),
            rest["new"].clone(),
            rest["end_of_records"].clone()
        ),
        (json!(15), json!(15), json!(true))
    );
    assert_eq!(
        fake.take_requests(),
        ["gbif offset=30 limit=10", "gbif offset=40 limit=10"]
    );
    fake.data
        .lock()
        .unwrap()
        .occurrences
        .extend((46..=48).map(|n| occurrence(1000 + n, &format!("Species {n}"))));
    let newer = completed(
        &api,
        &etl,
        "pull",
        json!({"source": "gbif", "page_size": 10}),
    )
    .await;
    assert_eq!(
        (
            newer["fetched"].clone(),
            newer["new"].clone(),
            newer["cursor"].clone()
        ),
        (json!(3), json!(3), json!(48))
    );
    let stored: Vec<(String, String)> = sqlx::query_as(
        "SELECT key, record->>'scientificName' FROM etl_records WHERE dataset = 'gbif' ORDER BY key::int")
        .fetch_all(&pool).await.unwrap();
    assert_eq!(stored.len(), 48);
    assert_eq!(stored[47], ("1048".to_owned(), "Species 48".to_owned()));

    // iNaturalist pages above the highest id seen; an update re-fetched is upserted.
    let first = completed(
        &api,
        &etl,
        "pull",
        json!({"source": "inaturalist", "max_pages": 1, "page_size": 3}),
    )
    .await;
    assert_eq!(
        (first["fetched"].clone(), first["cursor"].clone()),
        (json!(3), json!(8))
    );
    fake.data
        .lock()
        .unwrap()
        .observations
        .push(observation(89, "guess 89"));
    let rest = completed(
        &api,
        &etl,
        "pull",
        json!({"source": "inaturalist", "page_size": 3}),
    )
    .await;
    assert_eq!(
        (
            rest["fetched"].clone(),
            rest["new"].clone(),
            rest["cursor"].clone(),
            rest["end_of_records"].clone()
        ),
        (json!(5), json!(5), json!(89), json!(true))
    );
    let asked: Vec<String> = fake
        .take_requests()
        .into_iter()
        .filter(|r| r.starts_with("inaturalist"))
        .collect();
    assert_eq!(
        asked,
        [
            "inaturalist id_above=0 per_page=3",
            "inaturalist id_above=8 per_page=3",
            "inaturalist id_above=34 per_page=3"
        ]
    );
    // One pull per dataset at a time: a second one, while the first waits
    // out a rate limit, is refused.
    fake.script(&[Reply::RateLimited {
        retry_after_seconds: 3,
    }]);
    let copy = json!({"source": "inaturalist", "dataset": "inat-copy", "page_size": 200});
    let (again, second) = tokio::join!(completed(&api, &etl, "pull", copy.clone()), async {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        failed(&api, &etl, "pull", copy.clone()).await
    });
    assert_eq!(
        second,
        "another pull of dataset \"inat-copy\" is running; pull again once it ends"
    );
    assert_eq!(
        (again["fetched"].clone(), again["new"].clone()),
        (json!(8), json!(8))
    );

    let status = completed(&api, &etl, "status", json!({})).await;
    assert_eq!(status["total_rows"], 48 + 8 + 8, "{status}");
    let datasets: Vec<&str> = status["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(datasets, ["gbif", "inat-copy", "inaturalist"]);
    assert_eq!(status["datasets"][0]["last_error"], Value::Null);
    assert_eq!(status["datasets"][2]["last_run_new"], 5);

    // What mindex-agent reports is what etl-agent wrote.
    let mindex = unique_agent_id("etl-mindex");
    spawn_healthy(&api, &mut guard, &mindex, body("mindex", "", &good)).await;
    assert_eq!(
        completed(&api, &mindex, "etl_status", json!({})).await,
        status
    );

    let bad = failed(
        &api,
        &etl,
        "pull",
        json!({"source": "ebird", "max_pages": 0}),
    )
    .await;
    assert_eq!(bad, "invalid payload: payload.max_pages: must be at least 1; payload.source: must be one of [\"gbif\",\"inaturalist\"]");
    let paging = failed(
        &api,
        &etl,
        "pull",
        json!({"source": "inaturalist", "query": {"taxon_id": 47170, "id_above": 5}}),
    )
    .await;
    assert_eq!(
        paging,
        "query parameter id_above is set by the pull itself (it pages with id_above, per_page, order_by, order)"
    );
    let mixed = failed(
        &api,
        &etl,
        "pull",
        json!({"source": "gbif", "dataset": "inaturalist"}),
    )
    .await;
    assert_eq!(
        mixed,
        "dataset \"inaturalist\" holds records from inaturalist, not gbif: name another dataset"
    );

    let denied = unique_agent_id("etl-denied");
    spawn_healthy(&api, &mut guard, &denied, body("etl", &fake.url(), &wrong)).await;
    let refused = failed(&api, &denied, "pull", json!({"source": "gbif"})).await;
    assert!(
        refused.starts_with("postgres: rejected the credentials at 127.0.0.1:"),
        "{refused}"
    );
    assert!(!refused.contains(WRONG_PASSWORD));
    let lost = unique_agent_id("etl-nowhere");
    spawn_healthy(
        &api,
        &mut guard,
        &lost,
        body("etl", "http://127.0.0.1:1", &good),
    )
    .await;
    let down = failed(
        &api,
        &lost,
        "pull",
        json!({"source": "inaturalist", "dataset": "elsewhere"}),
    )
    .await;
    assert!(down.starts_with("inaturalist: unreachable: "), "{down}");
    assert!(
        down.ends_with(
            "stopped after 0 pages (0 records, 0 new, kept); the next pull resumes at cursor 0"
        ),
        "{down}"
    );

    entries.delete(&keyring).await;
    api.stop().await;
    pool.close().await;
    schema.drop().await;
}
