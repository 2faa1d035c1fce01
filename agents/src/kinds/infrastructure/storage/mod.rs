//! `storage-agent`: backups with restic (create, list, restore and verify)
//! and the pools and datasets of a TrueNAS system.
//!
//! How restic reaches the data: the agent image carries `/usr/bin/restic`
//! (with the libraries it links) when the machine building the image has
//! the Debian package installed. The directories to back up, to restore
//! into and a local repository are host directories the operator grants in
//! the `host_directories` setting; each is mounted read-write at the same
//! path, so paths mean the same inside and outside the container. A backup
//! or restore outside them is refused rather than silently reading the
//! container's own empty filesystem. The repository may instead be a
//! remote restic backend (`rest:`, `s3:`…) the agent reaches over the network.

mod restic;
mod truenas;

use serde_json::{json, Value};

use self::restic::Restic;
use crate::kinds::connect::{optional_text, text};
use crate::kinds::spec::{
    task, CredentialSpec, KindDefaults, KindSpec, Privilege, HOST_DIRECTORIES,
};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// `path` if it lies inside one of the granted host directories.
fn granted<'a>(context: &TaskContext, field: &str, path: &'a str) -> Result<&'a str, String> {
    let directories = context.settings[HOST_DIRECTORIES]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let inside = path.starts_with('/')
        && !path.split('/').any(|part| part == "..")
        && directories.iter().filter_map(Value::as_str).any(|dir| {
            let dir = dir.trim_end_matches('/');
            path == dir || path.starts_with(&format!("{dir}/"))
        });
    if inside {
        Ok(path)
    } else {
        Err(format!(
            "invalid payload: payload.{field}: {path:?} is not inside a directory granted in \
             the {HOST_DIRECTORIES} setting"
        ))
    }
}

/// Repeats `flag` before each of the payload's strings in `field`.
fn flagged(payload: &Value, field: &str, flag: &str) -> Vec<String> {
    payload[field]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(|value| [flag.to_owned(), value.to_owned()])
        .collect()
}

fn backup(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let paths = payload["paths"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|path| granted(&context, "paths", path).map(str::to_owned))
            .collect::<Result<Vec<_>, _>>()?;
        let restic = Restic::for_agent(&context)?;
        let mut args = vec!["backup".to_owned()];
        args.extend(flagged(payload, "tags", "--tag"));
        if let Some(host) = optional_text(payload, "host") {
            args.extend(["--host".to_owned(), host.to_owned()]);
        }
        args.push("--".to_owned());
        args.extend(paths);
        let summary = restic
            .json(&args)
            .await?
            .into_iter()
            .find(|line| line["message_type"] == "summary")
            .ok_or("restic: the backup ended without a summary")?;
        Ok(json!({
            "snapshot_id": summary["snapshot_id"],
            "files_new": summary["files_new"], "files_changed": summary["files_changed"],
            "files_unmodified": summary["files_unmodified"],
            "total_files_processed": summary["total_files_processed"],
            "total_bytes_processed": summary["total_bytes_processed"],
            "data_added": summary["data_added"],
        }))
    })
}

fn list_snapshots(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let mut args = vec!["snapshots".to_owned()];
        for (field, flag) in [("tag", "--tag"), ("path", "--path"), ("host", "--host")] {
            if let Some(value) = optional_text(payload, field) {
                args.extend([flag.to_owned(), value.to_owned()]);
            }
        }
        let listed = Restic::for_agent(&context)?.json(&args).await?;
        let snapshots: Vec<Value> = listed
            .iter()
            .filter_map(Value::as_array)
            .flatten()
            .map(|s| {
                json!({"id": s["id"], "short_id": s["short_id"], "time": s["time"], "paths": s["paths"],
                       "tags": s.get("tags").cloned().unwrap_or(json!([])), "hostname": s["hostname"]})
            })
            .collect();
        Ok(json!({"count": snapshots.len(), "snapshots": snapshots}))
    })
}

/// `latest` or a snapshot id (a hex prefix), never something restic would read as a flag.
fn snapshot_id(id: &str) -> Result<&str, String> {
    if id == "latest"
        || (!id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Ok(id)
    } else {
        Err(format!(
            "invalid payload: payload.snapshot_id: {id:?} is neither `latest` nor a snapshot id"
        ))
    }
}

fn restore(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = snapshot_id(text(payload, "snapshot_id"))?;
        let target = granted(&context, "target", text(payload, "target"))?;
        let args = ["restore", id, "--target", target, "--verify"].map(str::to_owned);
        let output = Restic::for_agent(&context)?.run(&args).await?;
        // `finished verifying 3 files in /target (took 0s)`
        let verified = output
            .lines()
            .find_map(|line| line.strip_prefix("finished verifying "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|count| count.parse::<u64>().ok())
            .ok_or("restic: the restore did not report its verification")?;
        Ok(json!({"snapshot_id": id, "target": target, "verified_files": verified}))
    })
}

