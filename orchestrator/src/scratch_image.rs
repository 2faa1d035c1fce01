//! Images built `FROM scratch` out of files on this machine, from an
//! in-memory build context: nothing is pulled, so engines without registry
//! access can run them. Tagged by the content's hash, so unchanged files
//! reuse the image and changed ones get a new one.

use std::path::{Path, PathBuf};

use bollard::query_parameters::BuildImageOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

/// One file of the image: where it goes, its bytes, its mode.
pub struct ImageFile {
    pub path: String,
    pub contents: Vec<u8>,
    pub mode: u32,
}

/// What the image runs.
pub struct ScratchImage {
    /// Repository part of the tag; the tag part is the content hash.
    pub repository: &'static str,
    pub files: Vec<ImageFile>,
    pub user: &'static str,
    pub entrypoint: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot assemble the build context: {0}")]
    Context(std::io::Error),
    #[error("Docker engine: {0}")]
    Engine(#[from] bollard::errors::Error),
    #[error("building {tag} failed: {message}")]
    Build { tag: String, message: String },
    #[error("cannot list the libraries of {binary}: {reason}")]
    Libraries { binary: String, reason: String },
}

/// An image ready on an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    pub tag: String,
    /// Whether this call built it (false: the engine already had it).
    pub built: bool,
}

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
        let stderr = String::from_utf8_lossy(&output.stderr);
        // A static program links nothing.
        if stderr.contains("not a dynamic executable") {
            return Ok(Vec::new());
        }
        return Err(failed(stderr.into_owned()));
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

/// A dynamically linked program of this machine as image files: the
/// program at `image_path`, and each library it links at its own path.
pub async fn program_files(program: &Path, image_path: &str) -> Result<Vec<ImageFile>, ImageError> {
    let mut files = vec![ImageFile {
        path: image_path.to_owned(),
        contents: read(program).await?,
        mode: 0o755,
    }];
    for library in libraries(program).await? {
        files.push(ImageFile {
            path: library.display().to_string(),
            contents: read(&library).await?,
            mode: 0o755,
        });
    }
    Ok(files)
}

impl ScratchImage {
    /// `repository:<first 16 hex digits of the SHA-256 of every file and the entrypoint>`.
    pub fn tag(&self) -> String {
        let mut hasher = Sha256::new();
        for file in &self.files {
            hasher.update(file.path.as_bytes());
            hasher.update(&file.contents);
        }
        hasher.update(self.entrypoint.join("\0").as_bytes());
        hex_tag(self.repository, &hasher.finalize())
    }

    fn dockerfile(&self) -> String {
        let entrypoint =
            serde_json::to_string(&self.entrypoint).unwrap_or_else(|_| "[]".to_owned());
        format!(
            "FROM scratch\nCOPY rootfs/ /\nUSER {}\nENTRYPOINT {entrypoint}\n",
            self.user
        )
    }

    fn context(&self) -> std::io::Result<Vec<u8>> {
        let mut archive = tar::Builder::new(Vec::new());
        append(
            &mut archive,
            "Dockerfile",
            self.dockerfile().as_bytes(),
            0o644,
        )?;
        for file in &self.files {
            let path = format!("rootfs/{}", file.path.trim_start_matches('/'));
            append(&mut archive, &path, &file.contents, file.mode)?;
        }
        archive.into_inner()
    }

    /// Builds the image on `docker` unless it is there already.
    pub async fn ensure_on(&self, docker: &Docker) -> Result<BuiltImage, ImageError> {
        let tag = self.tag();
        if docker.inspect_image(&tag).await.is_ok() {
            return Ok(BuiltImage { tag, built: false });
        }
        let context = self.context().map_err(ImageError::Context)?;
        let options = BuildImageOptionsBuilder::new()
            .dockerfile("Dockerfile")
            .t(&tag)
            .rm(true)
            .forcerm(true)
            .build();
        let mut progress =
            docker.build_image(options, None, Some(bollard::body_full(context.into())));
        while let Some(step) = progress.next().await {
            if let Some(detail) = step?.error_detail {
                return Err(ImageError::Build {
                    tag,
                    message: detail.message.unwrap_or_else(|| "unknown error".to_owned()),
                });
            }
        }
        tracing::info!(%tag, "image built");
        Ok(BuiltImage { tag, built: true })
    }
}

fn hex_tag(repository: &str, digest: &[u8]) -> String {
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{repository}:{hex}")
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

    fn image(contents: &[u8]) -> ScratchImage {
        ScratchImage {
            repository: "test",
            files: vec![ImageFile {
                path: "/bin/x".to_owned(),
                contents: contents.to_vec(),
                mode: 0o755,
            }],
            user: "65534:65534",
            entrypoint: vec!["/bin/x".to_owned()],
        }
    }

    #[test]
    fn tags_follow_the_content() {
        assert_eq!(image(b"one").tag(), image(b"one").tag());
        assert_ne!(image(b"one").tag(), image(b"two").tag());
        assert_eq!(image(b"x").tag().len(), "test:".len() + 16);
    }

    #[test]
    fn the_context_holds_the_dockerfile_and_the_files() {
        let context = image(b"\x7fELF").context().unwrap();
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
                ("rootfs/bin/x".to_owned(), 0o755)
            ]
        );
        assert!(image(b"").dockerfile().contains("ENTRYPOINT [\"/bin/x\"]"));
    }
}
