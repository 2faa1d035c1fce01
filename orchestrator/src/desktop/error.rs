//! What the window is told when a command fails: a kind it can act on, a
//! message for the operator, and the form fields at fault.

pub use myca_agents::kinds::FieldError;
use serde::Serialize;

use crate::api::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The fleet is still starting (or failed to start): see `startup_state`.
    NotReady,
    /// The request itself is wrong; `fields` says where.
    Invalid,
    NotFound,
    Conflict,
    /// Docker, Redis or the store cannot be reached right now.
    Unavailable,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct DesktopError {
    pub kind: ErrorKind,
    pub message: String,
    pub fields: Vec<FieldError>,
}

impl DesktopError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            fields: Vec::new(),
        }
    }

    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let message = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            kind: ErrorKind::Invalid,
            message,
            fields,
        }
    }
}

/// The API already sorts every library error into what a client can fix
/// and what it cannot; the window reuses that one classification.
impl From<ApiError> for DesktopError {
    fn from(error: ApiError) -> Self {
        let kind = match &error {
            ApiError::BadRequest(_)
            | ApiError::Unprocessable(_)
            | ApiError::PayloadTooLarge(_)
            | ApiError::UnsupportedMediaType(_)
            | ApiError::UpgradeRequired(_) => ErrorKind::Invalid,
            ApiError::NotFound(_) => ErrorKind::NotFound,
            ApiError::Conflict(_) => ErrorKind::Conflict,
            ApiError::Unavailable(_) => ErrorKind::Unavailable,
            ApiError::Unauthorized | ApiError::Internal(_) => ErrorKind::Internal,
        };
        Self::new(kind, error.to_string())
    }
}

/// Any library error, classified as the API does.
pub(crate) fn failed<E: Into<ApiError>>(error: E) -> DesktopError {
    DesktopError::from(error.into())
}
