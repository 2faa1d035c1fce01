//! Task artifacts: files a task produces (synthesized audio, reports) that
//! do not belong in its JSON result. The agent hands the bytes to the
//! orchestrator in the same `mas:results` entry as the task (field
//! `artifacts`), so they are recorded exactly when the result is; the
//! result itself carries only an [`ArtifactRef`].

use base64::Engine;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The entry field of `mas:results` holding a task's artifacts (a JSON array).
pub const ARTIFACTS_FIELD: &str = "artifacts";
/// The most bytes one artifact may hold; larger ones fail the task.
pub const MAX_ARTIFACT_BYTES: usize = 8 * 1024 * 1024;
/// The most artifacts one task may produce.
pub const MAX_ARTIFACTS_PER_TASK: usize = 8;

/// What a task's result says about an artifact it produced; the bytes are
/// at `GET /tasks/{task_id}/artifacts/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    pub id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

/// An artifact on its way to the orchestrator: its reference and its bytes
/// (base64 in the entry's JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    #[serde(flatten)]
    pub reference: ArtifactRef,
    pub data_base64: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArtifactError {
    #[error("artifact {name:?} holds {size} bytes; at most {MAX_ARTIFACT_BYTES} are kept")]
    TooLarge { name: String, size: usize },
    #[error("a task keeps at most {MAX_ARTIFACTS_PER_TASK} artifacts")]
    TooMany,
    #[error("artifact {id} is not valid base64: {reason}")]
    Encoding { id: Uuid, reason: String },
    #[error("artifact {id} does not match its size or SHA-256")]
    Mismatch { id: Uuid },
}

impl Artifact {
    /// Wraps `bytes` under a fresh id, refusing more than [`MAX_ARTIFACT_BYTES`].
    pub fn new(name: &str, content_type: &str, bytes: &[u8]) -> Result<Self, ArtifactError> {
        if bytes.len() > MAX_ARTIFACT_BYTES {
            return Err(ArtifactError::TooLarge {
                name: name.to_owned(),
                size: bytes.len(),
            });
        }
        Ok(Self {
            reference: ArtifactRef {
                id: Uuid::new_v4(),
                name: name.to_owned(),
                content_type: content_type.to_owned(),
                size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                sha256: crate::sealing::sha256_hex(bytes),
            },
            data_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        })
    }

    /// The bytes, checked against the reference's size and SHA-256 (an
    /// entry anyone on the broker could have written is not trusted blindly).
    pub fn bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        let id = self.reference.id;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.data_base64)
            .map_err(|error| ArtifactError::Encoding {
                id,
                reason: error.to_string(),
            })?;
        if bytes.len() > MAX_ARTIFACT_BYTES {
            return Err(ArtifactError::TooLarge {
                name: self.reference.name.clone(),
                size: bytes.len(),
            });
        }
        let size_matches = u64::try_from(bytes.len()).ok() == Some(self.reference.size);
        if !size_matches || crate::sealing::sha256_hex(&bytes) != self.reference.sha256 {
            return Err(ArtifactError::Mismatch { id });
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_tampering_is_caught() {
        let artifact = Artifact::new("speech.mp3", "audio/mpeg", b"ID3 audio").unwrap();
        assert_eq!(artifact.reference.size, 9);
        assert_eq!(artifact.bytes().unwrap(), b"ID3 audio");
        let json = serde_json::to_value(&artifact).unwrap();
        assert_eq!(json["name"], "speech.mp3");
        let mut tampered = artifact.clone();
        tampered.data_base64 = base64::engine::general_purpose::STANDARD.encode(b"other");
        assert_eq!(
            tampered.bytes(),
            Err(ArtifactError::Mismatch {
                id: artifact.reference.id
            })
        );
    }

    #[test]
    fn oversized_artifacts_are_refused() {
        let big = vec![0_u8; MAX_ARTIFACT_BYTES + 1];
        assert!(matches!(
            Artifact::new("big.bin", "application/octet-stream", &big),
            Err(ArtifactError::TooLarge { .. })
        ));
    }
}
