//! `notion-agent`: a workspace's pages and databases through the Notion
//! API (bearer token, the `Notion-Version` header on every call, lists as
//! `{"results", "has_more", "next_cursor"}` paged by a `start_cursor` in
//! the POSTed body). From version 2025-09-03 a database holds data
//! sources, which are what is queried and what new rows are created in; a
//! database id given under that version is resolved to its data source.
//! Searches and queries only read, though POSTed: they are retried after a
//! 429 (honouring Retry-After) as reads are; writes are not.

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::integration::{Auth, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::{credential, optional_text, path_part, setting};
use crate::kinds::spec::{closed_object, task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const TOKEN: &str = "NOTION_TOKEN";
/// The versions this agent speaks; the header value must be one of them.
const VERSIONS: [&str; 2] = ["2022-06-28", "2025-09-03"];
const DATA_SOURCES: &str = "2025-09-03";
/// Notion's largest page.
const PAGE_SIZE: u64 = 100;

struct Notion {
    service: Service,
    version: &'static str,
}

impl Notion {
    fn of(context: &TaskContext) -> Result<Self, String> {
        let wanted = setting(context, "notion_version")?;
        let version = VERSIONS.into_iter().find(|v| *v == wanted).ok_or_else(|| {
            format!("setting notion_version {wanted:?} is not one of {VERSIONS:?}")
        })?;
        let mut config = ServiceConfig::new(
            "notion",
            &format!("{}/v1", setting(context, "base_url")?.trim_end_matches('/')),
        );
        config.auth = Auth::Bearer(credential(context, TOKEN)?);
        config.headers = vec![("Notion-Version", version)];
        let service = Service::new(config).map_err(|e| e.to_string())?;
        Ok(Self { service, version })
    }

    fn data_sources(&self) -> bool {
        self.version == DATA_SOURCES
    }

    /// Every result of a POSTed list (up to `limit`), and whether more were left.
    async fn all_results(
        &self,
        path: &str,
        body: Value,
        limit: u64,
    ) -> Result<(Vec<Value>, bool), ServiceError> {
        let mut results = Vec::new();
        let mut body = body;
        loop {
            body["page_size"] = json!(PAGE_SIZE.min(limit - results.len() as u64));
            let page = self.service.post_read(path, &body).await?;
            results.extend(page["results"].as_array().into_iter().flatten().cloned());
            let more = page["has_more"] == true;
            match page["next_cursor"].as_str() {
                Some(cursor) if more && (results.len() as u64) < limit => {
                    body["start_cursor"] = json!(cursor)
                }
                _ => return Ok((results, more)),
            }
        }
    }

    /// The data source to query or to create rows in: the one given, or
    /// a database's (its first data source, under 2025-09-03).
    async fn data_source(&self, payload: &Value) -> Result<String, String> {
        if let Some(id) = id(payload, "data_source_id")? {
            return Ok(id.to_owned());
        }
        let database = id(payload, "database_id")?
            .ok_or("invalid payload: give database_id or data_source_id")?;
        let found = self
            .service
            .get(&format!("/databases/{database}"), &[])
            .await
            .map_err(|e| e.to_string())?;
        found["data_sources"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("notion: database {database} has no data source"))
    }
}

/// The payload's id `field`, if given, checked before it goes into a path.
fn id<'a>(payload: &'a Value, field: &str) -> Result<Option<&'a str>, String> {
    match payload.get(field) {
        Some(_) => path_part(payload, field, false).map(Some),
        None => Ok(None),
    }
}

/// Plain text of a rich-text array.
fn plain(rich_text: &Value) -> String {
    rich_text
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|part| part["plain_text"].as_str())
        .collect()
}

