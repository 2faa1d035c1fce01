//! Saving a task's artifact (synthesized speech, a report) where the user
//! keeps downloads.

use std::path::Path;

use serde::Serialize;
use uuid::Uuid;

use super::error::failed;
use super::{Desktop, DesktopError, ErrorKind};
use crate::api::artifacts::safe_name;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SavedArtifact {
    pub path: String,
    pub content_type: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

fn uuid(field: &str, text: &str) -> Result<Uuid, DesktopError> {
    Uuid::parse_str(text).map_err(|error| {
        DesktopError::new(
            ErrorKind::Invalid,
            format!("{field} {text:?} is not a UUID: {error}"),
        )
    })
}

impl Desktop {
    /// Writes task `task_id`'s artifact `artifact_id` into `directory` as
    /// `myca-{task id}-{artifact name}`.
    pub async fn save_artifact(
        &self,
        task_id: &str,
        artifact_id: &str,
        directory: &Path,
    ) -> Result<SavedArtifact, DesktopError> {
        let service = self.service()?;
        let (task_id, artifact_id) = (uuid("task_id", task_id)?, uuid("artifact_id", artifact_id)?);
        let artifact = service
            .store
            .artifact(task_id, artifact_id)
            .await
            .map_err(failed)?
            .ok_or_else(|| {
                DesktopError::new(
                    ErrorKind::NotFound,
                    format!("task {task_id} has no artifact {artifact_id}"),
                )
            })?;
        let unwritable = |error: std::io::Error| {
            DesktopError::new(
                ErrorKind::Unavailable,
                format!(
                    "cannot write the artifact into {}: {error}",
                    directory.display()
                ),
            )
        };
        tokio::fs::create_dir_all(directory)
            .await
            .map_err(unwritable)?;
        let path = directory.join(format!("myca-{task_id}-{}", safe_name(&artifact.name)));
        tokio::fs::write(&path, &artifact.data)
            .await
            .map_err(unwritable)?;
        Ok(SavedArtifact {
            path: path.display().to_string(),
            content_type: artifact.content_type,
            bytes: u64::try_from(artifact.data.len()).unwrap_or(u64::MAX),
        })
    }
}
