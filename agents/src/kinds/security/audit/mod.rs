//! `audit-agent`: a tamper-evident, hash-chained record of the fleet's SQL
//! history (agent actions, settled tasks, the operator's audit trail).
//!
//! It reads the history straight from the fleet's PostgreSQL ledger
//! (credential `DATABASE_URL`) rather than through the orchestrator's API:
//! the API has no route for agent actions, pages tasks newest first (no
//! cheap "everything since the last seal"), and the agent needs the
//! database anyway for its own table; reading the rows themselves is also
//! what lets verification notice a row altered or deleted in SQL. So the
//! fleet must keep its ledger in PostgreSQL (an SQLite ledger cannot be
//! reached from a container).

mod chain;

use serde_json::{json, Value};
use tokio_postgres::Transaction;

use crate::kinds::postgres::{connect, database_credential, Db};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};
use chain::{first_broken_link, link_hash, record, sources, Link, GENESIS};

/// Opens the database and checks it holds the fleet's history.
async fn open(context: &TaskContext) -> Result<Db, String> {
    let mut db = connect(context).await?;
    for source in sources() {
        let found = db
            .client
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&source.table])
            .await
            .map_err(|e| db.fail(e))?;
        if !found.get::<_, bool>(0) {
            return Err(format!(
                "this database has no {} table: {} must name the fleet's PostgreSQL ledger",
                source.table,
                crate::kinds::postgres::DATABASE_URL
            ));
        }
    }
    db.ensure_tables(chain::TABLES).await?;
    Ok(db)
}

/// The last link's sequence number and hash (0 and [`GENESIS`] when empty).
async fn head(
    tx: &Transaction<'_>,
    fail: &impl Fn(tokio_postgres::Error) -> String,
) -> Result<(i64, String), String> {
    let last = tx
        .query_opt(
            "SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await
        .map_err(fail)?;
    Ok(last.map_or((0, GENESIS.to_owned()), |row| (row.get(0), row.get(1))))
}

fn seal(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let limit = context.task.payload["max_records"]
            .as_i64()
            .unwrap_or(10_000);
        let mut db = open(&context).await?;
        let fail = db.failer();
        let tx = db.client.transaction().await.map_err(&fail)?;
        // One sealer at a time, so links are never forked.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('myca audit_chain'))",
            &[],
        )
        .await
        .map_err(&fail)?;
        let (mut seq, mut hash) = head(&tx, &fail).await?;
        let mut links = Vec::new();
        let mut by_source = serde_json::Map::new();
        for source in sources() {
            let left = limit - links.len() as i64;
            let rows = tx
                .query(&source.unsealed_sql(), &[&left])
                .await
                .map_err(&fail)?;
            by_source.insert(source.name.to_owned(), json!(rows.len()));
            for row in rows {
                let id: String = row.get(0);
                let text = record(source.name, &id, &row.get::<_, Value>(1));
                let prev_hash = std::mem::take(&mut hash);
                hash = link_hash(&prev_hash, &text);
                seq += 1;
                links.push(json!({"seq": seq, "source": source.name, "source_id": id,
                                  "record": text, "prev_hash": prev_hash, "hash": hash}));
            }
        }
        tx.execute(
            "INSERT INTO audit_chain (seq, source, source_id, record, prev_hash, hash) \
             SELECT seq, source, source_id, record, prev_hash, hash \
             FROM jsonb_to_recordset($1::jsonb) AS l(seq BIGINT, source TEXT, source_id TEXT, record TEXT, prev_hash TEXT, hash TEXT)",
            &[&Value::Array(links.clone())],
        )
        .await
        .map_err(&fail)?;
        tx.commit().await.map_err(&fail)?;
        Ok(
            json!({"sealed": links.len(), "by_source": by_source, "head_seq": seq, "head_hash": hash,
                  "more": links.len() as i64 >= limit}),
        )
    })
}

