//! `docker-agent`: containers, images and stats on the Docker engine the
//! operator names (`docker_host`); the host's own socket only when the
//! operator grants it (`"grants": ["docker_socket"]`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::docker_engine::{bare_name, container_property, container_ref, image_ref, Engine};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{closed_object as object, task, KindDefaults, KindSpec, Privilege};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// The label Docker Compose puts on every container of a project.
const COMPOSE_PROJECT: &str = "com.docker.compose.project";
const COMPOSE_SERVICE: &str = "com.docker.compose.service";

fn list_containers(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let all = payload["all"].as_bool().unwrap_or(true);
        let mut query = vec![("all", all.to_string())];
        if let Some(project) = optional_text(payload, "project") {
            let filters = json!({"label": [format!("{COMPOSE_PROJECT}={project}")]});
            query.push(("filters", filters.to_string()));
        }
        let listed = Engine::of(&context)?
            .get("/containers/json", &query)
            .await?;
        let containers: Vec<Value> = listed
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                json!({"id": c["Id"].as_str().unwrap_or_default().chars().take(12).collect::<String>(),
                       "name": bare_name(&c["Names"][0]), "image": c["Image"], "state": c["State"],
                       "status": c["Status"], "created": c["Created"],
                       "project": c["Labels"][COMPOSE_PROJECT], "service": c["Labels"][COMPOSE_SERVICE]})
            })
            .collect();
        let mut projects: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for container in &containers {
            if let Some(project) = container["project"].as_str() {
                let counts = projects.entry(project).or_default();
                counts.0 += 1;
                counts.1 += u64::from(container["state"] == "running");
            }
        }
        let projects: Vec<Value> = projects
            .into_iter()
            .map(|(name, (total, running))| json!({"name": name, "containers": total, "running": running}))
            .collect();
        Ok(json!({"containers": containers, "projects": projects}))
    })
}

fn container_action(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let container = text(payload, "container");
        let action = text(payload, "action");
        let wait = payload["timeout_seconds"].as_u64().unwrap_or(10);
        let engine = Engine::of(&context)?;
        let changed = engine.act(container, action, wait).await?;
        let state = engine.inspect(container).await?;
        Ok(
            json!({"container": container, "action": action, "changed": changed,
                  "state": state["State"]["Status"], "running": state["State"]["Running"]}),
        )
    })
}

fn list_images(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let mut query = Vec::new();
        if let Some(reference) = optional_text(&context.task.payload, "reference") {
            query.push(("filters", json!({"reference": [reference]}).to_string()));
        }
        let listed = Engine::of(&context)?.get("/images/json", &query).await?;
        let images: Vec<Value> = listed
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| json!({"id": i["Id"], "tags": i["RepoTags"], "size": i["Size"], "created": i["Created"]}))
            .collect();
        Ok(json!({ "images": images }))
    })
}

fn pull_image(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let image = image_ref(text(payload, "image"))?;
        let tag = optional_text(payload, "tag").unwrap_or("latest");
        let query = [("fromImage", image.to_owned()), ("tag", tag.to_owned())];
        let lines = Engine::of(&context)?
            .progress("/images/create", &query)
            .await
            .map_err(|e| format!("pulling {image}:{tag}: {e}"))?;
        let last = lines
            .as_array()
            .and_then(|lines| lines.last())
            .map(|line| line["status"].clone())
            .unwrap_or(Value::Null);
        Ok(json!({"image": format!("{image}:{tag}"), "status": last}))
    })
}

/// CPU use over the engine's two samples, as `docker stats` computes it:
/// the container's share of the host's CPU time, times its CPUs, in percent.
fn cpu_percent(stats: &Value) -> f64 {
    let number = |pointer: &str| {
        stats
            .pointer(pointer)
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    };
    let container =
        number("/cpu_stats/cpu_usage/total_usage") - number("/precpu_stats/cpu_usage/total_usage");
    let system = number("/cpu_stats/system_cpu_usage") - number("/precpu_stats/system_cpu_usage");
    let cpus = match number("/cpu_stats/online_cpus") {
        0.0 => stats["cpu_stats"]["cpu_usage"]["percpu_usage"]
            .as_array()
            .map_or(1.0, |cpus| cpus.len().max(1) as f64),
        online => online,
    };
    if container > 0.0 && system > 0.0 {
        container / system * cpus * 100.0
    } else {
        0.0
    }
}

/// Memory in use without the page cache the kernel can drop, as `docker
/// stats` shows it (cgroup v2 `inactive_file`, v1 `total_inactive_file`).
fn memory_used(stats: &Value) -> u64 {
    let memory = &stats["memory_stats"];
    let usage = memory["usage"].as_u64().unwrap_or(0);
    let cache = memory["stats"]["inactive_file"]
        .as_u64()
        .or_else(|| memory["stats"]["total_inactive_file"].as_u64())
        .unwrap_or(0);
    usage.saturating_sub(cache)
}

