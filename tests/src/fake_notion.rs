//! The Notion API on loopback, answering as its reference documents:
//! `/v1` paths, `Authorization: Bearer`, a required `Notion-Version`
//! header (400 `missing_version` without it) that decides the shapes —
//! until 2022-06-28 databases are queried and created in, from 2025-09-03
//! a database holds data sources and those are; lists as `{"object":
//! "list", "results", "next_cursor", "has_more"}` paged by `start_cursor`
//! and `page_size` (at most 100); errors as `{"object": "error", "status",
//! "code", "message"}` (401 `unauthorized`, 404 `object_not_found`, 400
//! `validation_error`, 429 `rate_limited`, 5xx); pages with typed
//! properties (title, select, number) filtered and sorted as its query
//! language says.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::fake_api::{bearer, error, header, Served};

pub const DATABASE: &str = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9";
pub const DATA_SOURCE: &str = "248104cd-477e-80af-bc30-000bd28de8f9";
pub const RUNBOOK: &str = "59833787-2cf9-4fdf-8782-e53db20768a5";
const NEW_API: &str = "2025-09-03";

struct Fake {
    token: String,
    pages: Mutex<Vec<Value>>,
}

pub struct FakeNotion {
    served: Served,
    fake: Arc<Fake>,
}

fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "validation_error",
        401 => "unauthorized",
        404 => "object_not_found",
        429 => "rate_limited",
        503 => "service_unavailable",
        502 => "bad_gateway",
        _ => "internal_server_error",
    }
}

fn shape(status: StatusCode, message: &str) -> Value {
    json!({"object": "error", "status": status.as_u16(), "code": code_of(status), "message": message,
           "request_id": uuid::Uuid::new_v4().to_string()})
}

fn failure(status: StatusCode, message: &str) -> Response {
    error(status, shape(status, message))
}

fn not_found(what: &str, id: &str) -> Response {
    failure(StatusCode::NOT_FOUND, &format!("Could not find {what} with ID: {id}. Make sure the relevant pages and databases are shared with your integration."))
}

fn rich_text(text: &str) -> Value {
    json!([{"type": "text", "text": {"content": text, "link": null}, "plain_text": text, "href": null,
            "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"}}])
}

/// The data source's properties: name → type.
const SCHEMA: [(&str, &str); 3] = [
    ("Name", "title"),
    ("Status", "select"),
    ("Priority", "number"),
];

/// A property as stored, from the form a request gives it in.
fn stored_property(kind: &str, given: &Value) -> Option<Value> {
    let value = match kind {
        "title" => {
            let text: String = given["title"]
                .as_array()?
                .iter()
                .filter_map(|t| t["text"]["content"].as_str())
                .collect();
            rich_text(&text)
        }
        "select" => {
            json!({"id": "opt", "name": given["select"]["name"].as_str()?, "color": "default"})
        }
        _ => given.get(kind)?.clone(),
    };
    Some(json!({"id": kind, "type": kind, kind: value}))
}

fn page(id: &str, parent: Value, properties: Value) -> Value {
    let title: String = properties
        .as_object()
        .unwrap()
        .values()
        .filter(|p| p["type"] == "title")
        .flat_map(|p| {
            p["title"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|t| t["plain_text"].as_str())
                .map(str::to_owned)
        })
        .collect();
    json!({"object": "page", "id": id, "created_time": "2026-12-01T10:00:00.000Z", "last_edited_time": "2026-12-06T09:00:00.000Z",
           "archived": false, "in_trash": false, "parent": parent, "properties": properties,
           "url": format!("https://www.notion.so/{}-{}", title.replace(' ', "-"), id.replace('-', ""))})
}

fn row(name: &str, status: &str, priority: u64, version: &str) -> Value {
    let parent = if version == NEW_API {
        json!({"type": "data_source_id", "data_source_id": DATA_SOURCE, "database_id": DATABASE})
    } else {
        json!({"type": "database_id", "database_id": DATABASE})
    };
    page(
        &uuid::Uuid::new_v4().to_string(),
        parent,
        json!({
            "Name": {"id": "title", "type": "title", "title": rich_text(name)},
            "Status": {"id": "select", "type": "select", "select": {"id": "opt", "name": status, "color": "default"}},
            "Priority": {"id": "number", "type": "number", "number": priority},
        }),
    )
}