/// A property's value as plain JSON, by its type.
fn property_value(property: &Value) -> Value {
    let kind = property["type"].as_str().unwrap_or_default();
    let value = &property[kind];
    match kind {
        "title" | "rich_text" => json!(plain(value)),
        "select" | "status" => value["name"].clone(),
        "multi_select" => value
            .as_array()
            .into_iter()
            .flatten()
            .map(|option| option["name"].clone())
            .collect(),
        "date" => value["start"].clone(),
        "people" | "relation" => value
            .as_array()
            .into_iter()
            .flatten()
            .map(|item| item["id"].clone())
            .collect(),
        "formula" => value[value["type"].as_str().unwrap_or_default()].clone(),
        _ => value.clone(),
    }
}

fn title_of(item: &Value) -> String {
    if let Some(title) = item.get("title") {
        return plain(title);
    }
    item["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .find(|(_, property)| property["type"] == "title")
        .map(|(_, property)| plain(&property["title"]))
        .unwrap_or_default()
}

fn page_view(page: &Value) -> Value {
    let values: Map<String, Value> = page["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| (name.clone(), property_value(property)))
        .collect();
    let trashed = page["in_trash"]
        .as_bool()
        .or(page["archived"].as_bool())
        .unwrap_or(false);
    json!({"id": page["id"], "title": title_of(page), "url": page["url"], "last_edited_time": page["last_edited_time"],
           "in_trash": trashed, "properties": values})
}

fn search(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let notion = Notion::of(&context)?;
        let mut body = json!({});
        if let Some(query) = optional_text(payload, "query") {
            body["query"] = json!(query);
        }
        if let Some(object) = optional_text(payload, "object") {
            // Databases are found as their data sources from 2025-09-03 on.
            let value = match (object, notion.data_sources()) {
                ("database", true) => "data_source",
                ("data_source", false) => "database",
                (object, _) => object,
            };
            body["filter"] = json!({"property": "object", "value": value});
        }
        let limit = payload["limit"].as_u64().unwrap_or(PAGE_SIZE);
        let (found, truncated) = notion
            .all_results("/search", body, limit)
            .await
            .map_err(|e| e.to_string())?;
        let results: Vec<Value> = found
            .iter()
            .map(|item| json!({"object": item["object"], "id": item["id"], "title": title_of(item), "url": item["url"],
                               "last_edited_time": item["last_edited_time"]}))
            .collect();
        Ok(json!({"count": results.len(), "results": results, "truncated": truncated}))
    })
}

fn query_database(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let notion = Notion::of(&context)?;
        let (path, source) = if notion.data_sources() {
            let source = notion.data_source(payload).await?;
            (format!("/data_sources/{source}/query"), Some(source))
        } else {
            let database = id(payload, "database_id")?
                .ok_or("invalid payload: give database_id (data sources need the notion_version setting 2025-09-03)")?;
            (format!("/databases/{database}/query"), None)
        };
        let mut body = json!({});
        for field in ["filter", "sorts"] {
            if let Some(value) = payload.get(field) {
                body[field] = value.clone();
            }
        }
        let limit = payload["limit"].as_u64().unwrap_or(PAGE_SIZE);
        let (rows, truncated) = notion
            .all_results(&path, body, limit)
            .await
            .map_err(|e| e.to_string())?;
        let rows: Vec<Value> = rows.iter().map(page_view).collect();
        Ok(
            json!({"data_source_id": source, "count": rows.len(), "rows": rows, "truncated": truncated}),
        )
    })
}

fn create_page(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let notion = Notion::of(&context)?;
        let parent = if let Some(page) = id(payload, "page_id")? {
            json!({"page_id": page})
        } else if notion.data_sources() {
            json!({"type": "data_source_id", "data_source_id": notion.data_source(payload).await?})
        } else {
            let database = id(payload, "database_id")?.ok_or(
                "invalid payload: give database_id or page_id (data sources need the notion_version setting 2025-09-03)",
            )?;
            json!({"database_id": database})
        };
        let mut body = json!({"parent": parent, "properties": payload["properties"]});
        if let Some(children) = payload.get("children") {
            body["children"] = children.clone();
        }
        let page = notion
            .service
            .post("/pages", Some(&body))
            .await
            .map_err(|e| e.to_string())?;
        Ok(page_view(&page))
    })
}

