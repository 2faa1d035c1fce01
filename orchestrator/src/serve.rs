//! `myca serve`: the orchestrator without a window.
//!
//! Today it opens the store, reports what it found and answers `GET /health`
//! with the seed's body; the full HTTP API grows on this router.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::Orchestrator;

/// The seed's orchestrator port, on loopback only.
pub const DEFAULT_BIND: &str = "127.0.0.1:8001";

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Server(std::io::Error),
}

pub fn router(orchestrator: Arc<Orchestrator>) -> Router {
    Router::new()
        .route("/health", get(health))
        .with_state(orchestrator)
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok", "service": "myca-orchestrator" }))
}

/// Serves until `shutdown` resolves; returns the bound address via `on_bound`
/// so callers binding port 0 learn the real port.
pub async fn serve(
    orchestrator: Arc<Orchestrator>,
    address: SocketAddr,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| ServeError::Bind { address, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { address, source })?;
    on_bound(bound);
    axum::serve(listener, router(orchestrator))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServeError::Server)
}
