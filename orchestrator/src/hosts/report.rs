//! "Test connection": what the operator sees before trusting a host with agents.

use std::time::Instant;

use bollard::Docker;
use serde::Serialize;

use super::{connect, Host, HostError, HostProfile};

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HostReport {
    pub engine_version: String,
    pub api_version: String,
    pub os: String,
    #[ts(type = "number")]
    pub cpus: i64,
    #[ts(type = "number")]
    pub memory_bytes: i64,
    #[ts(type = "number")]
    pub containers: i64,
    /// One `_ping` round trip.
    pub latency_ms: f64,
    /// Where the engine keeps images and containers.
    pub docker_root_dir: String,
    /// The space of the file system holding `docker_root_dir`.
    pub disk: Option<DiskSpace>,
    /// Why `disk` is not known, when it is not.
    pub disk_unknown: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DiskSpace {
    #[ts(type = "number")]
    pub total_bytes: u64,
    #[ts(type = "number")]
    pub free_bytes: u64,
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
        docker_root_dir: info.docker_root_dir.unwrap_or_default(),
        disk: None,
        disk_unknown: None,
    })
}

/// Connects to the profile's engine (its pinned key only) and reports on
/// it, disk space included.
pub async fn test_profile(profile: &HostProfile) -> Result<HostReport, HostError> {
    let host = connect(profile).await?;
    let mut report = test_connection(&host.docker).await?;
    match disk_space(&host, &report.docker_root_dir).await {
        Ok(disk) => report.disk = Some(disk),
        Err(reason) => report.disk_unknown = Some(reason),
    }
    Ok(report)
}

async fn disk_space(host: &Host, path: &str) -> Result<DiskSpace, String> {
    if path.is_empty() {
        return Err("the engine did not say where it keeps its data".to_owned());
    }
    let output = host.df(path).await?;
    parse_df(&output).ok_or_else(|| format!("df answered {:?}", output.trim()))
}

/// Total and available space from `df -Pk` (POSIX format, 1024-byte blocks).
fn parse_df(output: &str) -> Option<DiskSpace> {
    let line = output.lines().nth(1)?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let kib = |index: usize| fields.get(index)?.parse::<u64>().ok();
    Some(DiskSpace {
        total_bytes: kib(1)? * 1024,
        free_bytes: kib(3)? * 1024,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn df_posix_output_is_read_in_bytes() {
        let output = "Filesystem     1024-blocks     Used Available Capacity Mounted on\n\
                      /dev/vda1         41152736 20000000  19033344      52% /\n";
        assert_eq!(
            parse_df(output),
            Some(DiskSpace {
                total_bytes: 41152736 * 1024,
                free_bytes: 19033344 * 1024,
            })
        );
        assert_eq!(parse_df("df: /nope: No such file or directory\n"), None);
        assert_eq!(parse_df(""), None);
    }
}
