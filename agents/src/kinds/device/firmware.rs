//! `firmware-agent`: MycoBrain firmware — the latest release of the
//! firmware repository on GitHub, and staged over-the-air updates: each
//! stage's devices get an `ota` command and must all ack before the next
//! stage starts; a stage where any device fails or stays silent has its
//! updated devices sent `rollback`, and the rollout stops there.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::coordinator::{device_ids, outcome_schema};
use super::fleet::{command, millis};
use super::mqtt::{broker_settings, device_id, Session};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::infrastructure::github_actions::{
    repo_path, repository_properties, service, TOKEN,
};
use crate::kinds::spec::{closed_object, task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn latest_release(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let path = format!("{}/releases/latest", repo_path(&context.task.payload)?);
        let release = service(&context)?
            .get(&path, &[])
            .await
            .map_err(|e| e.to_string())?;
        let tag = release["tag_name"].as_str().unwrap_or_default();
        let assets: Vec<Value> = release["assets"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|asset| json!({"name": asset["name"], "size": asset["size"], "url": asset["browser_download_url"]}))
            .collect();
        Ok(
            json!({"tag_name": tag, "version": tag.trim_start_matches('v'), "name": release["name"],
                  "published_at": release["published_at"], "html_url": release["html_url"], "assets": assets}),
        )
    })
}

fn staged_ota(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let stages: Vec<BTreeSet<String>> = payload["stages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|stage| {
                stage
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|id| device_id(id.as_str().unwrap_or_default()).map(str::to_owned))
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        let mut params = Map::new();
        params.insert("version".into(), json!(text(payload, "version")));
        if let Some(url) = optional_text(payload, "url") {
            params.insert("url".into(), json!(url));
        }
        let timeout = millis(payload, "timeout_ms", 10_000);
        let mut session = Session::connect(&context).await?;
        let mut reports = Vec::new();
        let mut halted = false;
        for (index, devices) in stages.iter().enumerate() {
            let mut report = json!({"stage": index + 1, "devices": devices, "status": "skipped"});
            if !halted {
                let outcome = command(&mut session, devices, "ota", &params, timeout).await?;
                let status = if outcome.failed.is_empty() && outcome.timed_out.is_empty() {
                    "updated"
                } else {
                    // The stage failed: put back the devices it did update.
                    halted = true;
                    let updated: BTreeSet<String> = outcome.acked.keys().cloned().collect();
                    if !updated.is_empty() {
                        let back =
                            command(&mut session, &updated, "rollback", &Map::new(), timeout)
                                .await?;
                        report["rollback"] = back.to_json();
                    }
                    "rolled_back"
                };
                report["ota"] = outcome.to_json();
                report["status"] = json!(status);
            }
            reports.push(report);
        }
        session.close().await;
        Ok(json!({"version": text(payload, "version"), "completed": !halted, "stages": reports}))
    })
}

pub fn spec() -> KindSpec {
    let mut settings = broker_settings();
    if let Some(settings) = settings.as_object_mut() {
        settings.insert(
            "github_api_url".into(),
            json!({"type": "string", "default": "https://api.github.com",
            "description": "GitHub's API, where the firmware is released"}),
        );
    }
    let stage = json!({"type": "object", "required": ["stage", "devices", "status"],
        "properties": {"stage": {"type": "integer"}, "devices": {"type": "array", "items": {"type": "string"}},
                       "status": {"enum": ["updated", "rolled_back", "skipped"]}, "ota": outcome_schema(), "rollback": outcome_schema()}});
    KindSpec {
        kind: "firmware-agent",
        aliases: vec!["firmware"],
        category: AgentCategory::Device,
        description: "MycoBrain firmware: the latest GitHub release, staged OTA rollouts with per-device acks and rollback of a failed stage",
        task_types: vec![
            task("latest_release", "The firmware repository's latest release on GitHub: tag, version, date, assets",
                 closed_object(repository_properties(), &["owner", "repo"]),
                 json!({"type": "object", "required": ["tag_name", "version", "assets"],
                        "properties": {"tag_name": {"type": "string"}, "version": {"type": "string"},
                                       "assets": {"type": "array", "items": {"type": "object", "required": ["name", "url"]}}}}),
                 latest_release),
            task("staged_ota", "Update devices to `version` stage by stage: `ota` to every device of a stage, each must ack; a failed or silent device rolls the stage's updated devices back and stops the rollout",
                 closed_object(json!({
                     "version": {"type": "string", "minLength": 1, "maxLength": 40},
                     "url": {"type": "string", "maxLength": 500, "description": "Where the devices download the image"},
                     "stages": {"type": "array", "minItems": 1, "maxItems": 20, "items": device_ids()},
                     "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 600000, "default": 10000}}),
                     &["version", "stages"]),
                 json!({"type": "object", "required": ["version", "completed", "stages"],
                        "properties": {"version": {"type": "string"}, "completed": {"type": "boolean"},
                                       "stages": {"type": "array", "items": stage}}}),
                 staged_ota),
        ],
        credentials: vec![CredentialSpec { name: TOKEN, description: "A GitHub token that can read the firmware repository's releases", check: None }],
        settings_schema: json!({"type": "object", "additionalProperties": false, "properties": settings}),
        defaults: KindDefaults { cpu_limit: 0.1, memory_limit_mb: 64, max_concurrent_tasks: 2 },
        privileges: Vec::new(),
    }
}
