//! A TrueNAS system's pools and datasets through its JSON-RPC 2.0 API over
//! a WebSocket (`wss://HOST/api/current`, TrueNAS 25.04 and later): the
//! session logs in with `auth.login_with_api_key`, then calls
//! `pool.query` and `pool.dataset.query`. TrueNAS revokes an API key that
//! arrives without TLS, so the agent refuses a `ws://` address.

use std::time::Duration;

use serde_json::{json, Value};

use crate::integration::{RpcSocket, ServiceError, Trust};
use crate::kinds::connect::{credential, setting};
use crate::runtime::handlers::TaskContext;

pub const API_KEY: &str = "TRUENAS_API_KEY";
const TIMEOUT: Duration = Duration::from_secs(30);

/// The NAS's address, if the API key may be sent there.
fn checked_url(url: &str) -> Result<&str, String> {
    if url.is_empty() {
        Err("setting \"truenas_url\" is empty: name the NAS, wss://HOST/api/current".to_owned())
    } else if !url.starts_with("wss://") {
        Err(format!(
            "setting truenas_url {url:?} is not wss://: TrueNAS revokes an API key sent without TLS"
        ))
    } else {
        Ok(url)
    }
}

/// A logged-in session with the agent's TrueNAS.
pub async fn session(context: &TaskContext) -> Result<RpcSocket, String> {
    let url = checked_url(setting(context, "truenas_url")?)?;
    let key = credential(context, API_KEY)?;
    let fingerprint = setting(context, "tls_fingerprint")?;
    let trust = if fingerprint.is_empty() {
        Trust::PublicRoots
    } else {
        Trust::pinned(fingerprint).map_err(|e| format!("setting tls_fingerprint: {e}"))?
    };
    let mut nas = RpcSocket::connect("truenas", url, &trust, TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    nas.learn(&key);
    let accepted = nas
        .call("auth.login_with_api_key", json!([key.expose()]))
        .await
        .map_err(|e| e.to_string())?;
    if accepted != Value::Bool(true) {
        return Err(ServiceError::Unauthorized {
            service: "truenas".to_owned(),
            message: "auth.login_with_api_key answered false".to_owned(),
        }
        .to_string());
    }
    Ok(nas)
}

/// A dataset property as TrueNAS reports it (`{parsed, rawvalue, value, source}`): its number.
fn parsed(property: &Value) -> Value {
    property.get("parsed").cloned().unwrap_or(Value::Null)
}

/// Every pool (or the one named `pool`) with its health and space, and its datasets.
pub async fn pool_status(context: &TaskContext, pool: Option<&str>) -> Result<Value, String> {
    let mut nas = session(context).await?;
    let (pool_filter, dataset_filter) = match pool {
        Some(name) => (json!([["name", "=", name]]), json!([["pool", "=", name]])),
        None => (json!([]), json!([])),
    };
    let pools = nas
        .call("pool.query", json!([pool_filter]))
        .await
        .map_err(|e| e.to_string())?;
    let datasets = nas
        .call(
            "pool.dataset.query",
            json!([dataset_filter, {"extra": {"flat": true}}]),
        )
        .await
        .map_err(|e| e.to_string())?;
    let pools: Vec<Value> = pools
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            json!({"name": p["name"], "status": p["status"], "healthy": p["healthy"], "warning": p["warning"],
                   "size": p["size"], "allocated": p["allocated"], "free": p["free"], "path": p["path"]})
        })
        .collect();
    if let Some(name) = pool {
        if pools.is_empty() {
            return Err(format!("truenas: no pool named {name:?}"));
        }
    }
    let datasets: Vec<Value> = datasets
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            json!({"id": d["id"], "pool": d["pool"], "type": d["type"], "mountpoint": d["mountpoint"],
                   "used": parsed(&d["used"]), "available": parsed(&d["available"])})
        })
        .collect();
    let unhealthy = pools.iter().filter(|p| p["healthy"] != true).count();
    Ok(json!({"pools": pools, "datasets": datasets, "unhealthy": unhealthy}))
}

#[cfg(test)]
mod tests {
    use super::checked_url;

    #[test]
    fn the_key_goes_only_over_tls() {
        let url = "wss://nas.lan/api/current";
        assert_eq!(checked_url(url), Ok(url));
        assert!(checked_url("ws://nas.lan/api/current")
            .unwrap_err()
            .contains("revokes an API key sent without TLS"));
        assert!(checked_url("").unwrap_err().contains("is empty"));
    }
}
