//! The agent image: `FROM scratch` plus the static `myca-agent` binary, run
//! as PID 1 by an unprivileged user.

use std::path::Path;

use bollard::Docker;

use crate::scratch_image::{ImageError, ImageFile, ScratchImage};

pub use crate::scratch_image::BuiltImage;

pub const IMAGE_REPOSITORY: &str = "myca-agent";
const BINARY_PATH: &str = "/myca-agent";

fn image(binary: Vec<u8>) -> ScratchImage {
    ScratchImage {
        repository: IMAGE_REPOSITORY,
        files: vec![ImageFile {
            path: BINARY_PATH.to_owned(),
            contents: binary,
            mode: 0o755,
        }],
        user: "65534:65534",
        entrypoint: vec![BINARY_PATH.to_owned()],
    }
}

/// The tag the image of this binary gets.
pub fn tag_for(binary: &[u8]) -> String {
    image(binary.to_vec()).tag()
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
    image(binary).ensure_on(docker).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_binary() {
        assert_eq!(tag_for(b"one"), tag_for(b"one"));
        assert_ne!(tag_for(b"one"), tag_for(b"two"));
        assert!(tag_for(b"x").starts_with("myca-agent:"));
    }
}
