//! Where a running task's handler leaves its artifacts; the executor sends
//! them with the task's result once the task completes.

use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value;

use crate::protocol::{Artifact, ArtifactError, MAX_ARTIFACTS_PER_TASK};

/// One task's artifacts, shared between its handler and the executor.
#[derive(Debug, Clone, Default)]
pub struct Artifacts(Arc<Mutex<Vec<Artifact>>>);

impl Artifacts {
    /// Keeps `bytes` as an artifact of the task and answers its reference
    /// (`{id, name, content_type, size, sha256}`) for the task's result.
    pub fn attach(&self, name: &str, content_type: &str, bytes: &[u8]) -> Result<Value, String> {
        let artifact = Artifact::new(name, content_type, bytes).map_err(|e| e.to_string())?;
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_ARTIFACTS_PER_TASK {
            return Err(ArtifactError::TooMany.to_string());
        }
        let reference = serde_json::to_value(&artifact.reference).map_err(|e| e.to_string())?;
        kept.push(artifact);
        Ok(reference)
    }

    /// Everything attached so far, leaving none behind.
    pub fn take(&self) -> Vec<Artifact> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attached_artifacts_are_taken_once() {
        let artifacts = Artifacts::default();
        let reference = artifacts
            .clone()
            .attach("a.txt", "text/plain", b"hi")
            .unwrap();
        assert_eq!(reference["size"], 2);
        assert_eq!(reference["content_type"], "text/plain");
        let taken = artifacts.take();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].reference.id.to_string(), reference["id"]);
        assert!(artifacts.take().is_empty());
    }

    #[test]
    fn a_task_keeps_a_bounded_number() {
        let artifacts = Artifacts::default();
        for _ in 0..MAX_ARTIFACTS_PER_TASK {
            artifacts.attach("x", "text/plain", b"x").unwrap();
        }
        assert!(artifacts.attach("x", "text/plain", b"x").is_err());
    }
}
