//! A Supabase project on loopback, answering as its services document:
//! the API gateway wants the project key in `apikey` (401 `Invalid API
//! key` otherwise); Auth (GoTrue) `POST /auth/v1/token?grant_type=password`
//! answers an access token and the user, or 400 `invalid_credentials`;
//! PostgREST `/rest/v1/{table}` reads with `select`, `column=op.value`
//! filters, `order` and `limit`, inserts with `Prefer:
//! return=representation` (and `resolution=merge-duplicates` to upsert),
//! and fails as PostgREST does (`{"code", "details", "hint", "message"}`:
//! PGRST205 unknown table, PGRST100 unparsable filter, 42703 unknown
//! column, 23505 duplicate key, 42501 row-level security); Storage `POST
//! /storage/v1/object/{bucket}/{path}` answers `{"Key", "Id"}`, or
//! `{"statusCode", "error", "message"}` for a missing bucket or an
//! existing file without `x-upsert`. The table `devices` has row-level
//! security: the service role sees every row, a signed-in user only the
//! rows it owns, and the anon role none.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_api::{bearer, error, header, Served};

pub const USER_EMAIL: &str = "fleet-bot@example.com";
pub const USER_ID: &str = "8f9d4c2e-1b7a-4e3d-9a6f-2c5b8e1d0a47";
pub const OTHER_USER: &str = "0d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
pub const BUCKET: &str = "reports";
const COLUMNS: [&str; 4] = ["id", "name", "status", "owner"];

pub struct Project {
    pub rows: Vec<Value>,
    /// bucket/path → (content type, bytes).
    pub objects: BTreeMap<String, (String, Vec<u8>)>,
    /// Access tokens handed out.
    tokens: Vec<String>,
}

struct Fake {
    service_key: String,
    anon_key: String,
    password: String,
    project: Mutex<Project>,
}

pub struct FakeSupabase {
    served: Served,
    fake: Arc<Fake>,
}

fn postgrest(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    error(
        status,
        json!({"code": code, "details": details, "hint": null, "message": message}),
    )
}

fn shape(_: StatusCode, message: &str) -> Value {
    json!({"message": message})
}

enum Role {
    Service,
    Anon,
    User,
}

impl Fake {
    /// Who calls: the gateway's key check, then the bearer's role.
    /// (Boxed: a refusal is the rare, large case.)
    fn role(&self, headers: &HeaderMap) -> Result<Role, Box<Response>> {
        match header(headers, "apikey") {
            None => {
                return Err(Box::new(error(
                    StatusCode::UNAUTHORIZED,
                    json!({"message": "No API key found in request", "hint": "No `apikey` request header or url param was found."}),
                )))
            }
            Some(key) if key != self.service_key && key != self.anon_key => {
                return Err(Box::new(error(
                    StatusCode::UNAUTHORIZED,
                    json!({"message": "Invalid API key", "hint": "Double check your Supabase `anon` or `service_role` API key."}),
                )))
            }
            Some(_) => {}
        }
        match bearer(headers) {
            Some(token) if token == self.service_key => Ok(Role::Service),
            None => Ok(Role::Anon),
            Some(token) if token == self.anon_key => Ok(Role::Anon),
            Some(token)
                if self
                    .project
                    .lock()
                    .unwrap()
                    .tokens
                    .iter()
                    .any(|t| t == token) =>
            {
                Ok(Role::User)
            }
            Some(_) => Err(Box::new(postgrest(
                StatusCode::UNAUTHORIZED,
                "PGRST301",
                "JWSError JWSInvalidSignature",
                Value::Null,
            ))),
        }
    }
}

async fn token(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(refused) = fake.role(&headers) {
        return *refused;
    }
    if query.get("grant_type").map(String::as_str) != Some("password") {
        return error(
            StatusCode::BAD_REQUEST,
            json!({"code": 400, "error_code": "validation_failed", "msg": "Unsupported grant type"}),
        );
    }
    if body["email"] != USER_EMAIL || body["password"] != fake.password.as_str() {
        return error(
            StatusCode::BAD_REQUEST,
            json!({"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"}),
        );
    }
    let access = format!("eyJhbGciOiJIUzI1NiJ9.{}", uuid::Uuid::new_v4().simple());
    fake.project.lock().unwrap().tokens.push(access.clone());
    Json(json!({"access_token": access, "token_type": "bearer", "expires_in": 3600, "expires_at": 1796558400,
                "refresh_token": uuid::Uuid::new_v4().simple().to_string(),
                "user": {"id": USER_ID, "aud": "authenticated", "role": "authenticated", "email": USER_EMAIL,
                         "email_confirmed_at": "2026-11-01T10:00:00Z", "app_metadata": {"provider": "email"}}}))
        .into_response()
}

