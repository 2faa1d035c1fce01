//! `supabase-agent` in real containers, spawned by the seed's name for it
//! (`supabase`), against a faithful fake of a Supabase project (gateway
//! key check, Auth password grant, PostgREST, Storage), its project key and
//! its user's password delivered from the OS keyring by reference: the
//! user signed in; rows selected with filters and order as the service
//! role and, under row-level security, as the user; rows inserted, refused
//! (duplicate key, row-level security) and upserted; files uploaded as
//! text and as base64, refused when they exist and replaced with upsert; a
//! 429 waited out; bad payloads, a wrong key, a wrong password and a
//! project that is down.

use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fake_api::Mishap;
use myca_e2e::fake_supabase::{FakeSupabase, BUCKET, OTHER_USER, USER_EMAIL, USER_ID};
use myca_e2e::kinds::{completed, failed, fields, spawn_healthy};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};

fn body(base_url: &str, key: &str, password: &str) -> Value {
    json!({
        "agent_type": "supabase", "category": "integration", "memory_limit": 64,
        "settings": {"base_url": base_url, "user_email": USER_EMAIL},
        "credentials": [{"name": "SUPABASE_KEY", "from": key}, {"name": "SUPABASE_USER_PASSWORD", "from": password}],
    })
}

fn ids(answer: &Value) -> Vec<u64> {
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn supabase_agent_signs_in_reads_writes_rows_and_uploads_files() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::sqlite_in(dir.path())).await).await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let service_key = format!("sb_secret_{}", uuid::Uuid::new_v4().simple());
    let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
    let supabase = FakeSupabase::start(&service_key, "sb_publishable_anon", &password).await;
    let keyring = Credentials::default();
    let entry = |what: &str| format!("e2e/{what}-{}", uuid::Uuid::new_v4().simple());
    let (key, pass, wrong_key, wrong_pass) = (
        entry("sb-key"),
        entry("sb-pass"),
        entry("sb-wrong-key"),
        entry("sb-wrong-pass"),
    );
    keyring.set(&key, &service_key).await.unwrap();
    keyring.set(&pass, &password).await.unwrap();
    keyring
        .set(&wrong_key, "sb_secret_not-the-key")
        .await
        .unwrap();
    keyring.set(&wrong_pass, "not-the-password").await.unwrap();

    let ops = unique_agent_id("supabase");
    let spawned = spawn_healthy(&api, &mut guard, &ops, body(&supabase.url(), &key, &pass)).await;
    assert_eq!(spawned["agent_type"], "supabase-agent", "{spawned}");

    // The user signs in; the token stays inside the agent.
    let signed = completed(&api, &ops, "sign_in", json!({})).await;
    assert_eq!(
        signed,
        json!({"user_id": USER_ID, "email": USER_EMAIL, "role": "authenticated", "expires_in": 3600})
    );

    // Rows: as the service role every online device, newest id first (a 429 waited out) …
    supabase.mishap(Mishap::RateLimited { retry_after: 1 });
    let online = completed(
        &api,
        &ops,
        "select_rows",
        json!({"table": "devices", "filters": {"status": "eq.online"}, "order": "id.desc"}),
    )
    .await;
    assert_eq!(ids(&online), [4, 3, 1], "{online}");
    assert_eq!(supabase.mishaps(), 1);
    let named = completed(
        &api,
        &ops,
        "select_rows",
        json!({"table": "devices", "select": "id,name", "filters": {"id": "gte.3"}, "limit": 1}),
    )
    .await;
    assert_eq!(named["rows"], json!([{"id": 3, "name": "lab-1"}]));
    // … and as the user only its own rows.
    let mine = completed(
        &api,
        &ops,
        "select_rows",
        json!({"table": "devices", "as_user": true, "order": "id.asc"}),
    )
    .await;
    assert_eq!(ids(&mine), [1, 2]);

    // Inserts: the user's own row; not another's; not a duplicate; an upsert merges.
    let added = completed(
        &api,
        &ops,
        "insert_rows",
        json!({"table": "devices", "as_user": true,
        "rows": [{"id": 5, "name": "gw-3", "status": "online", "owner": USER_ID}]}),
    )
    .await;
    assert_eq!(
        fields(&added, &["table", "inserted"]),
        json!(["devices", 1])
    );
    assert_eq!(added["rows"][0]["name"], "gw-3");
    let foreign = failed(
        &api,
        &ops,
        "insert_rows",
        json!({"table": "devices", "as_user": true,
        "rows": [{"id": 6, "name": "x", "status": "online", "owner": OTHER_USER}]}),
    )
    .await;
    assert_eq!(foreign, "supabase: the credentials lack permission (403): new row violates row-level security policy for table \"devices\"");
    let duplicate = failed(
        &api,
        &ops,
        "insert_rows",
        json!({"table": "devices", "rows": [{"id": 1, "name": "again"}]}),
    )
    .await;
    assert_eq!(duplicate, "supabase: refused the request (409): duplicate key value violates unique constraint \"devices_pkey\"");
    let merged = completed(
        &api,
        &ops,
        "insert_rows",
        json!({"table": "devices", "upsert": true, "rows": [{"id": 1, "status": "maintenance"}]}),
    )
    .await;
    assert_eq!(
        fields(&merged["rows"][0], &["id", "name", "status"]),
        json!([1, "gw-1", "maintenance"])
    );
    assert_eq!(supabase.project().rows.len(), 5);
    let missing = failed(&api, &ops, "select_rows", json!({"table": "nope"})).await;
    assert_eq!(
        missing,
        "supabase: not found (404): Could not find the table 'public.nope' in the schema cache"
    );

    // Storage: text, then base64; an existing file needs upsert.
    let csv = "id,status\n1,maintenance\n";
    let upload = json!({"bucket": BUCKET, "path": "2026/12/fleet.csv", "text": csv, "content_type": "text/csv"});
    let stored = completed(&api, &ops, "upload_object", upload.clone()).await;
    assert_eq!(
        fields(&stored, &["key", "bytes", "content_type"]),
        json!(["reports/2026/12/fleet.csv", csv.len(), "text/csv"])
    );
    let again = failed(&api, &ops, "upload_object", upload.clone()).await;
    assert_eq!(
        again,
        "supabase: refused the request (400): The resource already exists"
    );
    let mut replace = upload;
    replace["upsert"] = json!(true);
    replace["text"] = json!("id,status\n");
    completed(&api, &ops, "upload_object", replace).await;
    let png = [0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff];
    let image = completed(&api, &ops, "upload_object", json!({"bucket": BUCKET, "path": "logo.png", "base64": "iVBORw0KGgoA/w==", "content_type": "image/png"})).await;
    assert_eq!(image["bytes"], png.len());
    {
        let project = supabase.project();
        assert_eq!(
            project.objects["reports/2026/12/fleet.csv"],
            ("text/csv".to_owned(), b"id,status\n".to_vec())
        );
        assert_eq!(
            project.objects["reports/logo.png"],
            ("image/png".to_owned(), png.to_vec())
        );
    }
    let no_bucket = failed(
        &api,
        &ops,
        "upload_object",
        json!({"bucket": "nope", "path": "a.txt", "text": "a"}),
    )
    .await;
    assert_eq!(
        no_bucket,
        "supabase: refused the request (400): Bucket not found"
    );

    // Bad payloads, refused before any call.
    let operator = failed(
        &api,
        &ops,
        "select_rows",
        json!({"table": "devices", "filters": {"status": "bogus.x"}}),
    )
    .await;
    assert!(
        operator.starts_with(
            "invalid payload: payload.filters.status: give a column and \"operator.value\""
        ),
        "{operator}"
    );
    let climbing = failed(
        &api,
        &ops,
        "upload_object",
        json!({"bucket": BUCKET, "path": "../../auth/v1/x", "text": "a"}),
    )
    .await;
    assert!(
        climbing.starts_with("invalid payload: payload.path"),
        "{climbing}"
    );
    let both = failed(
        &api,
        &ops,
        "upload_object",
        json!({"bucket": BUCKET, "path": "a", "text": "a", "base64": "YQ=="}),
    )
    .await;
    assert_eq!(both, "invalid payload: give exactly one of text, base64");
    let no_rows = failed(&api, &ops, "insert_rows", json!({"table": "devices"})).await;
    assert_eq!(no_rows, "invalid payload: payload.rows: is required");

    // A wrong key, a wrong password, and a project that is not there.
    let denied = unique_agent_id("supabase-denied");
    spawn_healthy(
        &api,
        &mut guard,
        &denied,
        body(&supabase.url(), &wrong_key, &wrong_pass),
    )
    .await;
    let refused = failed(&api, &denied, "select_rows", json!({"table": "devices"})).await;
    assert_eq!(
        refused,
        "supabase: rejected the credentials (401): Invalid API key; check the credential"
    );
    let locked_out = unique_agent_id("supabase-locked");
    spawn_healthy(
        &api,
        &mut guard,
        &locked_out,
        body(&supabase.url(), &key, &wrong_pass),
    )
    .await;
    let wrong_password = failed(&api, &locked_out, "sign_in", json!({})).await;
    assert_eq!(wrong_password, format!("supabase: the user {USER_EMAIL} could not sign in: Invalid login credentials; check the credential SUPABASE_USER_PASSWORD"));
    let down = unique_agent_id("supabase-down");
    spawn_healthy(
        &api,
        &mut guard,
        &down,
        body("http://127.0.0.1:1", &key, &pass),
    )
    .await;
    let unreachable = failed(&api, &down, "select_rows", json!({"table": "devices"})).await;
    assert!(
        unreachable.starts_with("supabase: unreachable: "),
        "{unreachable}"
    );
    for text in [&refused, &wrong_password, &unreachable] {
        assert!(!text.contains(&service_key) && !text.contains(&password));
    }

    for name in [&key, &pass, &wrong_key, &wrong_pass] {
        keyring.delete(name).await.unwrap();
    }
    api.stop().await;
}
