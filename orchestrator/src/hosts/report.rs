//! "Test connection": what the operator sees before trusting a host with agents.

use std::time::Instant;

use bollard::Docker;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostReport {
    pub engine_version: String,
    pub api_version: String,
    pub os: String,
    pub cpus: i64,
    pub memory_bytes: i64,
    pub containers: i64,
    /// One `_ping` round trip.
    pub latency_ms: f64,
}

pub async fn test_connection(docker: &Docker) -> Result<HostReport, bollard::errors::Error> {
    let started = Instant::now();
    docker.ping().await?;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let version = docker.version().await?;
    let info = docker.info().await?;
    Ok(HostReport {
        engine_version: version.version.unwrap_or_default(),
        api_version: version.api_version.unwrap_or_default(),
        os: info.operating_system.unwrap_or_default(),
        cpus: info.ncpu.unwrap_or(0),
        memory_bytes: info.mem_total.unwrap_or(0),
        containers: info.containers.unwrap_or(0),
        latency_ms,
    })
}
