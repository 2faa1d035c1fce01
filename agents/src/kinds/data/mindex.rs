//! `mindex-agent`: the MINDEX service over PostgreSQL. Reads only: a
//! structured query over the relations the operator lets it read (values
//! always bound as parameters, identifiers quoted, in a READ ONLY
//! transaction with a statement timeout and a row limit), what `etl-agent`
//! wrote, and the database's health.

use std::time::Instant;

use serde_json::{json, Value};

use super::etl::store;
use crate::kinds::postgres::{connect, database_credential, ident};
use crate::kinds::spec::{task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// Comparisons a filter may use, as SQL writes them.
const OPERATORS: [&str; 8] = ["=", "!=", "<", "<=", ">", ">=", "like", "ilike"];

fn readable(context: &TaskContext) -> Vec<&str> {
    context.settings["readable"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// A filter's value as the text PostgreSQL casts to the column's type.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The SQL of a structured query over `relation` (whose columns and their
/// types are `columns`), and its parameters.
fn build_query(
    payload: &Value,
    relation: &str,
    columns: &[(String, String)],
    limit: i64,
) -> Result<(String, Vec<String>), String> {
    let type_of = |name: &str| {
        columns
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, kind)| kind.as_str())
            .ok_or_else(|| format!("{relation} has no column {name:?}"))
    };
    let selected = match payload["columns"].as_array() {
        Some(names) => names
            .iter()
            .filter_map(Value::as_str)
            .map(|name| type_of(name).map(|_| ident(name)))
            .collect::<Result<Vec<_>, _>>()?
            .join(", "),
        None => "*".to_owned(),
    };
    let mut sql = format!("SELECT {selected} FROM {}", ident(relation));
    let mut params = Vec::new();
    for (index, filter) in payload["filters"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let column = filter["column"].as_str().unwrap_or_default();
        let kind = type_of(column)?;
        let op = filter["op"].as_str().unwrap_or("=");
        let clause = match &filter["value"] {
            Value::Null if op == "=" => format!("{} IS NULL", ident(column)),
            Value::Null if op == "!=" => format!("{} IS NOT NULL", ident(column)),
            value => {
                params.push(as_text(value));
                let n = params.len();
                // like/ilike compare text; the others the column's own type.
                match op {
                    "like" | "ilike" => format!("{}::text {op} ${n}", ident(column)),
                    _ => format!("{} {op} CAST(${n}::text AS {kind})", ident(column)),
                }
            }
        };
        sql.push_str(if index == 0 { " WHERE " } else { " AND " });
        sql.push_str(&clause);
    }
    if let Some(order) = payload["order_by"].as_str() {
        type_of(order)?;
        let direction = if payload["descending"] == true {
            "DESC"
        } else {
            "ASC"
        };
        sql.push_str(&format!(" ORDER BY {} {direction}", ident(order)));
    }
    sql.push_str(&format!(" LIMIT {}", limit + 1));
    Ok((format!("SELECT to_jsonb(q) FROM ({sql}) q"), params))
}

fn query(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let relation = payload["relation"].as_str().unwrap_or_default();
        let allowed = readable(&context);
        if !allowed.contains(&relation) {
            return Err(format!(
                "relation {relation:?} is not one this agent may read (setting readable: {})",
                allowed.join(", ")
            ));
        }
        let max_rows = context.settings["max_rows"].as_i64().unwrap_or(1000);
        let limit = payload["limit"].as_i64().unwrap_or(max_rows).min(max_rows);
        let timeout_ms = context.settings["statement_timeout_ms"]
            .as_i64()
            .unwrap_or(5000);
        let mut db = connect(&context).await?;
        let fail = db.failer();
        // Read only at the database's level too: a view or function that
        // writes fails instead of writing.
        let tx = db
            .client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .map_err(&fail)?;
        tx.batch_execute(&format!("SET LOCAL statement_timeout = {timeout_ms}"))
            .await
            .map_err(&fail)?;
        let columns: Vec<(String, String)> = tx
            .query(
                "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute \
                 WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                &[&ident(relation)],
            )
            .await
            .map_err(&fail)?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        if columns.is_empty() {
            return Err(format!(
                "relation {relation:?} does not exist in this database"
            ));
        }
        let (sql, params) = build_query(payload, relation, &columns, limit)?;
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
            params.iter().map(|p| p as _).collect();
        let rows = tx.query(&sql, &params).await.map_err(&fail)?;
        tx.rollback().await.map_err(&fail)?;
        let mut rows: Vec<Value> = rows.iter().map(|row| row.get(0)).collect();
        let truncated = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok(
            json!({"relation": relation, "rows": rows, "row_count": rows.len(), "truncated": truncated}),
        )
    })
}