fn container_stats(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let container = container_ref(text(&context.task.payload, "container"))?.to_owned();
        // Without one-shot the engine waits for a second sample, so the CPU
        // share is over a real interval.
        let stats = Engine::of(&context)?
            .get(
                &format!("/containers/{container}/stats"),
                &[("stream", "false".to_owned())],
            )
            .await?;
        let used = memory_used(&stats);
        let limit = stats["memory_stats"]["limit"].as_u64().unwrap_or(0);
        let percent = if limit > 0 {
            used as f64 / limit as f64 * 100.0
        } else {
            0.0
        };
        Ok(
            json!({"container": container, "name": bare_name(&stats["name"]), "read": stats["read"],
                  "cpu_percent": cpu_percent(&stats), "memory_usage_bytes": used,
                  "memory_limit_bytes": limit, "memory_percent": percent,
                  "pids": stats["pids_stats"]["current"].as_u64().unwrap_or(0)}),
        )
    })
}

fn list_of(field: &str) -> Value {
    object(
        json!({field: {"type": "array", "items": {"type": "object"}}}),
        &[field],
    )
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "docker-agent",
        aliases: vec!["docker", "container-manager"],
        category: AgentCategory::Infrastructure,
        description: "Containers, images and stats on a Docker engine the operator names; the host's own socket only when granted (\"grants\": [\"docker_socket\"])",
        task_types: vec![
            task(
                "list_containers",
                "Every container (or only running ones) with state, image and Compose project, and each project's counts",
                json!({"type": ["object", "null"], "additionalProperties": false, "properties": {
                    "all": {"type": "boolean", "default": true, "description": "Stopped containers too"},
                    "project": {"type": "string", "minLength": 1, "description": "Only this Compose project"}}}),
                object(json!({"containers": {"type": "array", "items": {"type": "object"}},
                              "projects": {"type": "array", "items": {"type": "object"}}}), &["containers", "projects"]),
                list_containers,
            ),
            task(
                "container_action",
                "Start, stop or restart a container",
                object(json!({"container": container_property(),
                              "action": {"enum": ["start", "stop", "restart"]},
                              "timeout_seconds": {"type": "integer", "minimum": 0, "maximum": 600,
                                                  "description": "How long a stop waits before the engine kills (default 10)"}}),
                       &["container", "action"]),
                object(json!({"container": {"type": "string"}, "action": {"type": "string"},
                              "changed": {"type": "boolean", "description": "false: it already was in that state"},
                              "state": {"type": "string"}, "running": {"type": "boolean"}}),
                       &["container", "action", "changed", "state", "running"]),
                container_action,
            ),
            task(
                "list_images",
                "The engine's images with tags and sizes",
                json!({"type": ["object", "null"], "additionalProperties": false, "properties": {
                    "reference": {"type": "string", "minLength": 1, "description": "Only images matching this reference (app, app:v*)"}}}),
                list_of("images"),
                list_images,
            ),
            task(
                "pull_image",
                "Pull an image from its registry",
                object(json!({"image": {"type": "string", "minLength": 1, "maxLength": 255},
                              "tag": {"type": "string", "minLength": 1, "maxLength": 128}}), &["image"]),
                object(json!({"image": {"type": "string"}, "status": {}}), &["image", "status"]),
                pull_image,
            ),
            task(
                "container_stats",
                "A container's CPU and memory use, as docker stats shows them",
                object(json!({"container": container_property()}), &["container"]),
                object(json!({"container": {"type": "string"}, "cpu_percent": {"type": "number"},
                              "memory_usage_bytes": {"type": "integer"}, "memory_limit_bytes": {"type": "integer"},
                              "memory_percent": {"type": "number"}, "pids": {"type": "integer"}}),
                       &["container", "cpu_percent", "memory_usage_bytes", "memory_limit_bytes", "memory_percent"]),
                container_stats,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {"docker_host": super::docker_engine::settings_property()}
        }),
        defaults: KindDefaults { cpu_limit: 0.5, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: vec![Privilege::DockerSocket],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_are_computed_as_docker_stats_does() {
        let stats = json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
            "memory_stats": {"usage": 1000, "limit": 4000, "stats": {"inactive_file": 200}}
        });
        assert_eq!(cpu_percent(&stats), 40.0);
        assert_eq!(memory_used(&stats), 800);
        assert_eq!(cpu_percent(&json!({})), 0.0);
    }
}
