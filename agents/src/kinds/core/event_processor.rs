//! `event-processor`: rules over the fleet's state (restart agents in a
//! given status, or report them) and alerts forwarded to a webhook whose
//! address is itself the secret (a chat or automation hook).

use serde_json::{json, Value};

use super::fleet_api::{api_key_credential, orchestrator, settings_schema};
use crate::integration::{Auth, Secret, Service, ServiceConfig};
use crate::kinds::connect::credential;
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::{AgentCategory, AgentStatus};
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const WEBHOOK: &str = "ALERT_WEBHOOK_URL";

/// The first rule that matches `agent`, if any.
fn matching<'a>(rules: &'a [Value], agent: &Value) -> Option<&'a Value> {
    rules.iter().find(|rule| {
        rule["when_status"] == agent["status"]
            && rule
                .get("agent_type")
                .is_none_or(|kind| *kind == agent["agent_type"])
    })
}

fn apply_rules(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let api = orchestrator(&context)?;
        let payload = &context.task.payload;
        let dry_run = payload["dry_run"].as_bool().unwrap_or(false);
        let rules = payload["rules"].as_array().cloned().unwrap_or_default();
        let agents = api.get("/agents", &[]).await.map_err(|e| e.to_string())?;
        let agents = agents["agents"].as_array().cloned().unwrap_or_default();
        let mut matched = Vec::new();
        for agent in &agents {
            // An agent never acts on itself: restarting would end this task.
            let Some(rule) = matching(&rules, agent)
                .filter(|_| agent["agent_id"] != context.agent.agent_id.as_str())
            else {
                continue;
            };
            let id = agent["agent_id"].as_str().unwrap_or_default();
            let outcome = match (rule["action"].as_str(), dry_run) {
                (Some("restart"), false) => {
                    match api.post(&format!("/agents/{id}/restart"), None).await {
                        Ok(_) => "restarted".to_owned(),
                        Err(error) => format!("restart failed: {error}"),
                    }
                }
                (Some("restart"), true) => "would restart".to_owned(),
                _ => "reported".to_owned(),
            };
            matched.push(json!({"agent_id": id, "status": agent["status"], "action": rule["action"], "outcome": outcome}));
        }
        Ok(json!({"checked": agents.len(), "matched": matched}))
    })
}

fn forward_alert(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let url = credential(&context, WEBHOOK)?;
        let mut config = ServiceConfig::new("alert webhook", url.expose());
        // The path is the hook's secret (the host is not), wherever it is quoted.
        let after_scheme = url.expose().split_once("://").map_or("", |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
        config.auth = Auth::InPath(Secret::new(path));
        let hook = Service::new(config).map_err(|e| e.to_string())?;
        let alert =
            json!({"source": context.agent.agent_id, "alert": context.task.payload["alert"]});
        let answer = hook
            .post("", Some(&alert))
            .await
            .map_err(|e| e.to_string())?;
        Ok(json!({"forwarded": true, "answer": answer}))
    })
}

pub fn spec() -> KindSpec {
    let statuses: Vec<&str> = AgentStatus::ALL.iter().map(|s| s.as_str()).collect();
    KindSpec {
        kind: "event-processor",
        aliases: vec!["processor"],
        category: AgentCategory::Core,
        description: "Rules over the fleet's state (restart agents in error, report others) and alerts forwarded to a webhook",
        task_types: vec![
            task(
                "apply_rules",
                "Apply each agent's first matching rule: restart it or report it (`dry_run` only says what it would do)",
                json!({"type": "object", "additionalProperties": false, "required": ["rules"],
                       "properties": {
                           "rules": {"type": "array", "minItems": 1, "items": {
                               "type": "object", "additionalProperties": false, "required": ["when_status", "action"],
                               "properties": {"when_status": {"enum": statuses}, "agent_type": {"type": "string"},
                                              "action": {"enum": ["restart", "report"]}}}},
                           "dry_run": {"type": "boolean", "default": false}}}),
                json!({"type": "object", "required": ["checked", "matched"],
                       "properties": {"checked": {"type": "integer"}, "matched": {"type": "array"}}}),
                apply_rules,
            ),
            task(
                "forward_alert",
                "POST `alert` (with this agent as its source) to the webhook in credential ALERT_WEBHOOK_URL",
                json!({"type": "object", "additionalProperties": false, "required": ["alert"],
                       "properties": {"alert": {"type": "object"}}}),
                json!({"type": "object", "required": ["forwarded"], "properties": {"forwarded": {"const": true}, "answer": {}}}),
                forward_alert,
            ),
        ],
        credentials: vec![
            api_key_credential("apply_rules"),
            CredentialSpec {
                name: WEBHOOK,
                description: "The webhook's full address (it carries its own secret)",
                check: Some("forward_alert"),
            },
        ],
        settings_schema: settings_schema(),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 128, max_concurrent_tasks: 10 },
        privileges: Vec::new(),
    }
}
