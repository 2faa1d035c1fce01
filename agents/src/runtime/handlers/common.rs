//! The handlers every agent kind has.

use serde_json::json;

use super::Registry;

pub(super) fn register(registry: &mut Registry) {
    registry.add("health_check", |context| async move {
        Ok(json!({
            "status": "healthy",
            "agent_id": context.agent.agent_id,
            "agent_status": context.agent.status,
            "uptime_seconds": context.agent.uptime_seconds,
        }))
    });
    registry.add("get_status", |context| async move {
        serde_json::to_value(&context.agent).map_err(|error| error.to_string())
    });
    registry.add("get_capabilities", |context| async move {
        Ok(json!({ "capabilities": context.capabilities }))
    });
}
