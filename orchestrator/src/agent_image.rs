//! The agent image, built by the orchestrator itself: `FROM scratch` plus the
//! static `myca-agent` binary, from an in-memory build context, so an engine
//! that can reach no registry can still run agents.

use std::path::Path;

use bollard::query_parameters::BuildImageOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

/// Repository part of every agent image tag; the tag is the binary's hash.
pub const IMAGE_REPOSITORY: &str = "myca-agent";

const DOCKERFILE: &str = "FROM scratch\n\
COPY myca-agent /myca-agent\n\
USER 65534:65534\n\
EXPOSE 8080\n\
ENTRYPOINT [\"/myca-agent\"]\n";

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read the agent binary {path}: {source}")]
    Binary {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot assemble the build context: {0}")]
    Context(std::io::Error),
    #[error("Docker engine: {0}")]
    Engine(#[from] bollard::errors::Error),
    #[error("building {tag} failed: {message}")]
    Build { tag: String, message: String },
}

/// An image ready on an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentImage {
    pub tag: String,
    /// Whether this call built it (false: the engine already had it).
    pub built: bool,
}

/// `myca-agent:<first 16 hex digits of the binary's SHA-256>`: a changed
/// binary gets a new image, an unchanged one reuses the existing image.
pub fn tag_for(binary: &[u8]) -> String {
    let digest = Sha256::digest(binary);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{IMAGE_REPOSITORY}:{hex}")
}

pub async fn ensure_agent_image(
    docker: &Docker,
    binary_path: &Path,
) -> Result<AgentImage, ImageError> {
    let binary = tokio::fs::read(binary_path)
        .await
        .map_err(|source| ImageError::Binary {
            path: binary_path.display().to_string(),
            source,
        })?;
    let tag = tag_for(&binary);
    if docker.inspect_image(&tag).await.is_ok() {
        return Ok(AgentImage { tag, built: false });
    }
    let context = build_context(&binary).map_err(ImageError::Context)?;
    let options = BuildImageOptionsBuilder::new()
        .dockerfile("Dockerfile")
        .t(&tag)
        .rm(true)
        .forcerm(true)
        .build();
    let mut progress = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(step) = progress.next().await {
        let info = step?;
        if let Some(detail) = info.error_detail {
            return Err(ImageError::Build {
                tag,
                message: detail.message.unwrap_or_else(|| "unknown error".to_owned()),
            });
        }
    }
    tracing::info!(%tag, bytes = binary.len(), "agent image built");
    Ok(AgentImage { tag, built: true })
}

fn build_context(binary: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    append(&mut archive, "Dockerfile", DOCKERFILE.as_bytes(), 0o644)?;
    append(&mut archive, "myca-agent", binary, 0o755)?;
    archive.into_inner()
}

fn append(
    archive: &mut tar::Builder<Vec<u8>>,
    name: &str,
    data: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(mode);
    // A fixed mtime keeps the context, and so the build cache, deterministic.
    header.set_mtime(0);
    header.set_cksum();
    archive.append_data(&mut header, name, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_binary_content() {
        assert_eq!(tag_for(b"one"), tag_for(b"one"));
        assert_ne!(tag_for(b"one"), tag_for(b"two"));
        assert!(tag_for(b"x").starts_with("myca-agent:"));
        assert_eq!(tag_for(b"x").len(), "myca-agent:".len() + 16);
    }

    #[test]
    fn the_context_holds_the_dockerfile_and_an_executable_binary() {
        let context = build_context(b"\x7fELF...").unwrap();
        let mut archive = tar::Archive::new(context.as_slice());
        let entries: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().display().to_string(),
                    e.header().mode().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            entries,
            [
                ("Dockerfile".to_owned(), 0o644),
                ("myca-agent".to_owned(), 0o755)
            ]
        );
    }
}