fn list(items: Vec<Value>, body: &Value, kind: &str) -> Response {
    let size = body["page_size"].as_u64().unwrap_or(100);
    if size == 0 || size > 100 {
        return failure(
            StatusCode::BAD_REQUEST,
            &format!(
                "body failed validation: body.page_size should be ≤ `100`, instead was `{size}`."
            ),
        );
    }
    let start = match body["start_cursor"].as_str() {
        Some(cursor) => match items.iter().position(|i| i["id"] == cursor) {
            Some(at) => at,
            None => {
                return failure(
                    StatusCode::BAD_REQUEST,
                    "body failed validation: body.start_cursor should be a valid uuid.",
                )
            }
        },
        None => 0,
    };
    let shown: Vec<Value> = items
        .iter()
        .skip(start)
        .take(size as usize)
        .cloned()
        .collect();
    let next = items.get(start + size as usize).map(|i| i["id"].clone());
    Json(json!({"object": "list", "results": shown, "next_cursor": next, "has_more": next.is_some(), "type": kind, kind: {}}))
        .into_response()
}

/// The caller's API version, or why the call is refused.
/// (Boxed: a refusal is the rare, large case.)
fn version(fake: &Fake, headers: &HeaderMap) -> Result<String, Box<Response>> {
    if bearer(headers) != Some(fake.token.as_str()) {
        return Err(Box::new(failure(
            StatusCode::UNAUTHORIZED,
            "API token is invalid.",
        )));
    }
    match header(headers, "notion-version") {
        None => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            json!({"object": "error", "status": 400, "code": "missing_version",
            "message": "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`."}),
        ))),
        Some(v) if v == "2022-06-28" || v == NEW_API => Ok(v.to_owned()),
        Some(v) => Err(Box::new(failure(
            StatusCode::BAD_REQUEST,
            &format!("Notion-Version header failed validation: unsupported version {v}."),
        ))),
    }
}

fn database(version: &str) -> Value {
    let title = rich_text("Fleet tasks");
    if version == NEW_API {
        json!({"object": "database", "id": DATABASE, "title": title, "data_sources": [{"id": DATA_SOURCE, "name": "Fleet tasks"}]})
    } else {
        let properties: Map<String, Value> = SCHEMA
            .iter()
            .map(|(n, t)| {
                (
                    (*n).to_owned(),
                    json!({"id": t, "name": n, "type": t, *t: {}}),
                )
            })
            .collect();
        json!({"object": "database", "id": DATABASE, "title": title, "properties": properties, "url": "https://www.notion.so/1f2e3d4c5b6a49788695a4b3c2d1e0f9"})
    }
}

async fn search(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let version = match version(&fake, &headers) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let database_kind = if version == NEW_API {
        "data_source"
    } else {
        "database"
    };
    let wanted = body["filter"]["value"].as_str();
    if let Some(value) = wanted {
        if value != "page" && value != database_kind {
            return failure(StatusCode::BAD_REQUEST, &format!("body failed validation: body.filter.value should be `\"page\"` or `\"{database_kind}\"`, instead was `\"{value}\"`."));
        }
    }
    let query = body["query"].as_str().unwrap_or_default().to_lowercase();
    let source = if version == NEW_API {
        json!({"object": "data_source", "id": DATA_SOURCE, "title": rich_text("Fleet tasks"), "parent": {"type": "database_id", "database_id": DATABASE}})
    } else {
        database(&version)
    };
    let mut items = vec![source];
    items.extend(fake.pages.lock().unwrap().iter().cloned());
    let found: Vec<Value> = items
        .into_iter()
        .filter(|i| wanted.is_none_or(|w| i["object"] == w))
        .filter(|i| i["in_trash"] != true)
        .filter(|i| {
            let title = i
                .get("title")
                .map(|t| t[0]["plain_text"].as_str().unwrap_or_default().to_owned())
                .unwrap_or_else(|| {
                    i["properties"]["Name"]["title"][0]["plain_text"]
                        .as_str()
                        .or(i["properties"]["title"]["title"][0]["plain_text"].as_str())
                        .unwrap_or_default()
                        .to_owned()
                });
            title.to_lowercase().contains(&query)
        })
        .collect();
    list(found, &body, "page_or_database")
}

