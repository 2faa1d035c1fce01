//! The agent runtime: what runs as PID 1 in every agent container.

pub mod artifacts;
pub mod assessment;
mod backoff;
mod cancel;
pub mod config;
mod consumer;
mod control;
pub mod credentials;
mod executor;
pub mod handlers;
mod http;
mod inbox;
pub mod memory;
pub mod peers;
mod request_reply;
mod state;
pub mod usage;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::watch;
use tracing::{info, warn};

pub use config::{ConfigError, RuntimeConfig};
pub use handlers::{Registry, UnknownAgentType};

use backoff::Backoff;
use consumer::{wait_or_shutdown, Consumer};
use state::Shared;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    UnknownAgentType(#[from] UnknownAgentType),
    #[error("invalid REDIS_URL: {0}")]
    RedisUrl(redis::RedisError),
    #[error("cannot serve HTTP on port {port}: {source}")]
    Http { port: u16, source: std::io::Error },
}

/// The final snapshot is best effort: a broker that does not take it by then
/// does not hold up the stop.
const FINAL_SNAPSHOT_WITHIN: Duration = Duration::from_millis(500);

/// Runs the agent until SIGTERM, SIGINT or a `stop` command, then shuts
/// down gracefully: no new tasks, in-flight ones get SHUTDOWN_GRACE to
/// finish (the rest stay pending for another replica), a final snapshot is
/// published.
pub async fn run(config: RuntimeConfig) -> Result<(), RuntimeError> {
    let registry = Arc::new(Registry::for_agent_type(&config.agent_type)?);
    let client = redis::Client::open(config.redis_url.as_str()).map_err(RuntimeError::RedisUrl)?;
    let listener = http::bind(config.port)
        .await
        .map_err(|source| RuntimeError::Http {
            port: config.port,
            source,
        })?;
    let grace = config.shutdown_grace;
    let shared = Arc::new(Shared::new(config));
    let (stop, shutdown) = watch::channel(false);
    tokio::spawn(forward_signals(stop.clone()));
    let http = tokio::spawn(http::serve(shared.clone(), listener, shutdown.clone()));
    info!(
        agent_id = %shared.config.agent_id,
        agent_type = %shared.config.agent_type,
        port = shared.config.port,
        capabilities = ?registry.capabilities(),
        "agent starting"
    );

    // A stop before the broker answered is still a clean stop: nothing was taken.
    let Some(redis) = connect(&client, &shared, shutdown.clone()).await else {
        info!("stopped before Redis could be reached");
        let _ = http.await;
        return Ok(());
    };
    // Just reached: the first heartbeat already says the agent is ready.
    shared
        .redis_healthy
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let capabilities = registry.capabilities();
    tokio::spawn(control::heartbeats(
        shared.clone(),
        redis.clone(),
        shutdown.clone(),
    ));
    tokio::spawn(control::commands(
        shared.clone(),
        client.clone(),
        redis.clone(),
        capabilities.clone(),
        stop.clone(),
    ));
    if let Some(token) = shared.config.bootstrap_token.clone() {
        let Some(held) =
            credentials::fetch(&client, &shared, token.expose(), shutdown.clone()).await
        else {
            info!("stopped before the credentials arrived");
            let _ = http.await;
            return Ok(());
        };
        shared.set_credentials(held);
    }
    shared.peers.connect(redis.clone());
    let inbox = inbox::Inbox {
        shared: shared.clone(),
        registry: registry.clone(),
        client: client.clone(),
        redis: redis.clone(),
        memory: memory::Memory::new(&shared.config.agent_id, client.clone(), redis.clone()),
    };
    tokio::spawn(inbox.run(shutdown.clone()));
    let consumer = Consumer::new(shared.clone(), registry, client, redis.clone());
    let mut running = consumer.run(shutdown.clone()).await;

    shared.stopping.store(true, Ordering::Relaxed);
    info!(
        in_flight = running.len(),
        grace_s = grace.as_secs(),
        "stopping: finishing in-flight tasks"
    );
    let drained = tokio::time::timeout(grace, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        running.abort_all();
        warn!(
            handed_back = shared.in_flight().len(),
            "grace period over; unfinished tasks stay pending for another replica"
        );
    }
    let mut redis = redis;
    let published = tokio::time::timeout(
        FINAL_SNAPSHOT_WITHIN,
        control::publish_snapshot(&shared, &mut redis, &capabilities, "shutdown"),
    )
    .await;
    match published {
        Ok(Ok(entry)) => info!(%entry, "final snapshot published"),
        Ok(Err(error)) => warn!(%error, "final snapshot not published"),
        Err(_) => {
            warn!(within = ?FINAL_SNAPSHOT_WITHIN, "final snapshot not published: the broker did not take it in time")
        }
    }
    let _ = http.await;
    info!("agent stopped");
    Ok(())
}

/// Waits for Redis at start-up; the agent is unhealthy (503) meanwhile.
async fn connect(
    client: &redis::Client,
    shared: &Shared,
    mut shutdown: watch::Receiver<bool>,
) -> Option<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(5)));
    let mut backoff = Backoff::new();
    loop {
        if *shutdown.borrow() {
            return None;
        }
        // The manager retries on its own for seconds: a stop must not wait for that.
        let attempt = tokio::select! {
            attempt = ConnectionManager::new_with_config(client.clone(), config.clone()) => attempt,
            _ = shutdown.changed() => return None,
        };
        match attempt {
            Ok(manager) => return Some(manager),
            Err(error) => {
                warn!(%error, "Redis not reachable yet; retrying");
                shared.note_error(&error);
                wait_or_shutdown(&mut shutdown, backoff.step()).await;
            }
        }
    }
}

async fn forward_signals(stop: watch::Sender<bool>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        warn!("cannot install signal handlers; stop the agent with the `stop` command");
        return;
    };
    tokio::select! {
        _ = term.recv() => info!("SIGTERM received"),
        _ = int.recv() => info!("SIGINT received"),
    }
    let _ = stop.send(true);
}