fn etl_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let db = connect(&context).await?;
        store::status(&db).await
    })
}

fn health(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let started = Instant::now();
        let db = connect(&context).await?;
        let row = db
            .client
            .query_one(
                "SELECT current_setting('server_version'), current_database(), \
                 pg_database_size(current_database()), pg_is_in_recovery()",
                &[],
            )
            .await
            .map_err(|e| db.fail(e))?;
        Ok(json!({
            "reachable": true,
            "server_version": row.get::<_, String>(0),
            "database": row.get::<_, String>(1),
            "size_bytes": row.get::<_, i64>(2),
            "read_replica": row.get::<_, bool>(3),
            "latency_ms": started.elapsed().as_millis() as u64,
        }))
    })
}

fn query_payload() -> Value {
    let name = json!({"type": "string", "minLength": 1, "maxLength": 63});
    json!({
        "type": "object", "additionalProperties": false, "required": ["relation"],
        "properties": {
            "relation": {"type": "string", "minLength": 1, "maxLength": 63, "description": "A table or view named in setting readable"},
            "columns": {"type": "array", "minItems": 1, "maxItems": 100, "items": name},
            "filters": {"type": "array", "maxItems": 20, "items": {
                "type": "object", "additionalProperties": false, "required": ["column", "value"],
                "description": "column OP value; the value is bound as a parameter (null with = or != tests for NULL)",
                "properties": {"column": name, "op": {"enum": OPERATORS, "default": "="}, "value": {}}}},
            "order_by": name,
            "descending": {"type": "boolean", "default": false},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100_000}
        }
    })
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "mindex-agent",
        aliases: vec!["mindex", "database"],
        category: AgentCategory::Data,
        description: "The MINDEX service over PostgreSQL: read-only parameterised queries over the tables and views it may read (row limit, statement timeout), what etl-agent wrote, and the database's health",
        task_types: vec![
            task(
                "query",
                "Rows of a readable relation, filtered, ordered and limited; never writes",
                query_payload(),
                json!({"type": "object", "required": ["relation", "rows", "row_count", "truncated"],
                       "properties": {"relation": {"type": "string"}, "rows": {"type": "array", "items": {"type": "object"}},
                                      "row_count": {"type": "integer"}, "truncated": {"type": "boolean"}}}),
                query,
            ),
            task(
                "etl_status",
                "Each dataset etl-agent pulled: rows, high-water mark, last run and its error",
                json!({"description": "Ignored"}),
                json!({"type": "object", "required": ["datasets", "total_rows"],
                       "properties": {"datasets": {"type": "array", "items": {"type": "object"}}, "total_rows": {"type": "integer"}}}),
                etl_status,
            ),
            task(
                "health",
                "Whether the database answers, its version and size",
                json!({"description": "Ignored"}),
                json!({"type": "object", "required": ["reachable", "server_version", "database", "size_bytes", "latency_ms"],
                       "properties": {"reachable": {"type": "boolean"}, "server_version": {"type": "string"},
                                      "database": {"type": "string"}, "size_bytes": {"type": "integer"},
                                      "read_replica": {"type": "boolean"}, "latency_ms": {"type": "integer"}}}),
                health,
            ),
        ],
        credentials: vec![database_credential("health")],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "readable": {"type": "array", "maxItems": 200, "items": {"type": "string", "minLength": 1, "maxLength": 63},
                             "default": ["etl_records", "etl_datasets", "search_documents", "agent_activity_summary", "recent_agent_errors"],
                             "description": "The tables and views task query may read"},
                "max_rows": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1000,
                             "description": "The most rows one query answers"},
                "statement_timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600_000, "default": 5000,
                                         "description": "How long one query may run"}
            }
        }),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 10 },
        privileges: Vec::new(),
    }
}