fn verify_chain(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let db = open(&context).await?;
        let links: Vec<Link> = db
            .client
            .query("SELECT seq, source, source_id, record, prev_hash, hash FROM audit_chain ORDER BY seq", &[])
            .await
            .map_err(|e| db.fail(e))?
            .iter()
            .map(|row| Link {
                seq: row.get(0),
                source: row.get(1),
                source_id: row.get(2),
                record: row.get(3),
                prev_hash: row.get(4),
                hash: row.get(5),
            })
            .collect();
        let mut problems = Vec::new();
        if let Some(broken) = first_broken_link(&links) {
            problems.push((broken.seq, broken.problem));
        }
        if let Some(held) = payload["head_hash"].as_str() {
            if !links.iter().any(|link| link.hash == held) {
                let last = links.last().map_or(0, |link| link.seq);
                problems.push((
                    last + 1,
                    format!("the head {held} is not in the chain: links were removed or rewritten"),
                ));
            }
        }
        if payload["check_sources"] != false {
            for source in sources() {
                let rows = db
                    .client
                    .query(&source.compare_sql(), &[])
                    .await
                    .map_err(|e| db.fail(e))?;
                for row in rows {
                    let (seq, id, sealed): (i64, String, String) =
                        (row.get(0), row.get(1), row.get(2));
                    let problem = match row.get::<_, Option<Value>>(3) {
                        None => format!("{} row {id} was deleted", source.table),
                        Some(now) if record(source.name, &id, &now) != sealed => {
                            format!("{} row {id} was altered since it was sealed", source.table)
                        }
                        Some(_) => continue,
                    };
                    problems.push((seq, problem));
                }
            }
        }
        problems.sort_by_key(|(seq, _)| *seq);
        let first = problems.first().map(|(seq, problem)| {
            let link = links.iter().find(|link| link.seq == *seq);
            json!({"seq": seq, "source": link.map(|l| &l.source), "source_id": link.map(|l| &l.source_id),
                   "problem": problem})
        });
        Ok(json!({
            "intact": problems.is_empty(),
            "links": links.len(),
            "head_hash": links.last().map_or(GENESIS, |link| link.hash.as_str()),
            "problems": problems.len(),
            "first_broken": first,
        }))
    })
}

fn export(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let from = payload["from_seq"].as_i64().unwrap_or(1);
        let to = payload["to_seq"].as_i64().unwrap_or(i64::MAX);
        let limit = payload["limit"].as_i64().unwrap_or(1000);
        let db = open(&context).await?;
        let rows = db
            .client
            .query(
                "SELECT to_jsonb(l) FROM (SELECT seq, source, source_id, record, prev_hash, hash, sealed_at \
                 FROM audit_chain WHERE seq BETWEEN $1 AND $2 ORDER BY seq LIMIT $3) l",
                &[&from, &to, &limit],
            )
            .await
            .map_err(|e| db.fail(e))?;
        let lines: Vec<String> = rows
            .iter()
            .map(|row| row.get::<_, Value>(0).to_string())
            .collect();
        let seq_at =
            |row: Option<&tokio_postgres::Row>| row.map(|r| r.get::<_, Value>(0)["seq"].clone());
        Ok(json!({
            "count": lines.len(),
            "first_seq": seq_at(rows.first()),
            "last_seq": seq_at(rows.last()),
            "jsonl": lines.join("\n"),
        }))
    })
}

pub fn spec() -> KindSpec {
    let seq = json!({"type": "integer", "minimum": 1});
    KindSpec {
        kind: "audit-agent",
        aliases: vec!["audit"],
        category: AgentCategory::Security,
        description: "A tamper-evident audit of the fleet's SQL history: agent actions, settled tasks and the operator's audit trail chained by SHA-256 (previous hash + canonical JSON) in its own PostgreSQL table; verification finds the first broken link and rows altered or deleted since they were sealed (rows removed by history retention show as deleted); export as JSON lines. Needs the fleet's ledger in PostgreSQL",
        task_types: vec![
            task(
                "seal",
                "Chain the history rows not sealed yet (at most `max_records`)",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"max_records": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 10_000}}}),
                json!({"type": "object", "required": ["sealed", "by_source", "head_seq", "head_hash", "more"],
                       "properties": {"sealed": {"type": "integer"}, "by_source": {"type": "object"}, "head_seq": {"type": "integer"},
                                      "head_hash": {"type": "string"}, "more": {"type": "boolean"}}}),
                seal,
            ),
            task(
                "verify_chain",
                "Recompute every link; report the first broken one and rows changed since sealing",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {
                           "check_sources": {"type": "boolean", "default": true,
                                             "description": "Also compare each sealed record with its row as it is now"},
                           "head_hash": {"type": "string", "minLength": 64, "maxLength": 64,
                                         "description": "A head hash kept elsewhere (from seal): proves no link after it was removed"}}}),
                json!({"type": "object", "required": ["intact", "links", "head_hash", "problems", "first_broken"],
                       "properties": {"intact": {"type": "boolean"}, "links": {"type": "integer"}, "head_hash": {"type": "string"},
                                      "problems": {"type": "integer"}, "first_broken": {"type": ["object", "null"]}}}),
                verify_chain,
            ),
            task(
                "export",
                "Links `from_seq` to `to_seq` as JSON lines, each with its record, previous hash and hash",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"from_seq": seq, "to_seq": seq,
                                      "limit": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1000}}}),
                json!({"type": "object", "required": ["count", "first_seq", "last_seq", "jsonl"],
                       "properties": {"count": {"type": "integer"}, "first_seq": {"type": ["integer", "null"]},
                                      "last_seq": {"type": ["integer", "null"]}, "jsonl": {"type": "string"}}}),
                export,
            ),
        ],
        credentials: vec![database_credential("verify_chain")],
        settings_schema: crate::kinds::spec::no_settings(),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 2 },
        privileges: Vec::new(),
    }
}
