//! `status()`: a live check of every service the orchestrator depends on.

mod docker;
mod redis;
mod store;
mod types;

pub use types::{DockerInfo, Probe, RedisInfo, ServiceStatus, StoreInfo, SystemStatus};

pub(crate) use docker::probe_docker;
pub(crate) use redis::probe_redis;
pub(crate) use store::probe_store;

use std::future::Future;
use std::time::{Duration, Instant};

/// No single check may hold the status view longer than this.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs one check with a deadline and turns any failure into a `Down` probe
/// carrying the reason, so a dead service is reported, never propagated.
pub(crate) async fn timed_probe<T, E, F>(check: F) -> Probe<T>
where
    F: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(PROBE_TIMEOUT, check).await;
    let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    match outcome {
        Ok(Ok(info)) => Probe::Up { latency_ms, info },
        Ok(Err(error)) => Probe::Down {
            latency_ms,
            reason: error.to_string(),
        },
        Err(_) => Probe::Down {
            latency_ms,
            reason: format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
        },
    }
}
