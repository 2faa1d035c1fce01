//! `proxmox-agent`: virtual machines on a Proxmox VE cluster through its
//! API (`/api2/json`, `{"data": …}` answers, an API token, usually a
//! self-signed certificate pinned by fingerprint). Actions answer with a
//! task id (UPID) that is followed until the task ends.

use std::time::Duration;

use serde_json::{json, Value};

use crate::integration::{poll, Auth, Envelope, Polled, Service, ServiceConfig, Trust};
use crate::kinds::connect::{credential, optional_text, setting, text};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const SECRET: &str = "PROXMOX_TOKEN_SECRET";
const POLL_EVERY: Duration = Duration::from_millis(500);

fn service(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new("proxmox", setting(context, "base_url")?);
    config.envelope = Envelope::Data;
    config.auth = Auth::ProxmoxToken {
        token_id: setting(context, "token_id")?.to_owned(),
        secret: credential(context, SECRET)?,
    };
    let fingerprint = setting(context, "tls_fingerprint")?;
    if !fingerprint.is_empty() {
        config.trust =
            Trust::pinned(fingerprint).map_err(|e| format!("setting tls_fingerprint: {e}"))?;
    }
    Service::new(config).map_err(|e| e.to_string())
}

fn list_vms(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let pve = service(&context)?;
        let resources = pve
            .get("/api2/json/cluster/resources", &[("type", "vm".to_owned())])
            .await
            .map_err(|e| e.to_string())?;
        let node = optional_text(&context.task.payload, "node");
        let vms: Vec<Value> = resources
            .as_array()
            .into_iter()
            .flatten()
            .filter(|vm| node.is_none_or(|n| vm["node"] == n))
            .map(|vm| {
                json!({"vmid": vm["vmid"], "name": vm["name"], "node": vm["node"], "type": vm["type"],
                       "status": vm["status"], "cpu": vm["cpu"], "mem": vm["mem"], "maxmem": vm["maxmem"],
                       "uptime": vm["uptime"]})
            })
            .collect();
        Ok(json!({ "vms": vms }))
    })
}

/// Follows the task `upid` on `node` until it stops; fails unless it ended `OK`.
async fn follow(
    pve: &Service,
    context: &TaskContext,
    node: &str,
    upid: &str,
) -> Result<Value, String> {
    let limit = Duration::from_secs(
        context.settings["task_wait_seconds"]
            .as_u64()
            .unwrap_or(120),
    );
    let path = format!("/api2/json/nodes/{node}/tasks/{upid}/status");
    let ended = poll(pve, POLL_EVERY, limit, || async {
        let status = pve.get(&path, &[]).await?;
        Ok(if status["status"] == "stopped" {
            Polled::Done(status)
        } else {
            Polled::Running
        })
    })
    .await
    .map_err(|e| e.to_string())?;
    match ended["exitstatus"].as_str() {
        Some("OK") => Ok(json!({"upid": upid, "exitstatus": "OK"})),
        other => Err(format!(
            "proxmox task {upid} ended with: {}",
            other.unwrap_or("no exit status")
        )),
    }
}

/// Posts an action that answers with a UPID, then follows it.
async fn act(context: &TaskContext, path_tail: &str, body: Option<Value>) -> Result<Value, String> {
    let payload = &context.task.payload;
    let node = text(payload, "node");
    let vmid = &payload["vmid"];
    let pve = service(context)?;
    let path = format!("/api2/json/nodes/{node}/qemu/{vmid}/{path_tail}");
    let upid = pve
        .post(&path, body.as_ref())
        .await
        .map_err(|e| e.to_string())?;
    let upid = upid
        .as_str()
        .ok_or("proxmox answered without a task id")?
        .to_owned();
    follow(&pve, context, node, &upid).await
}

fn vm_action(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let action = text(&context.task.payload, "action").to_owned();
        let mut done = act(&context, &format!("status/{action}"), None).await?;
        done["action"] = json!(action);
        Ok(done)
    })
}

fn create_snapshot(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let body = json!({"snapname": payload["snapname"],
                          "description": optional_text(payload, "description").unwrap_or_default()});
        act(&context, "snapshot", Some(body)).await
    })
}

fn rollback_snapshot(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let snapname = text(&context.task.payload, "snapname").to_owned();
        act(&context, &format!("snapshot/{snapname}/rollback"), None).await
    })
}

fn target(extra: Value) -> Value {
    let mut properties = json!({
        "node": {"type": "string", "minLength": 1, "maxLength": 64, "description": "The cluster node that has the VM"},
        "vmid": {"type": "integer", "minimum": 100, "maximum": 999_999_999},
    });
    let mut required = vec![json!("node"), json!("vmid")];
    for (name, schema) in extra.as_object().into_iter().flatten() {
        properties[name] = schema.clone();
        if name != "description" {
            required.push(json!(name));
        }
    }
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

fn finished_task() -> Value {
    json!({"type": "object", "required": ["upid", "exitstatus"],
           "properties": {"upid": {"type": "string"}, "exitstatus": {"const": "OK"}, "action": {"type": "string"}}})
}

pub fn spec() -> KindSpec {
    let snapname = json!({"type": "string", "minLength": 2, "maxLength": 40});
    KindSpec {
        kind: "proxmox-agent",
        aliases: vec!["proxmox", "vm-manager"],
        category: AgentCategory::Infrastructure,
        description: "Virtual machines on a Proxmox VE cluster: list, start/stop/shutdown/reboot and snapshots, each action followed to the end of its Proxmox task",
        task_types: vec![
            task(
                "list_vms",
                "Every VM of the cluster (or of `node`) with its state and use",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"node": {"type": "string", "minLength": 1}}}),
                json!({"type": "object", "required": ["vms"], "properties": {"vms": {"type": "array", "items": {"type": "object"}}}}),
                list_vms,
            ),
            task(
                "vm_action",
                "Start, stop, shut down or reboot a VM and wait for Proxmox to finish",
                target(json!({"action": {"enum": ["start", "stop", "shutdown", "reboot"]}})),
                finished_task(),
                vm_action,
            ),
            task(
                "create_snapshot",
                "Take snapshot `snapname` of a VM",
                target(json!({"snapname": snapname, "description": {"type": "string"}})),
                finished_task(),
                create_snapshot,
            ),
            task(
                "rollback_snapshot",
                "Roll a VM back to snapshot `snapname`",
                target(json!({"snapname": snapname})),
                finished_task(),
                rollback_snapshot,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: SECRET,
            description: "The API token's secret (the UUID Proxmox shows once when the token is made)",
            check: Some("list_vms"),
        }],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "https://127.0.0.1:8006",
                             "description": "The cluster's API address, https://HOST:8006"},
                "token_id": {"type": "string", "default": "root@pam!myca",
                             "description": "The API token's id, USER@REALM!TOKENID"},
                "tls_fingerprint": {"type": "string", "default": "",
                                    "description": "SHA-256 fingerprint of the node's certificate (AB:CD:…) to pin; empty trusts public roots"},
                "task_wait_seconds": {"type": "integer", "minimum": 1, "maximum": 3600, "default": 120,
                                      "description": "How long an action waits for its Proxmox task"}
            }
        }),
        defaults: KindDefaults {
            cpu_limit: 0.5,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
