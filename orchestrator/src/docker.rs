//! Connections to Docker engines.

use std::path::Path;

use bollard::Docker;

/// Seconds bollard waits for one engine request.
const REQUEST_TIMEOUT_SECS: u64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error("Docker engine: {0}")]
    Engine(#[from] bollard::errors::Error),
}

/// Connects to the engine behind a local unix socket and settles on the API
/// version both sides speak (older engines such as Debian's 20.10 need it).
pub async fn connect_local(socket: &Path) -> Result<Docker, DockerError> {
    let docker = Docker::connect_with_unix(
        &socket.to_string_lossy(),
        REQUEST_TIMEOUT_SECS,
        bollard::API_DEFAULT_VERSION,
    )?;
    Ok(docker.negotiate_version().await?)
}
