//! The `test-agent` kind: tasks whose behaviour tests and benchmarks control.

use std::time::Duration;

use serde_json::json;

use super::Registry;

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
