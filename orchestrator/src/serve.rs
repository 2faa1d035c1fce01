//! `myca serve`: the orchestrator service behind its HTTP API, no window.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::api;
use crate::service::FleetService;

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

/// Serves until `shutdown` resolves; reports the bound address through
/// `on_bound`, so callers binding port 0 learn the real port.
pub async fn serve(
    service: Arc<FleetService>,
    api_key: &str,
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
    let (closing, closed) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        let _ = closing.send(true);
    };
    axum::serve(listener, api::router(service, api_key, closed))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServeError::Server)
}
