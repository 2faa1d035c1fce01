//! `/health`, `/metrics` and `/status` on AGENT_PORT.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use tokio::sync::watch;

use super::state::Shared;
use crate::protocol::{AgentMetrics, AgentState, HealthResponse};

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/status", get(status))
        .with_state(shared)
}

async fn health(State(shared): State<Arc<Shared>>) -> (StatusCode, Json<HealthResponse>) {
    // Healthy means ready: credentials held, tasks are read and commands are heard.
    let healthy = shared.has_credentials()
        && shared.redis_healthy.load(Ordering::Relaxed)
        && shared.listening.load(Ordering::Relaxed)
        && !shared.stopping.load(Ordering::Relaxed);
    let body = HealthResponse {
        status: if healthy { "healthy" } else { "unhealthy" }.to_owned(),
        agent_id: shared.config.agent_id.clone(),
        agent_status: shared.status(),
        uptime_seconds: shared.uptime_seconds(),
    };
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

/// The seed's metrics columns, plus the agent's usage counters when it has any.
#[derive(serde::Serialize)]
struct MetricsAnswer {
    #[serde(flatten)]
    metrics: AgentMetrics,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    usage: BTreeMap<String, u64>,
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Json<MetricsAnswer> {
    Json(MetricsAnswer {
        metrics: shared.metrics(),
        usage: shared.usage.totals(),
    })
}

async fn status(State(shared): State<Arc<Shared>>) -> Json<AgentState> {
    Json(shared.agent_state())
}

pub async fn serve(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    axum::serve(listener, router(shared))
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await
}

pub async fn bind(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(SocketAddr::from(([0, 0, 0, 0], port))).await
}
