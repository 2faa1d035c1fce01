//! A TrueNAS middleware API on loopback, answering as TrueNAS 25.04+
//! documents it: JSON-RPC 2.0 over a WebSocket at `/api/current`, over TLS
//! with a self-signed certificate the agent must pin. A connection starts
//! unauthenticated; `auth.login_with_api_key` answers `true` for the right
//! key and `false` otherwise (after a pause, as the real one does); a call
//! before login fails with error -32001 "Method call error" whose `data` is
//! `{error: 207, errname: "ENOTAUTHENTICATED", reason: "Not authenticated"}`;
//! an unknown method is -32601, a request that is not JSON-RPC 2.0 -32600.
//! `pool.query` and `pool.dataset.query` take `[filters, options]` with
//! `[field, "=", value]` filters.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;

pub const API_PATH: &str = "/api/current";

pub struct FakeTrueNas {
    pub address: SocketAddr,
    /// SHA-256 of its certificate, to pin.
    pub fingerprint: String,
}

/// An `error` answer as the middleware formats one.
fn error(id: &Value, code: i64, message: &str, data: Option<Value>) -> Value {
    let mut error = json!({"code": code, "message": message});
    if let Some(data) = data {
        error["data"] = data;
    }
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}

/// A CallError: -32001 with the errno, its name and the reason.
fn call_error(id: &Value, errno: i64, errname: &str, reason: &str) -> Value {
    let data = json!({"error": errno, "errname": errname, "reason": reason, "trace": null,
                      "extra": [], "py_exception": null});
    error(id, -32001, "Method call error", Some(data))
}

fn property(bytes: u64) -> Value {
    json!({"parsed": bytes, "rawvalue": bytes.to_string(), "value": format!("{bytes}B"), "source": "NONE"})
}

fn pools() -> Vec<Value> {
    let pool = |id: u64, name: &str, status: &str, healthy: bool, size: u64, allocated: u64| {
        json!({"id": id, "name": name, "guid": format!("{}", 1_000_000 + id), "path": format!("/mnt/{name}"),
               "status": status, "healthy": healthy, "warning": false, "status_code": if healthy { "HEALTHY" } else { "DEGRADED" },
               "status_detail": if healthy { Value::Null } else { json!("One or more devices has been removed") },
               "size": size, "allocated": allocated, "free": size - allocated, "freeing": 0,
               "fragmentation": "3", "is_upgraded": true, "scan": {"function": "SCRUB", "state": "FINISHED", "errors": 0},
               "topology": {"data": [], "log": [], "cache": [], "spare": [], "special": [], "dedup": []}})
    };
    vec![
        pool(
            1,
            "tank",
            "ONLINE",
            true,
            4_000_000_000_000,
            1_500_000_000_000,
        ),
        pool(
            2,
            "backup",
            "DEGRADED",
            false,
            2_000_000_000_000,
            1_900_000_000_000,
        ),
    ]
}

fn datasets() -> Vec<Value> {
    let dataset = |name: &str, used: u64, available: u64| {
        let pool = name.split('/').next().unwrap_or(name);
        json!({"id": name, "name": name, "pool": pool, "type": "FILESYSTEM", "encrypted": false,
               "mountpoint": format!("/mnt/{name}"), "used": property(used), "available": property(available),
               "children": []})
    };
    vec![
        dataset("tank", 1_500_000_000_000, 2_500_000_000_000),
        dataset("tank/media", 1_200_000_000_000, 2_500_000_000_000),
        dataset("backup", 1_900_000_000_000, 100_000_000_000),
    ]
}

/// The rows that pass every `[field, "=", value]` filter.
fn filtered(rows: Vec<Value>, params: &Value) -> Result<Vec<Value>, String> {
    let filters = params.get(0).cloned().unwrap_or(json!([]));
    let filters = filters.as_array().ok_or("filters must be a list")?;
    for filter in filters {
        if filter.get(1) != Some(&json!("=")) || filter.as_array().map(Vec::len) != Some(3) {
            return Err(format!("unsupported filter {filter}"));
        }
    }
    Ok(rows
        .into_iter()
        .filter(|row| {
            filters
                .iter()
                .all(|f| f[0].as_str().is_some_and(|field| row[field] == f[2]))
        })
        .collect())
}

/// One request's answer; `authenticated` is the connection's state.
async fn answer(request: &Value, key: &str, authenticated: &mut bool) -> Value {
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    if request["jsonrpc"] != "2.0" {
        return error(
            &id,
            -32600,
            "'jsonrpc' member must be of type string and must be exactly '2.0'",
            None,
        );
    }
    let params = request.get("params").cloned().unwrap_or(json!([]));
    let method = request["method"].as_str().unwrap_or_default();
    let rows = match method {
        "auth.login_with_api_key" => {
            *authenticated = params[0] == key;
            if !*authenticated {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            return json!({"jsonrpc": "2.0", "id": id, "result": *authenticated});
        }
        "pool.query" => pools(),
        "pool.dataset.query" => datasets(),
        _ => return error(&id, -32601, "Method does not exist", None),
    };
    if !*authenticated {
        return call_error(&id, 207, "ENOTAUTHENTICATED", "Not authenticated");
    }
    match filtered(rows, &params) {
        Ok(rows) => json!({"jsonrpc": "2.0", "id": id, "result": rows}),
        Err(reason) => call_error(&id, 22, "EINVAL", &reason),
    }
}

/// Only the API's path upgrades to a WebSocket; anything else is a 404.
// The error type is tungstenite's handshake callback's, not ours to shrink.
#[allow(clippy::result_large_err)]
fn only_the_api(request: &Request, response: Response) -> Result<Response, ErrorResponse> {
    if request.uri().path() == API_PATH {
        Ok(response)
    } else {
        let mut refused = ErrorResponse::new(Some("Not Found".to_owned()));
        *refused.status_mut() = StatusCode::NOT_FOUND;
        Err(refused)
    }
}

async fn serve_connection<S>(stream: S, key: String)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, only_the_api).await else {
        return;
    };
    let mut authenticated = false;
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        let reply = match serde_json::from_str::<Value>(text.as_str()) {
            Ok(request) => answer(&request, &key, &mut authenticated).await,
            Err(e) => error(&Value::Null, -32700, &e.to_string(), None),
        };
        if socket.send(Message::text(reply.to_string())).await.is_err() {
            return;
        }
    }
}

impl FakeTrueNas {
    /// Pools `tank` (healthy) and `backup` (degraded) with three datasets; accepts `key`.
    pub async fn start(key: &str) -> Self {
        let (certificate, private_key, fingerprint) = myca_agents::integration::fake::self_signed();
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate], private_key)
            .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let key = key.to_owned();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (acceptor, key) = (acceptor.clone(), key.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        serve_connection(tls, key).await;
                    }
                });
            }
        });
        Self {
            address,
            fingerprint,
        }
    }

    pub fn url(&self) -> String {
        format!("wss://{}{API_PATH}", self.address)
    }
}
