//! A Proxmox VE API on loopback, answering as the real one documents:
//! `/api2/json` paths, `Authorization: PVEAPIToken=USER@REALM!ID=SECRET`,
//! `{"data": …}` answers, actions that return a task id (UPID) whose status
//! is `running` until a later look finds it `stopped` with its exit status,
//! 401 for a wrong token and 500 with a message for an unknown VM — over
//! TLS with a self-signed certificate the agent must pin.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub const NODE: &str = "pve";
pub const TOKEN_ID: &str = "root@pam!myca";

#[derive(Default)]
pub struct Cluster {
    /// vmid → (name, status, snapshots)
    pub vms: BTreeMap<u64, (String, String, Vec<String>)>,
    /// upid → (looks left while running, exit status)
    tasks: BTreeMap<String, (u32, String)>,
    counter: u64,
}

#[derive(Clone)]
struct Fake {
    cluster: Arc<Mutex<Cluster>>,
    token: String,
}

pub struct FakeProxmox {
    pub address: SocketAddr,
    /// SHA-256 of its certificate, to pin.
    pub fingerprint: String,
    pub cluster: Arc<Mutex<Cluster>>,
}

fn data(value: Value) -> Response {
    Json(json!({ "data": value })).into_response()
}

fn authorized(fake: &Fake, headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(fake.token.as_str())
}

/// What Proxmox answers a wrong or expired token (the reason is only in the status line).
fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({"data": null}))).into_response()
}

fn unknown_vm(vmid: u64) -> Response {
    let message =
        format!("Configuration file 'nodes/{NODE}/qemu-server/{vmid}.conf' does not exist\n");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"data": null, "message": message})),
    )
        .into_response()
}

impl Cluster {
    /// Starts a Proxmox task; it reports `running` once, then `exit`.
    fn start_task(&mut self, kind: &str, vmid: u64, exit: &str) -> String {
        self.counter += 1;
        let upid = format!(
            "UPID:{NODE}:{:08X}:0012D687:6745B1C0:{kind}:{vmid}:{TOKEN_ID}:",
            self.counter
        );
        self.tasks.insert(upid.clone(), (1, exit.to_owned()));
        upid
    }
}

async fn resources(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    assert_eq!(
        query.get("type").map(String::as_str),
        Some("vm"),
        "the agent asks for VMs"
    );
    let cluster = fake.cluster.lock().unwrap();
    let vms: Vec<Value> = cluster
        .vms
        .iter()
        .map(|(vmid, (name, status, _))| {
            json!({"id": format!("qemu/{vmid}"), "type": "qemu", "vmid": vmid, "name": name, "node": NODE,
                   "status": status, "cpu": 0.01, "mem": 536_870_912u64, "maxmem": 2_147_483_648u64, "uptime": 0})
        })
        .collect();
    data(json!(vms))
}

async fn vm_status(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((_, vmid, action)): Path<(String, u64, String)>,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    let mut cluster = fake.cluster.lock().unwrap();
    let Some(vm) = cluster.vms.get_mut(&vmid) else {
        return unknown_vm(vmid);
    };
    vm.1 = if action == "start" || action == "reboot" {
        "running"
    } else {
        "stopped"
    }
    .to_owned();
    let upid = cluster.start_task(&format!("qm{action}"), vmid, "OK");
    data(json!(upid))
}

async fn snapshot(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((_, vmid)): Path<(String, u64)>,
    Json(body): Json<Value>,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    let mut cluster = fake.cluster.lock().unwrap();
    let Some(vm) = cluster.vms.get_mut(&vmid) else {
        return unknown_vm(vmid);
    };
    vm.2.push(body["snapname"].as_str().unwrap_or_default().to_owned());
    let upid = cluster.start_task("qmsnapshot", vmid, "OK");
    data(json!(upid))
}

async fn rollback(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((_, vmid, snapname)): Path<(String, u64, String)>,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    let mut cluster = fake.cluster.lock().unwrap();
    let Some(vm) = cluster.vms.get(&vmid) else {
        return unknown_vm(vmid);
    };
    // Proxmox accepts the request and the task fails.
    let exit = if vm.2.contains(&snapname) {
        "OK".to_owned()
    } else {
        format!("snapshot '{snapname}' does not exist")
    };
    let upid = cluster.start_task("qmrollback", vmid, &exit);
    data(json!(upid))
}

async fn task_status(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((_, upid)): Path<(String, String)>,
) -> Response {
    if !authorized(&fake, &headers) {
        return unauthorized();
    }
    let mut cluster = fake.cluster.lock().unwrap();
    let Some((looks_left, exit)) = cluster.tasks.get_mut(&upid) else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"data": null, "message": "unable to parse worker upid\n"})),
        )
            .into_response();
    };
    if *looks_left > 0 {
        *looks_left -= 1;
        return data(json!({"status": "running", "upid": upid, "node": NODE}));
    }
    data(json!({"status": "stopped", "exitstatus": exit, "upid": upid, "node": NODE}))
}

impl FakeProxmox {
    /// A cluster with VM 100 (`web`, stopped), accepting `secret` for [`TOKEN_ID`].
    pub async fn start(secret: &str) -> Self {
        let mut cluster = Cluster::default();
        cluster
            .vms
            .insert(100, ("web".into(), "stopped".into(), Vec::new()));
        let cluster = Arc::new(Mutex::new(cluster));
        let fake = Fake {
            cluster: cluster.clone(),
            token: format!("PVEAPIToken={TOKEN_ID}={secret}"),
        };
        let router = Router::new()
            .route("/api2/json/cluster/resources", get(resources))
            .route(
                "/api2/json/nodes/{node}/qemu/{vmid}/status/{action}",
                post(vm_status),
            )
            .route(
                "/api2/json/nodes/{node}/qemu/{vmid}/snapshot",
                post(snapshot),
            )
            .route(
                "/api2/json/nodes/{node}/qemu/{vmid}/snapshot/{snapname}/rollback",
                post(rollback),
            )
            .route(
                "/api2/json/nodes/{node}/tasks/{upid}/status",
                get(task_status),
            )
            .with_state(fake);
        let (address, fingerprint) = myca_agents::integration::fake::serve_tls(router).await;
        Self {
            address,
            fingerprint,
            cluster,
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }
}
