//! `search-agent`: PostgreSQL full-text search over documents it is given
//! and over the fleet's knowledge (read through the orchestrator's API).
//! Each document's title, body and tags are weighted A, B and C in a
//! tsvector under a GIN index; queries use websearch syntax, results are
//! ranked by ts_rank and carry ts_headline snippets. Semantic search is not
//! here: it arrives with vector memory.

use serde_json::{json, Value};

use crate::integration::{all_pages, Cursor};
use crate::kinds::connect::{optional_text, setting};
use crate::kinds::core::fleet_api::{self, api_key_credential, orchestrator};
use crate::kinds::postgres::{connect, database_credential, Db};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS search_documents (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    tags       TEXT[] NOT NULL DEFAULT '{}',
    source     TEXT NOT NULL,
    language   REGCONFIG NOT NULL,
    document   TSVECTOR NOT NULL,
    indexed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS search_documents_document ON search_documents USING GIN (document);
CREATE INDEX IF NOT EXISTS search_documents_tags ON search_documents USING GIN (tags);";

/// Where knowledge entries land: their source, and the prefix of their ids.
const KNOWLEDGE: &str = "knowledge";

async fn open(context: &TaskContext) -> Result<Db, String> {
    let mut db = connect(context).await?;
    db.ensure_tables(TABLES).await?;
    Ok(db)
}

/// Upserts `documents` (`{id, title, body, tags}` each) from `source`;
/// answers how many were new.
async fn upsert(
    db: &Db,
    context: &TaskContext,
    documents: &Value,
    source: &str,
) -> Result<u64, String> {
    let language = setting(context, "text_search_config")?;
    let rows = db
        .client
        .query(
            "INSERT INTO search_documents (id, title, body, tags, source, language, document) \
             SELECT d.id, coalesce(d.title, ''), d.body, coalesce(d.tags, '{}'), $2, $3::text::regconfig, \
                    setweight(to_tsvector($3::text::regconfig, coalesce(d.title, '')), 'A') || \
                    setweight(to_tsvector($3::text::regconfig, d.body), 'B') || \
                    setweight(to_tsvector($3::text::regconfig, array_to_string(coalesce(d.tags, '{}'), ' ')), 'C') \
             FROM jsonb_to_recordset($1::jsonb) AS d(id TEXT, title TEXT, body TEXT, tags TEXT[]) \
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, body = excluded.body, tags = excluded.tags, \
                source = excluded.source, language = excluded.language, document = excluded.document, indexed_at = now() \
             RETURNING (xmax = 0)",
            &[documents, &source, &language],
        )
        .await
        .map_err(|e| db.fail(e))?;
    Ok(rows.iter().filter(|row| row.get::<_, bool>(0)).count() as u64)
}

fn index(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let source = optional_text(payload, "source").unwrap_or("api");
        let db = open(&context).await?;
        let new = upsert(&db, &context, &payload["documents"], source).await?;
        let count = payload["documents"].as_array().map_or(0, Vec::len);
        Ok(json!({"indexed": count, "new": new, "updated": count as u64 - new}))
    })
}

fn search(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let query = optional_text(payload, "query").unwrap_or_default();
        let limit = payload["limit"].as_i64().unwrap_or(10);
        let tags: Vec<String> = payload["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let language = setting(&context, "text_search_config")?;
        let db = open(&context).await?;
        let rows = db
            .client
            .query(
                "SELECT to_jsonb(r) FROM (SELECT id, title, tags, source, ts_rank(document, q) AS rank, \
                        ts_headline(language, body, q, 'MaxFragments=2, MaxWords=20, MinWords=5') AS snippet, \
                        count(*) OVER () AS total \
                 FROM search_documents, websearch_to_tsquery($1::text::regconfig, $2) AS q \
                 WHERE document @@ q AND tags @> $3 ORDER BY rank DESC, id LIMIT $4) r",
                &[&language, &query, &tags, &limit],
            )
            .await
            .map_err(|e| db.fail(e))?;
        let mut hits: Vec<Value> = rows.iter().map(|row| row.get(0)).collect();
        let total = hits
            .first()
            .map_or(0, |hit| hit["total"].as_i64().unwrap_or(0));
        for hit in &mut hits {
            if let Some(fields) = hit.as_object_mut() {
                fields.remove("total");
            }
        }
        Ok(json!({"query": query, "total": total, "hits": hits}))
    })
}

/// The text of a knowledge value: a string as is, otherwise every string
/// and number inside it, one per line (keys are the entry's title).
fn knowledge_text(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Number(number) => out.push(number.to_string()),
        Value::Array(items) => items.iter().for_each(|item| knowledge_text(item, out)),
        Value::Object(fields) => fields.values().for_each(|item| knowledge_text(item, out)),
        Value::Bool(_) | Value::Null => {}
    }
}