/// Whether `row` passes PostgREST's `op.value` on `column`.
fn passes(row: &Value, column: &str, condition: &str) -> Result<bool, Box<Response>> {
    let unparsable = || {
        Box::new(postgrest(
            StatusCode::BAD_REQUEST,
            "PGRST100",
            &format!("\"failed to parse filter ({condition})\" (line 1, column 1)"),
            json!(format!("unexpected \"{condition}\" expecting operator")),
        ))
    };
    let (operator, value) = condition.split_once('.').ok_or_else(unparsable)?;
    let cell = &row[column];
    let text = cell.as_str().map_or(cell.to_string(), str::to_owned);
    let number = |v: &str| v.parse::<f64>().ok();
    let compare = |ordering: fn(f64, f64) -> bool| match (cell.as_f64(), number(value)) {
        (Some(a), Some(b)) => ordering(a, b),
        _ => false,
    };
    Ok(match operator {
        "eq" => text == value,
        "neq" => text != value,
        "gt" => compare(|a, b| a > b),
        "gte" => compare(|a, b| a >= b),
        "lt" => compare(|a, b| a < b),
        "lte" => compare(|a, b| a <= b),
        "in" => value.trim_matches(['(', ')']).split(',').any(|v| v == text),
        _ => return Err(unparsable()),
    })
}

fn unknown_table(table: &str) -> Response {
    postgrest(
        StatusCode::NOT_FOUND,
        "PGRST205",
        &format!("Could not find the table 'public.{table}' in the schema cache"),
        Value::Null,
    )
}

