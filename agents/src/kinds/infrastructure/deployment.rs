//! `deployment-agent`: CI workflows on GitHub Actions, triggered and
//! followed to their conclusion, and containers redeployed to a new image
//! on a Docker engine (the host's socket only when granted), rolled back
//! when the new one does not come up.

use std::time::Duration;

use serde_json::{json, Value};

use super::docker_engine::{container_property, Engine};
use super::github_actions::{repository_properties, trigger_workflow, workflow_runs, TOKEN};
use super::redeploy::{previous_image, redeploy, Redeploy};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{
    closed_object as object, task, CredentialSpec, KindDefaults, KindSpec, Privilege,
};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn plan<'a>(payload: &'a Value, image: &'a str) -> Redeploy<'a> {
    Redeploy {
        container: text(payload, "container"),
        image,
        wait: Duration::from_secs(payload["wait_seconds"].as_u64().unwrap_or(60)),
        stop_seconds: payload["stop_timeout_seconds"].as_u64().unwrap_or(10),
    }
}

fn redeploy_container(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let engine = Engine::of(&context)?;
        redeploy(&engine, plan(payload, text(payload, "image"))).await
    })
}

fn rollback_container(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let engine = Engine::of(&context)?;
        let image = match optional_text(payload, "image") {
            Some(image) => image.to_owned(),
            None => previous_image(&engine, text(payload, "container")).await?,
        };
        redeploy(&engine, plan(payload, &image)).await
    })
}

fn with(mut base: Value, extra: Value) -> Value {
    for (name, schema) in extra.as_object().into_iter().flatten() {
        base[name] = schema.clone();
    }
    base
}

fn redeploy_payload(image_required: bool) -> Value {
    let properties = json!({
        "container": container_property(),
        "image": {"type": "string", "minLength": 1, "maxLength": 255, "description": "The image to run, REPOSITORY:TAG, already on the engine"},
        "wait_seconds": {"type": "integer", "minimum": 1, "maximum": 3600, "description": "How long the new container may take to run (and be healthy); default 60"},
        "stop_timeout_seconds": {"type": "integer", "minimum": 0, "maximum": 600, "description": "How long stopping the old one waits; default 10"}
    });
    let required: &[&str] = if image_required {
        &["container", "image"]
    } else {
        &["container"]
    };
    object(properties, required)
}

pub fn spec() -> KindSpec {
    let run = json!({"type": "object"});
    let deployed = object(
        json!({"container": {"type": "string"}, "image": {"type": "string"}, "previous_image": {"type": "string"},
               "state": {"type": "string"}, "health": {}}),
        &["container", "image", "previous_image", "state"],
    );
    KindSpec {
        kind: "deployment-agent",
        aliases: vec!["deployment", "deployer"],
        category: AgentCategory::Infrastructure,
        description: "Triggers GitHub Actions workflow runs and follows them to their conclusion; redeploys a container to a new image and rolls it back when it does not start (the host's Docker socket only when granted)",
        task_types: vec![
            task(
                "trigger_workflow",
                "Dispatch a workflow on `ref` with `inputs`, find the run it made and follow it until it completes; fails unless it succeeded",
                object(with(repository_properties(), json!({
                    "workflow": {"type": "string", "minLength": 1, "maxLength": 255, "description": "The workflow's file name (deploy.yml) or id"},
                    "ref": {"type": "string", "minLength": 1, "maxLength": 255, "description": "Branch or tag"},
                    "inputs": {"type": "object", "additionalProperties": {"type": "string"}},
                    "wait_seconds": {"type": "integer", "minimum": 1, "maximum": 21600,
                                     "description": "How long to follow the run (default 270; spawn with a longer task_timeout for longer runs)"}})),
                       &["owner", "repo", "workflow", "ref"]),
                object(json!({"id": {"type": "integer"}, "status": {"const": "completed"}, "conclusion": {"type": "string"},
                              "html_url": {"type": "string"}, "run_number": {"type": "integer"}}),
                       &["id", "status", "conclusion"]),
                trigger_workflow,
            ),
            task(
                "workflow_runs",
                "Recent runs of a repository (or of one workflow), newest first",
                object(with(repository_properties(), json!({
                    "workflow": {"type": "string", "minLength": 1, "maxLength": 255},
                    "status": {"enum": ["queued", "in_progress", "completed", "success", "failure", "cancelled"]},
                    "branch": {"type": "string", "minLength": 1},
                    "event": {"type": "string", "minLength": 1},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": 100}})),
                       &["owner", "repo"]),
                object(json!({"total_count": {"type": "integer"}, "runs": {"type": "array", "items": run}}),
                       &["total_count", "runs"]),
                workflow_runs,
            ),
            task(
                "redeploy_container",
                "Recreate a container on another image keeping its configuration; when it does not run (and, with a health check, turn healthy) the old one is put back",
                redeploy_payload(true),
                deployed.clone(),
                redeploy_container,
            ),
            task(
                "rollback_container",
                "Redeploy a container to the image its last redeploy replaced (or to `image`)",
                redeploy_payload(false),
                deployed,
                rollback_container,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: TOKEN,
            description: "A GitHub token that may run the repository's workflows (fine-grained: Actions read and write)",
            check: None,
        }],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "github_api_url": {"type": "string", "default": "https://api.github.com",
                                   "description": "The GitHub REST API (GitHub Enterprise: https://HOST/api/v3)"},
                "poll_seconds": {"type": "integer", "minimum": 1, "maximum": 300, "default": 5,
                                 "description": "How often a followed run is looked at"},
                "docker_host": with(super::docker_engine::settings_property(), json!({
                    "description": "The Docker engine for redeploys: unix:///var/run/docker.sock (the host's socket, needs \"grants\": [\"docker_socket\"]), tcp://HOST:2375, or empty for none"}))
            }
        }),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 64, max_concurrent_tasks: 3 },
        privileges: vec![Privilege::DockerSocket],
    }
}