fn update_page(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let notion = Notion::of(&context)?;
        let mut body = json!({});
        if let Some(properties) = payload.get("properties") {
            body["properties"] = properties.clone();
        }
        if let Some(trash) = payload.get("in_trash") {
            // `archived` until 2025-09-03 named it.
            body[if notion.data_sources() {
                "in_trash"
            } else {
                "archived"
            }] = trash.clone();
        }
        if body.as_object().is_some_and(Map::is_empty) {
            return Err("invalid payload: give properties or in_trash to change".to_owned());
        }
        let page_id = path_part(payload, "page_id", false)?;
        let page = notion
            .service
            .call(
                Method::PATCH,
                &format!("/pages/{page_id}"),
                &[],
                Some(&body),
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(page_view(&page))
    })
}

/// Notion ids: 32 hex digits, with or without the UUID dashes.
fn notion_id(description: &str) -> Value {
    json!({"type": "string", "minLength": 32, "maxLength": 36, "description": description})
}

fn page_result() -> Value {
    json!({"type": "object", "required": ["id", "title", "url", "in_trash", "properties"],
           "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "url": {"type": ["string", "null"]},
                          "last_edited_time": {"type": ["string", "null"]}, "in_trash": {"type": "boolean"},
                          "properties": {"type": "object", "description": "Each property's value as plain JSON"}}})
}

fn limit() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 100, "description": "At most this many results"})
}

pub fn spec() -> KindSpec {
    let properties =
        json!({"type": "object", "description": "Page properties in the Notion API's form"});
    let database = notion_id("A database (its first data source, under 2025-09-03)");
    let source = notion_id("A data source (notion_version 2025-09-03)");
    KindSpec {
        kind: "notion-agent",
        aliases: vec!["notion"],
        category: AgentCategory::Integration,
        description: "Notion through its API: search the workspace, query a database or data source, create and update pages",
        task_types: vec![
            task(
                "search",
                "Pages and databases shared with the integration whose title matches `query`, optionally of one kind",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"query": {"type": "string", "maxLength": 500}, "object": {"enum": ["page", "database", "data_source"]},
                                      "limit": limit()}}),
                json!({"type": "object", "required": ["count", "results", "truncated"],
                       "properties": {"count": {"type": "integer"}, "truncated": {"type": "boolean"},
                                      "results": {"type": "array", "items": {"type": "object", "required": ["object", "id", "title"]}}}}),
                search,
            ),
            task(
                "query_database",
                "Rows of a database or data source (every page up to `limit`), with Notion's `filter` and `sorts`",
                json!({"type": "object", "additionalProperties": false,
                       "properties": {"database_id": database, "data_source_id": source,
                                      "filter": {"type": "object"}, "sorts": {"type": "array", "items": {"type": "object"}},
                                      "limit": limit()}}),
                json!({"type": "object", "required": ["count", "rows", "truncated"],
                       "properties": {"data_source_id": {"type": ["string", "null"]}, "count": {"type": "integer"},
                                      "rows": {"type": "array", "items": page_result()}, "truncated": {"type": "boolean"}}}),
                query_database,
            ),
            task(
                "create_page",
                "A new page: a row of a database or data source, or a child of a page",
                json!({"type": "object", "additionalProperties": false, "required": ["properties"],
                       "properties": {"database_id": database, "data_source_id": source, "page_id": notion_id("A parent page"),
                                      "properties": properties, "children": {"type": "array", "maxItems": 100, "items": {"type": "object"}}}}),
                page_result(),
                create_page,
            ),
            task(
                "update_page",
                "Change a page's properties, or move it to or out of the trash",
                closed_object(json!({"page_id": notion_id("The page"), "properties": properties, "in_trash": {"type": "boolean"}}), &["page_id"]),
                page_result(),
                update_page,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: TOKEN,
            description: "An internal integration's secret (pages and databases must be shared with the integration)",
            check: Some("search"),
        }],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "https://api.notion.com", "description": "The API's address"},
                "notion_version": {"enum": VERSIONS, "default": DATA_SOURCES, "description": "The Notion-Version every call sends"}
            }
        }),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
