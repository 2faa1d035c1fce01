//! The agent image: `FROM scratch` plus the static `myca-agent` binary, run
//! as PID 1 by an unprivileged user, and the programs some kinds run beside
//! it when the machine building the image has them.

use std::path::Path;

use bollard::Docker;

use crate::scratch_image::{program_files, ImageError, ImageFile, ScratchImage};

pub use crate::scratch_image::BuiltImage;

pub const IMAGE_REPOSITORY: &str = "myca-agent";
const BINARY_PATH: &str = "/myca-agent";
/// Programs kinds run as child processes, carried at the same path with the
/// libraries they link: storage-agent's restic (Debian package `restic`).
/// Without them the image still builds; those kinds' tasks then say what to install.
const COMPANIONS: [&str; 1] = ["/usr/bin/restic"];

async fn image(binary: Vec<u8>) -> Result<ScratchImage, ImageError> {
    let mut files = vec![ImageFile {
        path: BINARY_PATH.to_owned(),
        contents: binary,
        mode: 0o755,
    }];
    for program in COMPANIONS {
        let path = Path::new(program);
        if tokio::fs::try_exists(path).await.unwrap_or(false) {
            files.extend(program_files(path, program).await?);
        }
    }
    Ok(ScratchImage {
        repository: IMAGE_REPOSITORY,
        files,
        user: "65534:65534",
        entrypoint: vec![BINARY_PATH.to_owned()],
    })
}

/// The tag the image of this binary gets on this machine (the content hash
/// covers the companions too).
pub async fn tag_for(binary: &[u8]) -> Result<String, ImageError> {
    Ok(image(binary.to_vec()).await?.tag())
}

pub async fn ensure_agent_image(
    docker: &Docker,
    binary_path: &Path,
) -> Result<BuiltImage, ImageError> {
    let binary = tokio::fs::read(binary_path)
        .await
        .map_err(|source| ImageError::Read {
            path: binary_path.display().to_string(),
            source,
        })?;
    image(binary).await?.ensure_on(docker).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tags_follow_the_binary() {
        let tag = |binary: &'static [u8]| async move { tag_for(binary).await.unwrap() };
        assert_eq!(tag(b"one").await, tag(b"one").await);
        assert_ne!(tag(b"one").await, tag(b"two").await);
        assert!(tag(b"x").await.starts_with("myca-agent:"));
    }

    #[tokio::test]
    async fn companions_present_here_are_carried_with_their_libraries() {
        let files = image(b"agent".to_vec()).await.unwrap().files;
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths[0], BINARY_PATH);
        if Path::new("/usr/bin/restic").exists() {
            assert!(paths.contains(&"/usr/bin/restic"), "{paths:?}");
            assert!(paths.iter().any(|p| p.contains("libc.so")), "{paths:?}");
        } else {
            assert_eq!(paths, [BINARY_PATH]);
        }
    }
}
