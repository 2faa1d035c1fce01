//! `audit-agent` in a real container, spawned by the seed's name for it
//! (`audit`), chaining the history of a fleet whose ledger is the real
//! PostgreSQL the services run (a schema of its own), its `DATABASE_URL`
//! delivered from the OS keyring: seal, seal again (only what is new),
//! verify, export, then tampering done in the database — a task row
//! altered, the chain's last link removed, a link's record rewritten, an
//! action row deleted — each found where it was done; a bad payload, a
//! wrong password and a server that is not there.

use std::time::{Duration, Instant};

use myca_agents::sealing::sha256_hex;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::{test_service_config, ApiServer};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::kinds::{completed, failed, spawn_healthy, spawn_test_agent};
use myca_e2e::pg_schema::{PgSchema, WRONG_PASSWORD};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::secrets::Credentials;
use serde_json::{json, Value};
use sqlx::PgPool;

fn body(source: &str) -> Value {
    json!({"agent_type": "audit", "category": "security", "memory_limit": 64,
           "credentials": [{"name": "DATABASE_URL", "from": source}]})
}

/// Waits until the history writer has stored the actions of `tasks` tasks.
async fn wait_for_actions(pool: &PgPool, tasks: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stored: i64 =
            sqlx::query_scalar("SELECT count(*) FROM agent_logs WHERE action_type LIKE 'task:%'")
                .fetch_one(pool)
                .await
                .unwrap();
        if stored >= tasks {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "only {stored} task actions stored"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn verify(api: &ApiServer, agent: &str, payload: Value) -> Value {
    completed(api, agent, "verify_chain", payload).await
}

#[tokio::test]
async fn audit_agent_chains_verifies_and_finds_tampering() {
    let schema = PgSchema::create("audit").await;
    let api =
        ApiServer::start(test_service_config(DatabaseTarget::Postgres(schema.url.clone())).await)
            .await;
    let pool = schema.connect().await;
    let mut guard = ContainerGuard::new(api.service.first_pool().unwrap().docker());
    let keyring = Credentials::default();
    let entries = schema.keyring_entries(&keyring).await;

    let worker = unique_agent_id("audit-worker");
    spawn_test_agent(&api, &mut guard, &worker).await;
    for n in 1..=3 {
        completed(&api, &worker, "echo", json!({"n": n})).await;
    }
    wait_for_actions(&pool, 3).await;
    let auditor = unique_agent_id("auditor");
    let spawned = spawn_healthy(&api, &mut guard, &auditor, body(&entries.good)).await;
    assert_eq!(spawned["agent_type"], "audit-agent");

    let first = completed(&api, &auditor, "seal", json!({})).await;
    assert_eq!(first["by_source"]["task"], 3, "{first}");
    assert!(
        first["by_source"]["action"].as_i64().unwrap() >= 3,
        "{first}"
    );
    assert_eq!(first["head_seq"], first["sealed"]);
    assert_eq!(first["more"], false);
    // Only what is new: the first seal's own task, now settled.
    let second = completed(&api, &auditor, "seal", json!({})).await;
    assert_eq!(second["by_source"]["task"], 1, "{second}");
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_chain")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(links, second["head_seq"].as_i64().unwrap());
    let held_head = second["head_hash"].as_str().unwrap().to_owned();

    let intact = verify(&api, &auditor, json!({"head_hash": held_head})).await;
    assert_eq!(intact["intact"], true, "{intact}");
    assert_eq!(intact["links"], links);
    assert_eq!(intact["first_broken"], Value::Null);

    // The export proves itself: each line's hash is sha256(prev_hash + record).
    let export = completed(
        &api,
        &auditor,
        "export",
        json!({"from_seq": 1, "to_seq": 4}),
    )
    .await;
    assert_eq!(
        (
            export["count"].clone(),
            export["first_seq"].clone(),
            export["last_seq"].clone()
        ),
        (json!(4), json!(1), json!(4))
    );
    let lines: Vec<Value> = export["jsonl"]
        .as_str()
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut previous = "0".repeat(64);
    for line in &lines {
        assert_eq!(line["prev_hash"], previous);
        let record = line["record"].as_str().unwrap();
        assert_eq!(
            line["hash"],
            sha256_hex(format!("{previous}{record}").as_bytes())
        );
        previous = line["hash"].as_str().unwrap().to_owned();
    }
    let first_action = lines
        .iter()
        .find(|l| l["source"] == "action")
        .expect("an action is chained");
    let record: Value = serde_json::from_str(first_action["record"].as_str().unwrap()).unwrap();
    assert_eq!(
        record["row"]["id"].to_string(),
        first_action["source_id"].as_str().unwrap()
    );

    // A settled task rewritten in SQL is found, and only while it differs.
    let (task_id, seq): (String, i64) = sqlx::query_as(
        "SELECT source_id, seq FROM audit_chain WHERE source = 'task' ORDER BY seq LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let original: Value =
        sqlx::query_scalar(&format!("SELECT result FROM tasks WHERE id = '{task_id}'"))
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query(&format!(
        "UPDATE tasks SET result = '{{\"n\": 999}}' WHERE id = '{task_id}'"
    ))
    .execute(&pool)
    .await
    .unwrap();
    let altered = verify(&api, &auditor, json!({})).await;
    assert_eq!(altered["intact"], false);
    assert_eq!(
        altered["first_broken"],
        json!({"seq": seq, "source": "task", "source_id": task_id,
        "problem": format!("tasks row {task_id} was altered since it was sealed")})
    );
    sqlx::query("UPDATE tasks SET result = $1 WHERE id = $2::uuid")
        .bind(&original)
        .bind(&task_id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(verify(&api, &auditor, json!({})).await["intact"], true);

    // The last link removed: only the head kept elsewhere tells.
    sqlx::query(&format!("DELETE FROM audit_chain WHERE seq = {links}"))
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(
        verify(&api, &auditor, json!({"check_sources": false})).await["intact"],
        true
    );
    let cut = verify(
        &api,
        &auditor,
        json!({"check_sources": false, "head_hash": held_head}),
    )
    .await;
    assert_eq!(cut["first_broken"]["seq"], links);
    assert_eq!(
        cut["first_broken"]["problem"],
        format!("the head {held_head} is not in the chain: links were removed or rewritten")
    );

    // A link's record rewritten in the chain table.
    sqlx::query(
        "UPDATE audit_chain SET record = replace(record, '\"n\":', '\"m\":') WHERE source = 'task'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let rewritten = verify(&api, &auditor, json!({"check_sources": false})).await;
    assert_eq!(rewritten["first_broken"]["seq"], seq);
    assert_eq!(
        rewritten["first_broken"]["problem"],
        "its record or hash was altered"
    );

    // An action deleted from the history.
    let action_id = first_action["source_id"].as_str().unwrap();
    sqlx::query(&format!("DELETE FROM agent_logs WHERE id = {action_id}"))
        .execute(&pool)
        .await
        .unwrap();
    let deleted = verify(&api, &auditor, json!({})).await;
    assert_eq!(
        deleted["first_broken"],
        json!({"seq": first_action["seq"], "source": "action", "source_id": action_id,
        "problem": format!("agent_logs row {action_id} was deleted")})
    );
    assert!(deleted["problems"].as_i64().unwrap() >= 2, "{deleted}");

    let bad = failed(
        &api,
        &auditor,
        "export",
        json!({"from_seq": 0, "format": "csv"}),
    )
    .await;
    assert_eq!(bad, "invalid payload: payload.format: is not a known field; payload.from_seq: must be at least 1");
    let denied = unique_agent_id("audit-denied");
    spawn_healthy(&api, &mut guard, &denied, body(&entries.wrong)).await;
    let refused = failed(&api, &denied, "seal", json!({})).await;
    assert!(!refused.contains(WRONG_PASSWORD));
    assert!(
        refused.starts_with("postgres: rejected the credentials at 127.0.0.1:"),
        "{refused}"
    );
    assert!(
        refused.ends_with(
            "password authentication failed for user \"myca\"; check the credential DATABASE_URL"
        ),
        "{refused}"
    );
    let down = unique_agent_id("audit-down");
    spawn_healthy(&api, &mut guard, &down, body(&entries.nowhere)).await;
    let unreachable = failed(&api, &down, "verify_chain", json!({})).await;
    assert!(
        unreachable.starts_with("postgres: unreachable at 127.0.0.1:1/myca_test: "),
        "{unreachable}"
    );

    entries.delete(&keyring).await;
    api.stop().await;
    pool.close().await;
    schema.drop().await;
}
