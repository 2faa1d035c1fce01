//! The managed broker's image: this machine's `redis-server` with exactly
//! the shared libraries it links (read from `ldd`), `FROM scratch`, so a
//! pool gets its Redis without any registry.

use std::path::Path;

use bollard::Docker;

use crate::scratch_image::{program_files, BuiltImage, ImageError, ScratchImage};

pub const IMAGE_REPOSITORY: &str = "myca-redis";
/// The server decides what it is from argv[0], so the path must say redis-server.
const SERVER_PATH: &str = "/usr/bin/redis-server";
/// The port the managed broker listens on inside its network.
pub const BROKER_PORT: u16 = 6379;

/// Builds (or finds) the broker image from the local `redis_server` binary.
pub async fn ensure_broker_image(
    docker: &Docker,
    redis_server: &Path,
) -> Result<BuiltImage, ImageError> {
    let files = program_files(redis_server, SERVER_PATH).await?;
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
