//! Where `etl-agent` keeps what it pulled: `etl_records` (one row per
//! record, keyed by dataset and the source's own id, so a page fetched twice
//! updates rather than duplicates) and `etl_datasets` (each dataset's
//! high-water mark and last run). `mindex-agent` reads the same tables.

use serde_json::{json, Value};

use crate::kinds::postgres::Db;

pub const TABLES: &str = "
CREATE TABLE IF NOT EXISTS etl_records (
    dataset    TEXT NOT NULL,
    key        TEXT NOT NULL,
    record     JSONB NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL DEFAULT now(),
    fetched_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, key)
);
CREATE TABLE IF NOT EXISTS etl_datasets (
    dataset          TEXT PRIMARY KEY,
    source           TEXT NOT NULL,
    cursor           BIGINT NOT NULL DEFAULT 0,
    last_run_at      TIMESTAMPTZ,
    last_run_pages   INTEGER,
    last_run_fetched INTEGER,
    last_run_new     INTEGER,
    last_error       TEXT
);";

/// Makes this session the only one pulling `dataset` until it ends: two
/// pulls at once would read the same mark and fetch the same pages.
pub async fn claim(db: &Db, dataset: &str) -> Result<(), String> {
    let claimed = db
        .client
        .query_one(
            "SELECT pg_try_advisory_lock(hashtext('myca etl ' || $1::text))",
            &[&dataset],
        )
        .await
        .map_err(|e| db.fail(e))?;
    if claimed.get::<_, bool>(0) {
        Ok(())
    } else {
        Err(format!(
            "another pull of dataset {dataset:?} is running; pull again once it ends"
        ))
    }
}

/// The high-water mark of `dataset` (0 before its first pull); fails when
/// the dataset was pulled from another source.
pub async fn cursor(db: &Db, dataset: &str, source: &str) -> Result<i64, String> {
    let row = db
        .client
        .query_opt(
            "SELECT source, cursor FROM etl_datasets WHERE dataset = $1",
            &[&dataset],
        )
        .await
        .map_err(|e| db.fail(e))?;
    match row {
        None => Ok(0),
        Some(row) if row.get::<_, String>(0) == source => Ok(row.get(1)),
        Some(row) => Err(format!(
            "dataset {dataset:?} holds records from {}, not {source}: name another dataset",
            row.get::<_, String>(0)
        )),
    }
}

/// Upserts one page's `records` (`{"key", "record"}` each) and moves the
/// high-water mark to `cursor`, in one transaction: a run that stops later
/// keeps this page and resumes after it. Answers how many records were new.
pub async fn save_page(
    db: &mut Db,
    dataset: &str,
    source: &str,
    records: &Value,
    cursor: i64,
) -> Result<u64, String> {
    let fail = db.failer();
    let tx = db.client.transaction().await.map_err(&fail)?;
    let inserted = tx
        .query(
            "INSERT INTO etl_records (dataset, key, record) \
             SELECT $1::text, item->>'key', item->'record' FROM jsonb_array_elements($2::jsonb) AS item \
             ON CONFLICT (dataset, key) DO UPDATE SET record = excluded.record, fetched_at = now() \
             RETURNING (xmax = 0) AS inserted",
            &[&dataset, records],
        )
        .await
        .map_err(&fail)?;
    tx.execute(
        "INSERT INTO etl_datasets (dataset, source, cursor) VALUES ($1, $2, $3) \
         ON CONFLICT (dataset) DO UPDATE SET cursor = excluded.cursor",
        &[&dataset, &source, &cursor],
    )
    .await
    .map_err(&fail)?;
    tx.commit().await.map_err(&fail)?;
    Ok(inserted.iter().filter(|row| row.get::<_, bool>(0)).count() as u64)
}

/// What a run did, whether it ended well (`error` is `None`) or not.
pub struct Run<'a> {
    pub dataset: &'a str,
    pub source: &'a str,
    pub pages: u32,
    pub fetched: u64,
    pub new: u64,
    pub error: Option<&'a str>,
}

pub async fn record_run(db: &Db, run: &Run<'_>) -> Result<(), String> {
    let (pages, fetched, new) = (run.pages as i32, run.fetched as i32, run.new as i32);
    db.client
        .execute(
            "INSERT INTO etl_datasets (dataset, source, last_run_at, last_run_pages, last_run_fetched, last_run_new, last_error) \
             VALUES ($1, $2, now(), $3, $4, $5, $6) \
             ON CONFLICT (dataset) DO UPDATE SET last_run_at = now(), last_run_pages = excluded.last_run_pages, \
             last_run_fetched = excluded.last_run_fetched, last_run_new = excluded.last_run_new, \
             last_error = excluded.last_error",
            &[&run.dataset, &run.source, &pages, &fetched, &new, &run.error],
        )
        .await
        .map_err(|e| db.fail(e))?;
    Ok(())
}

/// Every dataset with its row count, high-water mark and last run; an
/// empty list where `etl-agent` never ran.
pub async fn status(db: &Db) -> Result<Value, String> {
    let written = db
        .client
        .query_one("SELECT to_regclass('etl_datasets') IS NOT NULL", &[])
        .await
        .map_err(|e| db.fail(e))?;
    if !written.get::<_, bool>(0) {
        return Ok(json!({"datasets": [], "total_rows": 0}));
    }
    let rows = db
        .client
        .query(
            "SELECT to_jsonb(s) FROM (SELECT d.dataset, d.source, d.cursor, \
             (SELECT count(*) FROM etl_records r WHERE r.dataset = d.dataset) AS rows, \
             d.last_run_at, d.last_run_pages, d.last_run_fetched, d.last_run_new, d.last_error \
             FROM etl_datasets d ORDER BY d.dataset) s",
            &[],
        )
        .await
        .map_err(|e| db.fail(e))?;
    let datasets: Vec<Value> = rows.iter().map(|row| row.get(0)).collect();
    let total: i64 = datasets.iter().filter_map(|d| d["rows"].as_i64()).sum();
    Ok(json!({"datasets": datasets, "total_rows": total}))
}
