//! The wizard's Docker step: is there a local engine, which, and if not,
//! what exactly is missing and how the operator fixes it.

use std::io::ErrorKind as IoKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::Setup;
use crate::config::{parse_docker_host, DEFAULT_DOCKER_SOCKET, DOCKER_HOST_ENV};
use crate::docker::connect_local;
use crate::status::probe_docker;

const PROBE_LIMIT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct EngineProbe {
    pub socket: String,
    pub found: bool,
    pub version: Option<String>,
    pub api_version: Option<String>,
    pub os: Option<String>,
    /// What is wrong, in plain words.
    pub problem: Option<String>,
    /// What the operator can do about it.
    pub fix: Option<String>,
}

impl EngineProbe {
    fn missing(socket: &Path, problem: String, fix: &str) -> Self {
        Self {
            socket: socket.display().to_string(),
            found: false,
            version: None,
            api_version: None,
            os: None,
            problem: Some(problem),
            fix: Some(fix.to_owned()),
        }
    }
}

const INSTALL: &str = "Install Docker Engine (`sudo apt-get install docker.io`) and start it \
                       (`sudo systemctl start docker`), or add a remote VM under Hosts.";
const START: &str = "Start Docker Engine (`sudo systemctl start docker`), or add a remote VM \
                     under Hosts.";
const JOIN_GROUP: &str = "Let this user use Docker (`sudo usermod -aG docker $USER`, then log \
                          out and in again), or add a remote VM under Hosts.";

/// The socket `DOCKER_HOST` names, else Docker's default.
fn local_socket() -> Result<PathBuf, String> {
    match std::env::var(DOCKER_HOST_ENV) {
        Ok(host) if !host.is_empty() => parse_docker_host(&host).map_err(|e| e.to_string()),
        _ => Ok(PathBuf::from(DEFAULT_DOCKER_SOCKET)),
    }
}

/// Looks at `socket` itself first: a missing file or a refused permission
/// says more than the client's error would.
pub async fn probe_engine(socket: &Path) -> EngineProbe {
    match std::fs::metadata(socket) {
        Err(error) if error.kind() == IoKind::NotFound => {
            return EngineProbe::missing(
                socket,
                format!(
                    "No Docker Engine here: {} does not exist.",
                    socket.display()
                ),
                INSTALL,
            );
        }
        Err(error) if error.kind() == IoKind::PermissionDenied => {
            return EngineProbe::missing(
                socket,
                format!("This user may not open {}.", socket.display()),
                JOIN_GROUP,
            );
        }
        _ => {}
    }
    let answered = tokio::time::timeout(PROBE_LIMIT, async {
        let docker = connect_local(socket).await?;
        probe_docker(&docker).await
    })
    .await;
    match answered {
        Ok(Ok(info)) => EngineProbe {
            socket: socket.display().to_string(),
            found: true,
            version: Some(info.version),
            api_version: Some(info.api_version),
            os: Some(format!("{}/{}", info.os, info.arch)),
            problem: None,
            fix: None,
        },
        Ok(Err(error)) => {
            let text = error.to_string();
            let fix = if text.contains("ermission denied") {
                JOIN_GROUP
            } else {
                START
            };
            EngineProbe::missing(
                socket,
                format!(
                    "{} exists but no Docker Engine answers on it: {text}",
                    socket.display()
                ),
                fix,
            )
        }
        Err(_) => EngineProbe::missing(
            socket,
            format!(
                "Docker Engine at {} did not answer within {} s.",
                socket.display(),
                PROBE_LIMIT.as_secs()
            ),
            START,
        ),
    }
}

impl Setup {
    /// The local engine the fleet would use.
    pub async fn probe_docker(&self) -> EngineProbe {
        match local_socket() {
            Ok(socket) => probe_engine(&socket).await,
            Err(problem) => EngineProbe::missing(
                Path::new(""),
                problem,
                "Set DOCKER_HOST to unix:///path/to/docker.sock, or unset it.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_socket_says_to_install_docker() {
        let probe = probe_engine(Path::new("/nonexistent/docker.sock")).await;
        assert!(!probe.found);
        assert!(probe.problem.unwrap().contains("does not exist"));
        assert!(probe.fix.unwrap().contains("apt-get install docker.io"));
    }

    #[tokio::test]
    async fn a_socket_nobody_listens_on_says_to_start_docker() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        // A socket file whose listener is gone: connections are refused.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let probe = probe_engine(&path).await;
        assert!(!probe.found);
        assert!(probe.problem.unwrap().contains("no Docker Engine answers"));
        assert!(probe.fix.unwrap().contains("systemctl start docker"));
    }
}
