use bollard::Docker;

use super::types::DockerInfo;
use crate::docker::DockerError;

pub(crate) async fn probe_docker(docker: &Docker) -> Result<DockerInfo, DockerError> {
    let version = docker.version().await?;
    let info = docker.info().await?;
    let count = |n: Option<i64>| u32::try_from(n.unwrap_or(0)).unwrap_or(0);
    Ok(DockerInfo {
        version: version.version.unwrap_or_default(),
        api_version: version.api_version.unwrap_or_default(),
        os: version.os.unwrap_or_default(),
        arch: version.arch.unwrap_or_default(),
        containers: count(info.containers),
        containers_running: count(info.containers_running),
    })
}
