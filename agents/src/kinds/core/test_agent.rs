//! `test-agent`: tasks whose behaviour tests and benchmarks control.

use std::time::Duration;

use serde_json::{json, Value};

use crate::kinds::spec::{no_settings, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// A payload field the payload schema made sure is a string.
fn text<'a>(context: &'a TaskContext, field: &str) -> &'a str {
    context.task.payload[field].as_str().unwrap_or_default()
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

fn echo(context: TaskContext) -> HandlerFuture {
    Box::pin(async move { Ok(context.task.payload) })
}

fn sleep(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let ms = context.task.payload["ms"].as_u64().unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(json!({ "slept_ms": ms }))
    })
}

fn remember(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let key = text(&context, "key");
        let value = context
            .task
            .payload
            .get("value")
            .cloned()
            .unwrap_or(Value::Null);
        let ttl = context.task.payload["ttl_seconds"]
            .as_u64()
            .map(Duration::from_secs);
        context
            .memory
            .remember(key, value, ttl)
            .await
            .map_err(|e| e.to_string())?;
        Ok(json!({ "remembered": key }))
    })
}

fn recall(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let key = text(&context, "key");
        let value = context
            .memory
            .recall(key)
            .await
            .map_err(|e| e.to_string())?;
        Ok(json!({ "key": key, "value": value }))
    })
}

fn note(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let entry = json!({ "text": text(&context, "text"), "task_id": context.task.id });
        context
            .memory
            .add_turn(&entry)
            .await
            .map_err(|e| e.to_string())?;
        let kept = context
            .memory
            .recent_turns()
            .await
            .map_err(|e| e.to_string())?;
        Ok(json!({ "kept": kept }))
    })
}

/// Whether the agent holds a credential and the SHA-256 of its value, so a
/// test can check delivery without the value ever travelling.
fn credential(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let name = text(&context, "name");
        let value = context.credentials.get(name);
        Ok(json!({
            "name": name,
            "present": value.is_some(),
            "sha256": value.map(|v| crate::sealing::sha256_hex(v.as_bytes())),
        }))
    })
}

fn fail(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        Err(context.task.payload["message"]
            .as_str()
            .unwrap_or("failure requested")
            .to_owned())
    })
}

/// The most lines one `flood` task prints.
const MAX_FLOOD_LINES: u64 = 10_000_000;

/// Numbered, coloured lines on stdout as fast as the container's log takes
/// them: the source the log view's benchmark measures the window against.
fn flood(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let lines = context.task.payload["lines"].as_u64().unwrap_or(1);
        let started = std::time::Instant::now();
        let printed = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for n in 1..=lines {
                writeln!(out, "flood {n}/{lines} \x1b[32mok\x1b[0m")?;
            }
            out.flush()
        })
        .await;
        match printed {
            Ok(Ok(())) => Ok(json!({ "lines": lines, "seconds": started.elapsed().as_secs_f64() })),
            Ok(Err(error)) => Err(format!("stdout refused the flood: {error}")),
            Err(error) => Err(format!("the flood stopped: {error}")),
        }
    })
}

pub fn spec() -> KindSpec {
    let string = json!({"type": "string"});
    // One secret-named setting, so tests can prove secrets in settings are
    // masked in snapshots and listed for re-entry on restore.
    let mut settings_schema = no_settings();
    settings_schema["properties"]["api_token"] =
        json!({"type": "string", "description": "A secret-named setting tests plant"});
    KindSpec {
        kind: "test-agent",
        aliases: Vec::new(),
        category: AgentCategory::Core,
        description: "Tasks whose behaviour tests and benchmarks control (echo, sleep, memory, credentials, log flood, failure)",
        task_types: vec![
            task("echo", "Returns its payload unchanged", json!({}), json!({}), echo),
            task(
                "sleep",
                "Sleeps `ms` milliseconds",
                json!({"type": ["object", "null"], "properties": {"ms": {"type": "integer", "minimum": 0}}}),
                object(&["slept_ms"], json!({"slept_ms": {"type": "integer"}})),
                sleep,
            ),
            task(
                "remember",
                "Keeps `value` under `key` in long-term memory, for `ttl_seconds` if given",
                object(&["key"], json!({"key": string, "value": {}, "ttl_seconds": {"type": "integer", "minimum": 1}})),
                object(&["remembered"], json!({"remembered": string})),
                remember,
            ),
            task(
                "recall",
                "The value under `key` in long-term memory (null when unknown)",
                object(&["key"], json!({"key": string})),
                object(&["key", "value"], json!({"key": string, "value": {}})),
                recall,
            ),
            task(
                "note",
                "Adds `text` to short-term memory; returns the kept entries",
                object(&["text"], json!({"text": string})),
                object(&["kept"], json!({"kept": {"type": "array"}})),
                note,
            ),
            task(
                "credential",
                "Whether the agent holds credential `name`, and the SHA-256 of its value",
                object(&["name"], json!({"name": string})),
                object(&["name", "present", "sha256"], json!({"name": string, "present": {"type": "boolean"},
                                                               "sha256": {"type": ["string", "null"]}})),
                credential,
            ),
            task(
                "flood",
                "Prints `lines` numbered lines on stdout as fast as it can (log benchmarks)",
                object(&["lines"], json!({"lines": {"type": "integer", "minimum": 1, "maximum": MAX_FLOOD_LINES}})),
                object(&["lines", "seconds"], json!({"lines": {"type": "integer"}, "seconds": {"type": "number"}})),
                flood,
            ),
            task(
                "fail",
                "Fails with `message`",
                json!({"type": ["object", "null"], "properties": {"message": string}}),
                json!({}),
                fail,
            ),
        ],
        credentials: Vec::new(),
        settings_schema,
        defaults: KindDefaults {
            cpu_limit: 0.5,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
