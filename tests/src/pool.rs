//! A pool on the local engine, wired to the test Redis.

use std::net::TcpListener;
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
    local_pool_at(redis_url, instance, free_port()).await
}

/// Like `local_pool_of`, with the agents' ports handed out from `first_port`.
pub async fn local_pool_at(redis_url: &str, instance: FleetInstance, first_port: u16) -> AgentPool {
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
        first_port,
        stop_grace: Duration::from_secs(10),
        instance,
    };
    AgentPool::open(docker, settings).await.expect("pool opens")
}

/// The first of `count` consecutive ports that nothing holds now, below
/// the kernel's ephemeral range: there no outgoing connection takes one
/// before an agent on the host network binds it.
pub fn quiet_port_block(count: u16) -> Option<u16> {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    // Runs started together look in different places.
    let mut first = 10_000 + (std::process::id() % 1000) as u16 * 10;
    // Tests of one run ask at once, before any agent binds: each block goes
    // to one of them only.
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
    while u32::from(first) + u32::from(count) < u32::from(ephemeral_start) {
        let taken = handed_out
            .iter()
            .any(|&(start, length)| first < start + length && start < first + count);
        if !taken && (first..first + count).all(|port| TcpListener::bind(("0.0.0.0", port)).is_ok())
        {
            handed_out.push((first, count));
            return Some(first);
        }
        first += count;
    }
    None
}

/// The port blocks this process handed out (first port, length).
static HANDED_OUT: std::sync::Mutex<Vec<(u16, u16)>> = std::sync::Mutex::new(Vec::new());

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
        if let Ok(response) = crate::http_client().get(&url).send().await {
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
