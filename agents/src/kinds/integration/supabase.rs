//! `supabase-agent`: a Supabase project's Auth, tables and Storage. Every
//! call names the project with its API key in `apikey` and says who calls
//! with a bearer token: the same key, or — for a task run `as_user` — the
//! access token a password grant (`/auth/v1/token?grant_type=password`)
//! gave the agent's user, so row-level security applies to that user.
//! Tables go through PostgREST (`/rest/v1/{table}`, filters as
//! `column=op.value`), files through Storage (`/storage/v1/object/{bucket}/{path}`).

use base64::Engine;
use reqwest::Method;
use serde_json::{json, Value};

use crate::integration::{Auth, Body, Redactor, Secret, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::{credential, optional_text, path_part, setting};
use crate::kinds::spec::{closed_object, task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const KEY: &str = "SUPABASE_KEY";
const PASSWORD: &str = "SUPABASE_USER_PASSWORD";
/// PostgREST's filter operators this agent passes on.
const OPERATORS: [&str; 11] = [
    "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "is", "in", "not",
];

fn config(context: &TaskContext, auth: Auth) -> Result<ServiceConfig, String> {
    let mut config = ServiceConfig::new("supabase", setting(context, "base_url")?);
    config.auth = auth;
    Ok(config)
}

/// A password grant for the agent's user: (access token, the user, seconds it lasts).
async fn sign_in_user(context: &TaskContext) -> Result<(Secret, Value, Value), String> {
    let email = setting(context, "user_email")?;
    if email.is_empty() {
        return Err(
            "setting \"user_email\" is not set: the agent signs in as that user".to_owned(),
        );
    }
    let password = credential(context, PASSWORD)?;
    let login = config(
        context,
        Auth::Header {
            name: "apikey",
            value: credential(context, KEY)?,
        },
    )?;
    let auth = Service::new(login).map_err(|e| e.to_string())?;
    // The password travels in the body, which the service's redactor does not know.
    let mut redactor = Redactor::default();
    redactor.learn(password.expose());
    let body = json!({"email": email, "password": password.expose()});
    let query = [("grant_type", "password".to_owned())];
    let granted = auth
        .call(Method::POST, "/auth/v1/token", &query, Some(&body))
        .await
        .map_err(|error| match error {
            // GoTrue answers a refused password grant with 400 `invalid_credentials`.
            ServiceError::Rejected { status: 400, message, .. } => {
                format!("supabase: the user {email} could not sign in: {message}; check the credential {PASSWORD}")
            }
            other => other.to_string(),
        })
        .map_err(|message| redactor.redact(&message))?;
    let token = granted["access_token"]
        .as_str()
        .ok_or("supabase: the token answer has no access_token")?;
    Ok((
        Secret::new(token),
        granted["user"].clone(),
        granted["expires_in"].clone(),
    ))
}

/// The project's service: as the key's role, or as the signed-in user.
async fn project(context: &TaskContext, prefer: Option<&'static str>) -> Result<Service, String> {
    let key = credential(context, KEY)?;
    let bearer = if context.task.payload["as_user"] == true {
        sign_in_user(context).await?.0
    } else {
        key.clone()
    };
    let mut config = config(
        context,
        Auth::KeyAndBearer {
            name: "apikey",
            key,
            bearer,
        },
    )?;
    if let Some(prefer) = prefer {
        config.headers = vec![("Prefer", prefer)];
    }
    Service::new(config).map_err(|e| e.to_string())
}

fn sign_in(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let (_, user, expires_in) = sign_in_user(&context).await?;
        Ok(
            json!({"user_id": user["id"], "email": user["email"], "role": user["role"], "expires_in": expires_in}),
        )
    })
}

/// PostgREST query parameters from the payload's `filters` (`{"status": "eq.active"}`).
fn filters(payload: &Value) -> Result<Vec<(String, String)>, String> {
    let mut query = Vec::new();
    for (column, condition) in payload["filters"].as_object().into_iter().flatten() {
        let condition = condition.as_str().unwrap_or_default();
        let operator = condition.split('.').next().unwrap_or_default();
        if !column
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
            || !OPERATORS.contains(&operator)
        {
            return Err(format!(
                "invalid payload: payload.filters.{column}: give a column and \"operator.value\" with an operator of {OPERATORS:?}"
            ));
        }
        query.push((column.clone(), condition.to_owned()));
    }
    Ok(query)
}

fn select_rows(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let table = path_part(payload, "table", false)?;
        let owned = filters(payload)?;
        let mut query: Vec<(&str, String)> =
            owned.iter().map(|(c, v)| (c.as_str(), v.clone())).collect();
        query.push((
            "select",
            optional_text(payload, "select").unwrap_or("*").to_owned(),
        ));
        if let Some(order) = optional_text(payload, "order") {
            query.push(("order", order.to_owned()));
        }
        query.push((
            "limit",
            payload["limit"].as_u64().unwrap_or(1000).to_string(),
        ));
        let rows = project(&context, None)
            .await?
            .get(&format!("/rest/v1/{table}"), &query)
            .await
            .map_err(|e| e.to_string())?;
        let rows = rows
            .as_array()
            .cloned()
            .ok_or("supabase: the rows answer is not a list")?;
        Ok(json!({"table": table, "count": rows.len(), "rows": rows}))
    })
}

fn insert_rows(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let table = path_part(payload, "table", false)?;
        let prefer = if payload["upsert"] == true {
            "return=representation,resolution=merge-duplicates"
        } else {
            "return=representation"
        };
        let rows = project(&context, Some(prefer))
            .await?
            .post(&format!("/rest/v1/{table}"), Some(&payload["rows"]))
            .await
            .map_err(|e| e.to_string())?;
        let rows = rows
            .as_array()
            .cloned()
            .ok_or("supabase: the insert answer is not a list")?;
        Ok(json!({"table": table, "inserted": rows.len(), "rows": rows}))
    })
}

