//! `etl-agent`: pulls a public API's pages (GBIF occurrences, iNaturalist
//! observations) into PostgreSQL, incrementally. Each page is upserted by
//! the source's record id together with the dataset's high-water mark in
//! one transaction, so a pull stopped by a rate limit or a server error
//! keeps what it stored and the next pull resumes after it, without
//! duplicates. 429s (with Retry-After) and 5xx are retried by the
//! integration layer before a pull gives up. One pull per dataset runs at
//! a time (a session advisory lock, released with the connection).

mod sources;
pub(in crate::kinds) mod store;

use serde_json::{json, Value};

use crate::integration::{Service, ServiceConfig};
use crate::kinds::connect::{optional_text, setting, text};
use crate::kinds::postgres::{connect, database_credential, Db};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};
use sources::Source;

/// What one pull did so far.
#[derive(Default)]
struct Progress {
    pages: u32,
    fetched: u64,
    new: u64,
    cursor: i64,
    end: bool,
}

/// The payload's extra query parameters for `source`; the paging ones are
/// the pull's own.
fn extra_query(payload: &Value, source: Source) -> Result<Vec<(String, String)>, String> {
    let paging: Vec<&str> = source
        .query(0, 1)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    payload["query"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| {
            if paging.contains(&name.as_str()) {
                return Err(format!(
                    "query parameter {name} is set by the pull itself (it pages with {})",
                    paging.join(", ")
                ));
            }
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            Ok((name.clone(), text))
        })
        .collect()
}

/// Fetches and stores up to `max_pages` pages after `progress.cursor`.
async fn pull_pages(
    db: &mut Db,
    api: &Service,
    payload: &Value,
    extra: &[(String, String)],
    source: Source,
    dataset: &str,
    progress: &mut Progress,
) -> Result<(), String> {
    let page_size = payload["page_size"].as_u64().unwrap_or(100);
    let max_pages = payload["max_pages"].as_u64().unwrap_or(10);
    while u64::from(progress.pages) < max_pages && !progress.end {
        let mut query = source.query(progress.cursor, page_size);
        query.extend(
            extra
                .iter()
                .map(|(name, value)| (name.as_str(), value.clone())),
        );
        let answer = api
            .get(source.path(), &query)
            .await
            .map_err(|e| e.to_string())?;
        let page = source.page(&answer, progress.cursor, page_size)?;
        progress.new +=
            store::save_page(db, dataset, source.name(), &page.records, page.next).await?;
        progress.pages += 1;
        progress.fetched += page.count;
        progress.cursor = page.next;
        progress.end = page.end;
    }
    Ok(())
}

fn pull(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let source = Source::named(text(payload, "source")).ok_or("unknown source")?;
        let extra = extra_query(payload, source)?;
        let dataset = optional_text(payload, "dataset")
            .unwrap_or(source.name())
            .to_owned();
        let api = Service::new(ServiceConfig::new(
            source.name(),
            setting(&context, source.url_setting())?,
        ))
        .map_err(|e| e.to_string())?;
        let mut db = connect(&context).await?;
        db.ensure_tables(store::TABLES).await?;
        store::claim(&db, &dataset).await?;
        let mut progress = Progress {
            cursor: store::cursor(&db, &dataset, source.name()).await?,
            ..Progress::default()
        };
        let outcome = pull_pages(
            &mut db,
            &api,
            payload,
            &extra,
            source,
            &dataset,
            &mut progress,
        )
        .await;
        let run = store::Run {
            dataset: &dataset,
            source: source.name(),
            pages: progress.pages,
            fetched: progress.fetched,
            new: progress.new,
            error: outcome.as_ref().err().map(String::as_str),
        };
        store::record_run(&db, &run).await?;
        match outcome {
            Ok(()) => Ok(json!({
                "dataset": dataset, "source": source.name(), "pages": progress.pages,
                "fetched": progress.fetched, "new": progress.new, "cursor": progress.cursor,
                "end_of_records": progress.end,
            })),
            Err(error) => Err(format!(
                "{error}; stopped after {} pages ({} records, {} new, kept); the next pull resumes at cursor {}",
                progress.pages, progress.fetched, progress.new, progress.cursor
            )),
        }
    })
}

fn status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let db = connect(&context).await?;
        store::status(&db).await
    })
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "etl-agent",
        aliases: vec!["etl"],
        category: AgentCategory::Data,
        description: "Pulls a public API's pages (GBIF occurrence search, iNaturalist observations) into PostgreSQL, incrementally: upsert by the source's id, a high-water mark per dataset, resume after a rate limit or server error without duplicates",
        task_types: vec![
            task(
                "pull",
                "Fetch up to `max_pages` pages after the dataset's high-water mark and upsert them",
                json!({"type": "object", "additionalProperties": false, "required": ["source"],
                       "properties": {
                           "source": {"enum": ["gbif", "inaturalist"]},
                           "dataset": {"type": "string", "minLength": 1, "maxLength": 100,
                                       "description": "Where the records go (default: the source's name); one per source and query"},
                           "max_pages": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
                           "page_size": {"type": "integer", "minimum": 1, "maximum": 200, "default": 100,
                                         "description": "GBIF takes up to 300, iNaturalist up to 200"},
                           "query": {"type": "object", "additionalProperties": {"type": ["string", "integer", "boolean"]},
                                     "description": "More query parameters for the source (taxonKey, country, taxon_id, place_id, …)"}}}),
                json!({"type": "object", "required": ["dataset", "source", "pages", "fetched", "new", "cursor", "end_of_records"],
                       "properties": {"dataset": {"type": "string"}, "source": {"type": "string"}, "pages": {"type": "integer"},
                                      "fetched": {"type": "integer"}, "new": {"type": "integer"}, "cursor": {"type": "integer"},
                                      "end_of_records": {"type": "boolean"}}}),
                pull,
            ),
            task(
                "status",
                "Each dataset: rows, high-water mark, last run and its error",
                json!({"description": "Ignored"}),
                json!({"type": "object", "required": ["datasets", "total_rows"],
                       "properties": {"datasets": {"type": "array", "items": {"type": "object"}}, "total_rows": {"type": "integer"}}}),
                status,
            ),
        ],
        credentials: vec![database_credential("status")],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "gbif_url": {"type": "string", "default": "https://api.gbif.org", "description": "GBIF's API"},
                "inaturalist_url": {"type": "string", "default": "https://api.inaturalist.org", "description": "iNaturalist's API"}
            }
        }),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 2 },
        privileges: Vec::new(),
    }
}
