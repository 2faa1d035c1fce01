//! `GET /tasks/{id}/artifacts/{artifact_id}`: a file a task produced, with
//! the media type the agent gave it.

use axum::extract::State;
use axum::http::header::{HeaderValue, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::extract::Path;
use super::{ApiError, ApiState};
use crate::store::StoredArtifact;

/// The header value of `text`, or `fallback` when it cannot be one.
fn header(text: &str, fallback: &'static str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(fallback))
}

/// A file name safe inside a quoted `Content-Disposition` parameter.
pub(crate) fn safe_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if kept.is_empty() {
        "artifact".to_owned()
    } else {
        kept
    }
}

pub fn download(artifact: StoredArtifact) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", safe_name(&artifact.name));
    (
        [
            (
                CONTENT_TYPE,
                header(&artifact.content_type, "application/octet-stream"),
            ),
            (CONTENT_DISPOSITION, header(&disposition, "attachment")),
        ],
        artifact.data,
    )
        .into_response()
}

pub async fn one(
    State(state): State<ApiState>,
    Path((task_id, id)): Path<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    state
        .service
        .store
        .artifact(task_id, id)
        .await?
        .map(download)
        .ok_or_else(|| ApiError::NotFound(format!("task {task_id} has no artifact {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_out_of_the_header() {
        assert_eq!(safe_name("speech \"x\".mp3"), "speech__x_.mp3");
        assert_eq!(safe_name(""), "artifact");
    }
}