async fn get_database(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let version = match version(&fake, &headers) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    if id.replace('-', "") != DATABASE.replace('-', "") {
        return not_found("database", &id);
    }
    Json(database(&version)).into_response()
}

/// Whether `page` passes a filter of Notion's query language (one property condition, or `and`).
fn passes(page: &Value, filter: &Value) -> Result<bool, String> {
    if let Some(all) = filter["and"].as_array() {
        return all
            .iter()
            .try_fold(true, |ok, f| Ok(ok && passes(page, f)?));
    }
    let name = filter["property"].as_str().ok_or(
        "body failed validation: body.filter.property should be defined, instead was `undefined`.",
    )?;
    let Some((_, kind)) = SCHEMA.iter().find(|(n, _)| *n == name) else {
        return Err(format!("Could not find property with name or id: {name}"));
    };
    let condition = &filter[*kind];
    let property = &page["properties"][name];
    Ok(match *kind {
        "select" => property["select"]["name"] == condition["equals"],
        "number" => {
            let n = property["number"].as_f64().unwrap_or_default();
            condition["greater_than"].as_f64().is_none_or(|v| n > v)
                && condition["equals"].as_f64().is_none_or(|v| n == v)
        }
        _ => property["title"][0]["plain_text"]
            .as_str()
            .unwrap_or_default()
            .contains(condition["contains"].as_str().unwrap_or_default()),
    })
}

fn query_rows(fake: &Fake, body: &Value) -> Response {
    let mut rows: Vec<Value> = Vec::new();
    for page in fake
        .pages
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p["parent"]["database_id"] == DATABASE && p["in_trash"] != true)
    {
        match body.get("filter").map_or(Ok(true), |f| passes(page, f)) {
            Ok(true) => rows.push(page.clone()),
            Ok(false) => {}
            Err(problem) => return failure(StatusCode::BAD_REQUEST, &problem),
        }
    }
    if let Some(sort) = body["sorts"][0].as_object() {
        let name = sort["property"].as_str().unwrap_or_default().to_owned();
        rows.sort_by(|a, b| {
            a["properties"][&name]["number"]
                .as_f64()
                .partial_cmp(&b["properties"][&name]["number"].as_f64())
                .unwrap()
        });
        if sort.get("direction") == Some(&json!("descending")) {
            rows.reverse();
        }
    }
    list(rows, body, "page_or_data_source")
}

async fn query_database(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let version = match version(&fake, &headers) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    if version == NEW_API {
        return failure(StatusCode::BAD_REQUEST, "Database query is not supported in this API version: query its data source at /v1/data_sources/{id}/query.");
    }
    if id != DATABASE {
        return not_found("database", &id);
    }
    query_rows(&fake, &body)
}

async fn query_data_source(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let version = match version(&fake, &headers) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    if version != NEW_API {
        return failure(StatusCode::BAD_REQUEST, "Invalid request URL.");
    }
    if id != DATA_SOURCE {
        return not_found("data_source", &id);
    }
    query_rows(&fake, &body)
}

/// The request's properties as stored, or Notion's refusal.
fn properties_of(given: &Value) -> Result<Map<String, Value>, String> {
    let mut stored = Map::new();
    for (name, value) in given
        .as_object()
        .ok_or("body failed validation: body.properties should be an object.")?
    {
        let Some((_, kind)) = SCHEMA.iter().find(|(n, _)| n == name) else {
            return Err(format!("{name} is not a property that exists."));
        };
        let property = stored_property(kind, value).ok_or_else(|| format!("body failed validation: body.properties.{name}.{kind} should be defined, instead was `undefined`."))?;
        stored.insert(name.clone(), property);
    }
    Ok(stored)
}