fn index_knowledge(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let api = orchestrator(&context)?;
        let max_pages = context.task.payload["max_pages"].as_u64().unwrap_or(100) as usize;
        let cursor = Cursor {
            param: "cursor",
            items: "/knowledge",
            next: "/next_cursor",
            max_pages,
        };
        let query = [("limit", "1000".to_owned())];
        let (entries, cut) = all_pages(&api, "/knowledge", &query, cursor)
            .await
            .map_err(|e| e.to_string())?;
        let documents: Vec<Value> = entries
            .iter()
            .map(|entry| {
                let (agent, key) = (entry["agent_id"].as_str().unwrap_or_default(), entry["key"].as_str().unwrap_or_default());
                let mut lines = Vec::new();
                knowledge_text(&entry["value"], &mut lines);
                json!({"id": format!("{KNOWLEDGE}:{agent}:{key}"), "title": key, "body": lines.join("\n"),
                       "tags": [KNOWLEDGE, agent]})
            })
            .collect();
        let ids: Vec<String> = documents
            .iter()
            .filter_map(|d| d["id"].as_str().map(str::to_owned))
            .collect();
        let db = open(&context).await?;
        let new = upsert(&db, &context, &Value::Array(documents), KNOWLEDGE).await?;
        // Entries deleted or expired since the last run leave the index too,
        // unless the list was cut (what was not read may still exist).
        let removed = if cut {
            0
        } else {
            db.client
                .execute(
                    "DELETE FROM search_documents WHERE source = $1 AND NOT (id = ANY($2))",
                    &[&KNOWLEDGE, &ids],
                )
                .await
                .map_err(|e| db.fail(e))?
        };
        Ok(json!({"indexed": ids.len(), "new": new, "removed": removed, "complete": !cut}))
    })
}

fn settings_schema() -> Value {
    let mut schema = fleet_api::settings_schema();
    schema["properties"]["text_search_config"] = json!({
        "type": "string", "minLength": 1, "default": "english",
        "description": "The PostgreSQL text search configuration (english, simple, german, …)"});
    schema
}

pub fn spec() -> KindSpec {
    let text = |max: u64| json!({"type": "string", "maxLength": max});
    KindSpec {
        kind: "search-agent",
        aliases: vec!["search"],
        category: AgentCategory::Data,
        description: "PostgreSQL full-text search over documents and the fleet's knowledge: weighted title/body/tags, websearch queries ranked by ts_rank with highlighted snippets. Semantic (vector) search is not included: it arrives with vector memory",
        task_types: vec![
            task(
                "index",
                "Add or replace documents in the index",
                json!({"type": "object", "additionalProperties": false, "required": ["documents"],
                       "properties": {
                           "documents": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
                               "type": "object", "additionalProperties": false, "required": ["id", "body"],
                               "properties": {"id": {"type": "string", "minLength": 1, "maxLength": 500}, "title": text(1000),
                                              "body": text(1_000_000),
                                              "tags": {"type": "array", "maxItems": 50, "items": {"type": "string", "minLength": 1, "maxLength": 100}}}}},
                           "source": {"type": "string", "minLength": 1, "maxLength": 100, "default": "api"}}}),
                json!({"type": "object", "required": ["indexed", "new", "updated"],
                       "properties": {"indexed": {"type": "integer"}, "new": {"type": "integer"}, "updated": {"type": "integer"}}}),
                index,
            ),
            task(
                "search",
                "Documents matching `query` (web search syntax: words, \"phrases\", or, -not), best first, with snippets",
                json!({"type": "object", "additionalProperties": false, "required": ["query"],
                       "properties": {"query": {"type": "string", "minLength": 1, "maxLength": 1000},
                                      "tags": {"type": "array", "maxItems": 20, "items": {"type": "string"},
                                               "description": "Only documents with every one of these tags"},
                                      "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}}}),
                json!({"type": "object", "required": ["query", "total", "hits"],
                       "properties": {"query": {"type": "string"}, "total": {"type": "integer"},
                                      "hits": {"type": "array", "items": {"type": "object"}}}}),
                search,
            ),
            task(
                "index_knowledge",
                "Index the fleet's live knowledge entries (GET /knowledge); entries gone since the last run leave the index",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"max_pages": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}}),
                json!({"type": "object", "required": ["indexed", "new", "removed", "complete"],
                       "properties": {"indexed": {"type": "integer"}, "new": {"type": "integer"},
                                      "removed": {"type": "integer"}, "complete": {"type": "boolean"}}}),
                index_knowledge,
            ),
        ],
        credentials: vec![database_credential("search"), api_key_credential("index_knowledge")],
        settings_schema: settings_schema(),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 10 },
        privileges: Vec::new(),
    }
}