fn upload_object(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let bucket = path_part(payload, "bucket", false)?;
        let path = path_part(payload, "path", true)?;
        let data = match (
            optional_text(payload, "text"),
            optional_text(payload, "base64"),
        ) {
            (Some(text), None) => text.as_bytes().to_vec(),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| format!("invalid payload: payload.base64: not base64 ({e})"))?,
            _ => return Err("invalid payload: give exactly one of text, base64".to_owned()),
        };
        let content_type =
            optional_text(payload, "content_type").unwrap_or("application/octet-stream");
        let mut config = config(&context, Auth::None)?;
        let key = credential(&context, KEY)?;
        config.auth = Auth::KeyAndBearer {
            name: "apikey",
            key: key.clone(),
            bearer: key,
        };
        if payload["upsert"] == true {
            config.headers = vec![("x-upsert", "true")];
        }
        let storage = Service::new(config).map_err(|e| e.to_string())?;
        let (answer, _) = storage
            .call_bytes(
                Method::POST,
                &format!("/storage/v1/object/{bucket}/{path}"),
                &[],
                Body::Raw {
                    content_type,
                    data: &data,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        let stored: Value = serde_json::from_slice(&answer)
            .map_err(|_| "supabase: the upload answer is not JSON".to_owned())?;
        Ok(
            json!({"key": stored["Key"], "id": stored["Id"], "bytes": data.len(), "content_type": content_type}),
        )
    })
}

fn name(description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 63, "description": description})
}

fn as_user() -> Value {
    json!({"type": "boolean", "default": false,
           "description": "Act as the agent's user (row-level security applies) instead of as the key's role"})
}

pub fn spec() -> KindSpec {
    let rows = json!({"type": "array", "items": {"type": "object"}});
    KindSpec {
        kind: "supabase-agent",
        aliases: vec!["supabase"],
        category: AgentCategory::Integration,
        description: "Supabase: a user's sign-in (password grant), table rows through its REST interface (select with filters, insert), Storage uploads",
        task_types: vec![
            task(
                "sign_in",
                "Sign the agent's user (setting user_email, credential SUPABASE_USER_PASSWORD) in with a password grant; the token stays in the agent",
                json!({"type": ["object", "null"], "additionalProperties": false, "properties": {}}),
                json!({"type": "object", "required": ["user_id", "email", "expires_in"],
                       "properties": {"user_id": {"type": "string"}, "email": {"type": "string"}, "role": {"type": ["string", "null"]},
                                      "expires_in": {"type": "integer"}}}),
                sign_in,
            ),
            task(
                "select_rows",
                "Rows of a table, filtered (`{\"column\": \"op.value\"}` as PostgREST writes them), ordered and limited",
                closed_object(
                    json!({"table": name("The table (in the exposed schema)"),
                           "select": {"type": "string", "minLength": 1, "maxLength": 500, "default": "*"},
                           "filters": {"type": "object", "description": "column → \"operator.value\", e.g. {\"status\": \"eq.active\", \"age\": \"gte.18\"}"},
                           "order": {"type": "string", "maxLength": 200, "description": "e.g. \"created_at.desc\""},
                           "limit": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000},
                           "as_user": as_user()}),
                    &["table"],
                ),
                json!({"type": "object", "required": ["table", "count", "rows"],
                       "properties": {"table": {"type": "string"}, "count": {"type": "integer"}, "rows": rows}}),
                select_rows,
            ),
            task(
                "insert_rows",
                "Insert rows into a table (or merge them into existing ones with `upsert`); answers the stored rows",
                closed_object(
                    json!({"table": name("The table"), "rows": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "object"}},
                           "upsert": {"type": "boolean", "default": false}, "as_user": as_user()}),
                    &["table", "rows"],
                ),
                json!({"type": "object", "required": ["table", "inserted", "rows"],
                       "properties": {"table": {"type": "string"}, "inserted": {"type": "integer"}, "rows": rows}}),
                insert_rows,
            ),
            task(
                "upload_object",
                "Store a file in a Storage bucket, from `text` or `base64`",
                closed_object(
                    json!({"bucket": name("The bucket"), "path": {"type": "string", "minLength": 1, "maxLength": 1024, "description": "Path in the bucket, e.g. reports/2026/12.csv"},
                           "text": {"type": "string", "maxLength": 10485760}, "base64": {"type": "string", "maxLength": 14000000},
                           "content_type": {"type": "string", "maxLength": 200, "default": "application/octet-stream"},
                           "upsert": {"type": "boolean", "default": false, "description": "Replace a file already there"}}),
                    &["bucket", "path"],
                ),
                json!({"type": "object", "required": ["key", "bytes", "content_type"],
                       "properties": {"key": {"type": "string"}, "id": {"type": ["string", "null"]}, "bytes": {"type": "integer"},
                                      "content_type": {"type": "string"}}}),
                upload_object,
            ),
        ],
        credentials: vec![
            CredentialSpec {
                name: KEY,
                description: "The project's API key: service_role (bypasses row-level security) or anon",
                check: Some("select_rows"),
            },
            CredentialSpec {
                name: PASSWORD,
                description: "The password of the user the agent signs in as (setting user_email), for as_user tasks",
                check: Some("sign_in"),
            },
        ],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "http://localhost:54321", "description": "The project's URL (https://<ref>.supabase.co)"},
                "user_email": {"type": "string", "default": "", "description": "The user the agent signs in as"}
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