async fn create_page(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let version = match version(&fake, &headers) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let parent = &body["parent"];
    let in_table =
        match (
            parent["database_id"].as_str(),
            parent["data_source_id"].as_str(),
            parent["page_id"].as_str(),
        ) {
            (Some(DATABASE), None, None) if version != NEW_API => true,
            (None, Some(DATA_SOURCE), None) if version == NEW_API => true,
            (None, None, Some(RUNBOOK)) => false,
            (None, None, None) => return failure(
                StatusCode::BAD_REQUEST,
                "body failed validation: body.parent should be defined, instead was `undefined`.",
            ),
            (database, source, page) => {
                return not_found("parent", database.or(source).or(page).unwrap_or_default())
            }
        };
    let properties = if in_table {
        match properties_of(&body["properties"]) {
            Ok(properties) => properties,
            Err(problem) => return failure(StatusCode::BAD_REQUEST, &problem),
        }
    } else {
        let title = body["properties"]["title"].clone();
        let Some(stored) = stored_property("title", &title) else {
            return failure(StatusCode::BAD_REQUEST, "body failed validation: body.properties.title should be defined, instead was `undefined`.");
        };
        Map::from_iter([("title".to_owned(), stored)])
    };
    let parent = if in_table {
        row("", "", 0, &version)["parent"].clone()
    } else {
        json!({"type": "page_id", "page_id": RUNBOOK})
    };
    let created = page(
        &uuid::Uuid::new_v4().to_string(),
        parent,
        Value::Object(properties),
    );
    fake.pages.lock().unwrap().push(created.clone());
    Json(created).into_response()
}

async fn update_page(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let version = match version(&fake, &headers) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let changes = match body.get("properties").map(properties_of).transpose() {
        Ok(changes) => changes.unwrap_or_default(),
        Err(problem) => return failure(StatusCode::BAD_REQUEST, &problem),
    };
    let mut pages = fake.pages.lock().unwrap();
    let Some(page) = pages.iter_mut().find(|p| p["id"] == id.as_str()) else {
        return not_found("page", &id);
    };
    for (name, value) in changes {
        page["properties"][name] = value;
    }
    let trash = if version == NEW_API {
        "in_trash"
    } else {
        "archived"
    };
    if let Some(flag) = body[trash].as_bool() {
        page["in_trash"] = json!(flag);
        page["archived"] = json!(flag);
    }
    page["last_edited_time"] = json!("2026-12-06T10:00:00.000Z");
    Json(page.clone()).into_response()
}

impl FakeNotion {
    /// `rows` rows in the Fleet tasks database (priorities 0..rows, every
    /// third `Done`, the others `Open`) and the page [`RUNBOOK`]; `token` is
    /// the integration's one valid secret.
    pub async fn start(token: &str, rows: u64) -> Self {
        let mut pages: Vec<Value> = (0..rows)
            .map(|i| {
                row(
                    &format!("Task {i}"),
                    if i % 3 == 0 { "Done" } else { "Open" },
                    i,
                    NEW_API,
                )
            })
            .collect();
        pages.push(page(
            RUNBOOK,
            json!({"type": "workspace", "workspace": true}),
            json!({"title": {"id": "title", "type": "title", "title": rich_text("Runbook")}}),
        ));
        let fake = Arc::new(Fake {
            token: token.to_owned(),
            pages: Mutex::new(pages),
        });
        let router = Router::new()
            .route("/v1/search", post(search))
            .route("/v1/databases/{id}", get(get_database))
            .route("/v1/databases/{id}/query", post(query_database))
            .route("/v1/data_sources/{id}/query", post(query_data_source))
            .route("/v1/pages", post(create_page))
            .route("/v1/pages/{id}", patch(update_page))
            .with_state(fake.clone());
        Self {
            served: Served::start(router, shape).await,
            fake,
        }
    }

    /// The page `id` as stored.
    pub fn page(&self, id: &str) -> Value {
        self.fake
            .pages
            .lock()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap()
            .clone()
    }
}

impl std::ops::Deref for FakeNotion {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
