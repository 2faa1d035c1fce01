//! `zapier-agent`: fires a Zap through its Catch Hook. The hook's URL
//! (`https://hooks.zapier.com/hooks/catch/{account}/{hook}/`) is the whole
//! secret — anyone holding it can trigger the Zap — so it travels as a
//! credential and its account/hook part is redacted from every text the
//! agent produces. Zapier answers `{"status": "success", "id", "attempt",
//! "request_id"}`; an array of objects triggers the Zap once per object.

use serde_json::json;

use crate::integration::{Auth, Secret, Service, ServiceConfig};
use crate::kinds::connect::credential;
use crate::kinds::spec::{closed_object, task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const HOOK_URL: &str = "ZAPIER_HOOK_URL";

/// The hook's service (its scheme and host) and the path to post to.
fn hook(context: &TaskContext) -> Result<(Service, String), String> {
    let url = credential(context, HOOK_URL)?;
    let url = url.expose();
    let unusable = || {
        format!("credential {HOOK_URL} is not a Catch Hook URL (https://hooks.zapier.com/hooks/catch/…/…/)")
    };
    let after_scheme = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(unusable)?;
    let (host, path) = after_scheme.split_once('/').ok_or_else(unusable)?;
    // The account and hook ids are the secret part of the path.
    let secret = path.trim_matches('/');
    let secret = secret.strip_prefix("hooks/catch/").unwrap_or(secret);
    if host.is_empty() || secret.is_empty() || path.contains(['?', '#']) {
        return Err(unusable());
    }
    let mut config = ServiceConfig::new("zapier", &url[..url.len() - path.len() - 1]);
    config.auth = Auth::InPath(Secret::new(secret));
    let service = Service::new(config).map_err(|e| e.to_string())?;
    Ok((service, format!("/{path}")))
}

fn trigger_hook(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let data = &context.task.payload["data"];
        let (zapier, path) = hook(&context)?;
        let answer = zapier
            .post(&path, Some(data))
            .await
            .map_err(|e| e.to_string())?;
        if answer["status"] != "success" {
            return Err(format!(
                "zapier: the hook did not accept the request: {}",
                zapier.redact(&answer.to_string())
            ));
        }
        let items = data.as_array().map_or(1, Vec::len);
        Ok(
            json!({"status": "success", "id": answer["id"], "attempt": answer["attempt"],
                  "request_id": answer["request_id"], "items": items}),
        )
    })
}

pub fn spec() -> KindSpec {
    let object = json!({"type": "object"});
    KindSpec {
        kind: "zapier-agent",
        aliases: vec!["zapier"],
        category: AgentCategory::Integration,
        description: "Zapier: triggers a Zap through its Catch Hook with a payload (the hook URL is a credential, redacted everywhere)",
        task_types: vec![task(
            "trigger_hook",
            "Send `data` to the Zap's Catch Hook: an object triggers the Zap once, an array of objects once per object",
            closed_object(
                json!({"data": {"type": ["object", "array"], "items": object, "minItems": 1, "maxItems": 100,
                                "description": "What the Zap receives"}}),
                &["data"],
            ),
            json!({"type": "object", "required": ["status", "id", "items"],
                   "properties": {"status": {"const": "success"}, "id": {"type": ["string", "null"]},
                                  "attempt": {"type": ["string", "null"]}, "request_id": {"type": ["string", "null"]},
                                  "items": {"type": "integer"}}}),
            trigger_hook,
        )],
        credentials: vec![CredentialSpec {
            name: HOOK_URL,
            description: "The Zap's Catch Hook URL (whoever holds it can trigger the Zap)",
            check: None,
        }],
        settings_schema: crate::kinds::spec::no_settings(),
        defaults: KindDefaults {
            cpu_limit: 0.1,
            memory_limit_mb: 64,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
