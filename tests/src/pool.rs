//! A pool on the local engine, wired to the test Redis.

use std::time::{Duration, Instant};

use myca_orchestrator::agent_image::ensure_agent_image;
use myca_orchestrator::docker::connect_local;
use myca_orchestrator::pool::{AgentNetwork, AgentPool, FleetInstance, PoolSettings};

use crate::agent::agent_binary;
use crate::{docker_socket, free_port, unique_instance};

/// A pool whose agents share the host's network (the test Redis listens on
/// loopback only), built from our own image, in a fleet instance of its own.
pub async fn local_pool(redis_url: &str) -> AgentPool {
    local_pool_of(redis_url, unique_instance()).await
}

/// A pool of `instance`: a second one adopts the first one's agents.
pub async fn local_pool_of(redis_url: &str, instance: FleetInstance) -> AgentPool {
    let docker = connect_local(&docker_socket())
        .await
        .expect("Docker Engine reachable");
    let image = ensure_agent_image(&docker, &agent_binary())
        .await
        .expect("agent image builds");
    let settings = PoolSettings {
        image: image.tag,
        redis_url: redis_url.to_owned(),
        network: AgentNetwork::Host,
        first_port: free_port(),
        stop_grace: Duration::from_secs(10),
        instance,
    };
    AgentPool::open(docker, settings).await.expect("pool opens")
}

/// Waits until the agent on `port` answers `/health` with 200.
pub async fn wait_healthy(port: u16, timeout: Duration) {
    if let Err(error) = try_wait_healthy(port, timeout).await {
        panic!("{error}");
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no healthy agent on port {port} within {timeout:?}")]
pub struct NotHealthy {
    pub port: u16,
    pub timeout: Duration,
}

/// Waits until the agent on `port` answers `/health` with 200, or says
/// that none did within `timeout`.
pub async fn try_wait_healthy(port: u16, timeout: Duration) -> Result<(), NotHealthy> {
    let deadline = Instant::now() + timeout;
    let url = format!("http://127.0.0.1:{port}/health");
    loop {
        if let Ok(response) = reqwest::get(&url).await {
            if response.status() == 200 {
                return Ok(());
            }
        }
        if Instant::now() >= deadline {
            return Err(NotHealthy { port, timeout });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
