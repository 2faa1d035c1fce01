//! The HTTP API (axum): the seed's routes and bodies, plus hosts,
//! snapshots, task lists and dead letters. Every route but `/health` needs
//! the API key; CORS stays closed (no cross-origin headers are sent).

mod agents;
pub(crate) mod artifacts;
mod auth;
mod catalog;
mod dashboard;
mod error;
mod extract;
mod gaps;
mod hosts;
mod key;
mod knowledge;
mod messages;
mod openapi;
mod page;
mod snapshots;
mod status;
mod tasks;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::watch;

use crate::service::FleetService;

pub use auth::API_KEY_HEADER;
pub use dashboard::topology_of;
pub use error::ApiError;
pub use key::{resolve_api_key, API_KEY_SECRET};
pub use page::checked_limit;
pub use tasks::{submit_task, task_page, TaskRequest};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct ApiState {
    pub service: Arc<FleetService>,
    pub api_key: Arc<str>,
    /// Becomes true when the server shuts down, so live streams end and the
    /// graceful shutdown does not wait on them forever.
    pub closing: watch::Receiver<bool>,
}

pub fn router(service: Arc<FleetService>, api_key: &str, closing: watch::Receiver<bool>) -> Router {
    let state = ApiState {
        service,
        api_key: Arc::from(api_key),
        closing,
    };
    let protected = Router::new()
        .route("/status", get(status::status))
        .route("/openapi.json", get(openapi::openapi))
        .route("/agents", get(agents::list))
        .route("/agents/spawn", post(agents::spawn))
        .route("/agents/register", post(agents::register))
        .route("/agents/{id}", get(agents::one))
        .route("/agents/{id}/stop", post(agents::stop))
        .route("/agents/{id}/restart", post(agents::restart))
        .route(
            "/agents/{id}/snapshots",
            get(snapshots::list).post(snapshots::create),
        )
        .route("/snapshots/{id}", get(snapshots::one))
        .route("/snapshots/{id}/restore", post(snapshots::restore))
        .route("/hosts", get(hosts::list).post(hosts::save))
        .route(
            "/hosts/{name}",
            axum::routing::delete(hosts::remove).patch(hosts::change),
        )
        .route("/hosts/{name}/confirm", post(hosts::confirm))
        .route("/hosts/{name}/test", post(hosts::test))
        .route("/gaps", get(gaps::list))
        .route(
            "/gaps/requirements",
            get(gaps::requirements).put(gaps::set_requirements),
        )
        .route("/gaps/{agent_id}/fill", post(gaps::fill))
        .route("/approvals", get(gaps::approvals))
        .route("/approvals/{id}/approve", post(gaps::approve))
        .route("/approvals/{id}/reject", post(gaps::reject))
        .route("/catalog", get(catalog::catalog))
        .route("/templates", get(gaps::templates))
        .route("/audit", get(gaps::audit))
        .route("/knowledge", get(knowledge::list))
        .route("/messages", get(messages::list).post(messages::send))
        .route("/messages/{id}", get(messages::one))
        .route("/tasks", get(tasks::list).post(tasks::submit))
        .route("/tasks/dead-letters", get(tasks::dead_letters))
        .route("/tasks/{id}", get(tasks::one))
        .route("/tasks/{id}/cancel", post(tasks::cancel))
        .route("/tasks/{id}/artifacts/{artifact_id}", get(artifacts::one))
        .route("/api/dashboard/agents", get(dashboard::agents))
        .route("/api/dashboard/agents/{id}", get(dashboard::agent))
        .route(
            "/api/dashboard/agents/{id}/logs",
            get(dashboard::agent_logs),
        )
        .route("/api/dashboard/stats", get(dashboard::stats))
        .route("/api/dashboard/topology", get(dashboard::topology))
        .route("/api/dashboard/health", get(dashboard::health))
        .route("/api/dashboard/ws", get(dashboard::ws))
        .route("/api/dashboard/stream", get(dashboard::stream))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_api_key,
        ));
    Router::new()
        .route("/health", get(status::health))
        .merge(protected)
        .fallback(|| async { ApiError::NotFound("no such route".into()) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(state)
}