async fn select(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(table): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Response {
    let role = match fake.role(&headers) {
        Ok(role) => role,
        Err(refused) => return *refused,
    };
    if table != "devices" {
        return unknown_table(&table);
    }
    let mut rows: Vec<Value> = match role {
        Role::Service => fake.project.lock().unwrap().rows.clone(),
        Role::User => fake
            .project
            .lock()
            .unwrap()
            .rows
            .iter()
            .filter(|r| r["owner"] == USER_ID)
            .cloned()
            .collect(),
        Role::Anon => Vec::new(),
    };
    let (mut columns, mut limit) = (COLUMNS.to_vec(), usize::MAX);
    for (name, value) in &query {
        match name.as_str() {
            "select" if value != "*" => columns = value.split(',').collect(),
            "select" => {}
            "limit" => limit = value.parse().unwrap_or(usize::MAX),
            "order" => {
                let (column, direction) = value.split_once('.').unwrap_or((value, "asc"));
                let column = column.to_owned();
                rows.sort_by(|a, b| match (a[&column].as_f64(), b[&column].as_f64()) {
                    (Some(x), Some(y)) => x.partial_cmp(&y).unwrap(),
                    _ => a[&column].to_string().cmp(&b[&column].to_string()),
                });
                if direction == "desc" {
                    rows.reverse();
                }
            }
            column if !COLUMNS.contains(&column) => {
                return postgrest(
                    StatusCode::BAD_REQUEST,
                    "42703",
                    &format!("column devices.{column} does not exist"),
                    Value::Null,
                )
            }
            column => {
                let mut kept = Vec::new();
                for row in rows {
                    match passes(&row, column, value) {
                        Ok(true) => kept.push(row),
                        Ok(false) => {}
                        Err(refused) => return *refused,
                    }
                }
                rows = kept;
            }
        }
    }
    if let Some(unknown) = columns.iter().find(|c| !COLUMNS.contains(c)) {
        return postgrest(
            StatusCode::BAD_REQUEST,
            "42703",
            &format!("column devices.{unknown} does not exist"),
            Value::Null,
        );
    }
    let shown: Vec<Value> = rows
        .into_iter()
        .take(limit)
        .map(|row| {
            columns
                .iter()
                .map(|c| ((*c).to_owned(), row[*c].clone()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect();
    Json(shown).into_response()
}

async fn insert(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(table): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let role = match fake.role(&headers) {
        Ok(role) => role,
        Err(refused) => return *refused,
    };
    if table != "devices" {
        return unknown_table(&table);
    }
    let prefer = header(&headers, "prefer").unwrap_or_default();
    let merge = prefer.contains("resolution=merge-duplicates");
    let given = match body {
        Value::Array(rows) => rows,
        row => vec![row],
    };
    let mut project = fake.project.lock().unwrap();
    let mut stored = Vec::new();
    for row in given {
        if let Some(column) = row
            .as_object()
            .unwrap()
            .keys()
            .find(|c| !COLUMNS.contains(&c.as_str()))
        {
            return postgrest(
                StatusCode::BAD_REQUEST,
                "PGRST204",
                &format!("Could not find the '{column}' column of 'devices' in the schema cache"),
                Value::Null,
            );
        }
        let allowed = match role {
            Role::Service => true,
            Role::User => row["owner"] == USER_ID,
            Role::Anon => false,
        };
        if !allowed {
            return postgrest(
                StatusCode::FORBIDDEN,
                "42501",
                "new row violates row-level security policy for table \"devices\"",
                Value::Null,
            );
        }
        let full: Value = COLUMNS
            .iter()
            .map(|c| ((*c).to_owned(), row.get(*c).cloned().unwrap_or(Value::Null)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        match project.rows.iter_mut().find(|r| r["id"] == full["id"]) {
            Some(existing) if merge => {
                for (column, value) in row.as_object().unwrap() {
                    existing[column] = value.clone();
                }
                stored.push(existing.clone());
            }
            Some(_) => {
                return postgrest(
                    StatusCode::CONFLICT,
                    "23505",
                    "duplicate key value violates unique constraint \"devices_pkey\"",
                    json!(format!("Key (id)=({}) already exists.", full["id"])),
                )
            }
            None => {
                project.rows.push(full.clone());
                stored.push(full);
            }
        }
    }
    if prefer.contains("return=representation") {
        (StatusCode::CREATED, Json(Value::Array(stored))).into_response()
    } else {
        StatusCode::CREATED.into_response()
    }
}

fn storage_error(code: &str, name: &str, message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        json!({"statusCode": code, "error": name, "message": message}),
    )
}

async fn upload(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path((bucket, path)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    match fake.role(&headers) {
        Ok(Role::Service | Role::User) => {}
        Ok(Role::Anon) => {
            return storage_error(
                "403",
                "Unauthorized",
                "new row violates row-level security policy",
            )
        }
        Err(refused) => return *refused,
    }
    if bucket != BUCKET {
        return storage_error("404", "Bucket not found", "Bucket not found");
    }
    let key = format!("{bucket}/{path}");
    let mut project = fake.project.lock().unwrap();
    if project.objects.contains_key(&key) && header(&headers, "x-upsert") != Some("true") {
        return storage_error("409", "Duplicate", "The resource already exists");
    }
    let content_type = header(&headers, "content-type")
        .unwrap_or("text/plain;charset=UTF-8")
        .to_owned();
    project
        .objects
        .insert(key.clone(), (content_type, body.to_vec()));
    Json(json!({"Key": key, "Id": uuid::Uuid::new_v4().to_string()})).into_response()
}

fn device(id: u64, name: &str, status: &str, owner: &str) -> Value {
    json!({"id": id, "name": name, "status": status, "owner": owner})
}

impl FakeSupabase {
    /// A project whose keys are `service_key` and `anon_key`, whose user
    /// [`USER_EMAIL`] signs in with `password`, with four devices (two of
    /// the user's) and the bucket [`BUCKET`].
    pub async fn start(service_key: &str, anon_key: &str, password: &str) -> Self {
        let rows = vec![
            device(1, "gw-1", "online", USER_ID),
            device(2, "gw-2", "offline", USER_ID),
            device(3, "lab-1", "online", OTHER_USER),
            device(4, "lab-2", "online", OTHER_USER),
        ];
        let fake = Arc::new(Fake {
            service_key: service_key.to_owned(),
            anon_key: anon_key.to_owned(),
            password: password.to_owned(),
            project: Mutex::new(Project {
                rows,
                objects: BTreeMap::new(),
                tokens: Vec::new(),
            }),
        });
        let router = Router::new()
            .route("/auth/v1/token", post(token))
            .route("/rest/v1/{table}", get(select).post(insert))
            .route("/storage/v1/object/{bucket}/{*path}", post(upload))
            .with_state(fake.clone());
        Self {
            served: Served::start(router, shape).await,
            fake,
        }
    }

    pub fn project(&self) -> std::sync::MutexGuard<'_, Project> {
        self.fake.project.lock().unwrap()
    }
}

impl std::ops::Deref for FakeSupabase {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
