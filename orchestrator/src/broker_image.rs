//! The managed broker's image: this machine's `redis-server` with exactly
//! the shared libraries it links (read from `ldd`), `FROM scratch`, so a
//! pool gets its Redis without any registry.

use std::path::{Path, PathBuf};

use bollard::Docker;

use crate::scratch_image::{BuiltImage, ImageError, ImageFile, ScratchImage};

pub const IMAGE_REPOSITORY: &str = "myca-redis";
/// The server decides what it is from argv[0], so the path must say redis-server.
const SERVER_PATH: &str = "/usr/bin/redis-server";
/// The port the managed broker listens on inside its network.
pub const BROKER_PORT: u16 = 6379;

/// Paths of the shared libraries and loader `binary` needs.
async fn libraries(binary: &Path) -> Result<Vec<PathBuf>, ImageError> {
    let failed = |reason: String| ImageError::Libraries {
        binary: binary.display().to_string(),
        reason,
    };
    let output = tokio::process::Command::new("ldd")
        .arg(binary)
        .output()
        .await
        .map_err(|error| failed(error.to_string()))?;
    if !output.status.success() {
        return Err(failed(String::from_utf8_lossy(&output.stderr).into_owned()));
    }
    // Lines look like `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`
    // or `/lib64/ld-linux-x86-64.so.2 (0x…)`; the vDSO has no file.
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let path = line.split("=>").last()?.split_whitespace().next()?;
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect())
}

async fn read(path: &Path) -> Result<Vec<u8>, ImageError> {
    // Follows symlinks: the image gets the files, not dangling links.
    tokio::fs::read(path)
        .await
        .map_err(|source| ImageError::Read {
            path: path.display().to_string(),
            source,
        })
}

/// Builds (or finds) the broker image from the local `redis_server` binary.
pub async fn ensure_broker_image(
    docker: &Docker,
    redis_server: &Path,
) -> Result<BuiltImage, ImageError> {
    let mut files = vec![ImageFile {
        path: SERVER_PATH.to_owned(),
        contents: read(redis_server).await?,
        mode: 0o755,
    }];
    for library in libraries(redis_server).await? {
        files.push(ImageFile {
            path: library.display().to_string(),
            contents: read(&library).await?,
            mode: 0o755,
        });
    }
    let image = ScratchImage {
        repository: IMAGE_REPOSITORY,
        files,
        user: "65534:65534",
        entrypoint: [
            SERVER_PATH,
            "--port",
            "6379",
            "--bind",
            "0.0.0.0",
            // Reached only inside the pool's network (never published), by
            // agents and through the orchestrator's SSH forward.
            "--protected-mode",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/tmp",
        ]
        .map(str::to_owned)
        .to_vec(),
    };
    image.ensure_on(docker).await
}