fn pool_status(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let pool = optional_text(&context.task.payload, "pool").map(str::to_owned);
        truenas::pool_status(&context, pool.as_deref()).await
    })
}

fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string", "minLength": 1}, "description": description})
}

pub fn spec() -> KindSpec {
    let path = json!({"type": "string", "minLength": 2, "description": "An absolute path inside a granted host directory"});
    let filter = json!({"type": "string", "minLength": 1});
    KindSpec {
        kind: "storage-agent",
        aliases: vec!["storage"],
        category: AgentCategory::Infrastructure,
        description: "Backups with restic (create, list, restore and verify) of host directories the operator grants, \
                      and the pools and datasets of a TrueNAS system (JSON-RPC over WebSocket). The agent image carries \
                      restic when the machine building it has the Debian package; `host_directories` are mounted \
                      read-write at the same paths (usable by uid 65534); the restic password reaches only restic's own process",
        task_types: vec![
            task(
                "backup",
                "Back up `paths` into the repository, tagged `tags`; the new snapshot and what it holds",
                json!({"type": "object", "additionalProperties": false, "required": ["paths"],
                       "properties": {"paths": {"type": "array", "minItems": 1, "maxItems": 100, "items": path},
                                      "tags": strings("Tags for the snapshot"),
                                      "host": {"type": "string", "minLength": 1, "description": "The host name recorded (default: the agent's)"}}}),
                json!({"type": "object", "required": ["snapshot_id", "total_files_processed", "total_bytes_processed"],
                       "properties": {"snapshot_id": {"type": "string"}, "files_new": {"type": "integer"},
                                      "files_changed": {"type": "integer"}, "files_unmodified": {"type": "integer"},
                                      "total_files_processed": {"type": "integer"}, "total_bytes_processed": {"type": "integer"},
                                      "data_added": {"type": "integer"}}}),
                backup,
            ),
            task(
                "list_snapshots",
                "The repository's snapshots, oldest first; filtered by tag, path or host",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"tag": filter, "path": filter, "host": filter}}),
                json!({"type": "object", "required": ["count", "snapshots"],
                       "properties": {"count": {"type": "integer"}, "snapshots": {"type": "array", "items": {"type": "object"}}}}),
                list_snapshots,
            ),
            task(
                "restore",
                "Restore snapshot `snapshot_id` (or `latest`) under `target` and verify the restored files against the repository",
                json!({"type": "object", "additionalProperties": false, "required": ["snapshot_id", "target"],
                       "properties": {"snapshot_id": {"type": "string", "minLength": 1, "maxLength": 64}, "target": path}}),
                json!({"type": "object", "required": ["snapshot_id", "target", "verified_files"],
                       "properties": {"snapshot_id": {"type": "string"}, "target": {"type": "string"},
                                      "verified_files": {"type": "integer"}}}),
                restore,
            ),
            task(
                "pool_status",
                "The TrueNAS system's pools (status, health, space) and their datasets, and how many pools are unhealthy",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"pool": {"type": "string", "minLength": 1, "description": "Only this pool"}}}),
                json!({"type": "object", "required": ["pools", "datasets", "unhealthy"],
                       "properties": {"pools": {"type": "array", "items": {"type": "object"}},
                                      "datasets": {"type": "array", "items": {"type": "object"}},
                                      "unhealthy": {"type": "integer"}}}),
                pool_status,
            ),
        ],
        credentials: vec![
            CredentialSpec {
                name: restic::PASSWORD,
                description: "The restic repository's password",
                check: Some("list_snapshots"),
            },
            CredentialSpec {
                name: truenas::API_KEY,
                description: "A TrueNAS API key (My API Keys in the TrueNAS web interface)",
                check: Some("pool_status"),
            },
        ],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "repository": {"type": "string", "default": "",
                               "description": "The restic repository: a path inside host_directories, or a rest:/s3:/sftp: address"},
                HOST_DIRECTORIES: {"type": "array", "default": [], "maxItems": 20,
                                   "items": {"type": "string", "minLength": 2},
                                   "description": "Host directories mounted read-write at the same path: what is backed up, restored into, and a local repository"},
                "temp_dir": {"type": "string", "minLength": 1, "default": "/tmp",
                             "description": "restic's scratch space: the container's 16 MiB /tmp, or a granted directory for large backups"},
                "truenas_url": {"type": "string", "default": "",
                                "description": "The TrueNAS API, wss://HOST/api/current"},
                "tls_fingerprint": {"type": "string", "default": "",
                                    "description": "SHA-256 fingerprint of the NAS's certificate (AB:CD:…) to pin; empty trusts public roots"}
            }
        }),
        defaults: KindDefaults { cpu_limit: 1.0, memory_limit_mb: 256, max_concurrent_tasks: 2 },
        privileges: vec![Privilege::HostDirectories],
    }
}
