//! The `test-agent` kind: tasks whose behaviour tests and benchmarks control.

use std::time::Duration;

use serde_json::{json, Value};

use super::{HandlerResult, Registry, TaskContext};

fn text<'a>(context: &'a TaskContext, field: &str) -> Result<&'a str, String> {
    context
        .task
        .payload
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("payload needs a string `{field}`"))
}

/// `{"key", "value", "ttl_seconds"?}` into long-term memory.
async fn remember(context: TaskContext) -> HandlerResult {
    let key = text(&context, "key")?;
    let value = context
        .task
        .payload
        .get("value")
        .cloned()
        .unwrap_or(Value::Null);
    let ttl = context
        .task
        .payload
        .get("ttl_seconds")
        .and_then(Value::as_u64)
        .map(Duration::from_secs);
    context
        .memory
        .remember(key, value, ttl)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({ "remembered": key }))
}

/// `{"key"}` from long-term memory: `{"key", "value"}` (null when unknown).
async fn recall(context: TaskContext) -> HandlerResult {
    let key = text(&context, "key")?;
    let value = context
        .memory
        .recall(key)
        .await
        .map_err(|e| e.to_string())?;
    Ok(json!({ "key": key, "value": value }))
}

/// `{"text"}` into short-term memory; returns the kept entries.
async fn note(context: TaskContext) -> HandlerResult {
    let entry = json!({ "text": text(&context, "text")?, "task_id": context.task.id });
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
}

/// `{"name"}`: whether the agent holds that credential and the SHA-256 of
/// its value, so a test can check delivery without the value ever travelling.
async fn credential(context: TaskContext) -> HandlerResult {
    let name = text(&context, "name")?;
    let value = context.credentials.get(name);
    Ok(json!({
        "name": name,
        "present": value.is_some(),
        "sha256": value.map(|v| crate::sealing::sha256_hex(v.as_bytes())),
    }))
}

/// The most lines one `flood` task prints.
const MAX_FLOOD_LINES: u64 = 10_000_000;

/// `{"lines": N}` numbered, coloured lines on stdout as fast as the
/// container's log takes them: the source the log view's benchmark
/// measures the window against.
async fn flood(context: TaskContext) -> HandlerResult {
    let lines = context
        .task
        .payload
        .get("lines")
        .and_then(Value::as_u64)
        .ok_or("payload needs a whole number `lines`")?;
    if !(1..=MAX_FLOOD_LINES).contains(&lines) {
        return Err(format!("lines must be 1 to {MAX_FLOOD_LINES}"));
    }
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
}

pub(super) fn register(registry: &mut Registry) {
    // Returns its payload unchanged.
    registry.add("echo", |context| async move { Ok(context.task.payload) });
    // Sleeps `{"ms": N}` milliseconds.
    registry.add("sleep", |context| async move {
        let ms = context
            .task
            .payload
            .get("ms")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(json!({ "slept_ms": ms }))
    });
    registry.add("remember", remember);
    registry.add("recall", recall);
    registry.add("note", note);
    registry.add("credential", credential);
    registry.add("flood", flood);
    // Fails with `{"message": "..."}`.
    registry.add("fail", |context| async move {
        Err(context
            .task
            .payload
            .get("message")
            .and_then(|v| v.as_str())
            .unwrap_or("failure requested")
            .to_owned())
    });
}
