//! Every API error is JSON `{"error": "...", "detail": "..."}` with a 4xx
//! for what the client can fix and a 5xx only for what it cannot.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::hostset::{HostSetError, PlacementError};
use crate::ledger::LedgerError;
use crate::pool::PoolError;
use crate::secrets::CredentialError;
use crate::snapshots::SnapshotError;
use crate::store::StoreError;
use myca_agents::protocol::ProtocolError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    UpgradeRequired(String),
    #[error("missing or wrong API key: send it in the X-API-Key header (or ?api_key= for WebSocket and SSE)")]
    Unauthorized,
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::UpgradeRequired(_) => StatusCode::UPGRADE_REQUIRED,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, "request failed");
        }
        (
            status,
            Json(json!({ "error": status.canonical_reason(), "detail": self.to_string() })),
        )
            .into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let detail = rejection.body_text();
        match rejection {
            JsonRejection::JsonDataError(_) => ApiError::Unprocessable(detail),
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(detail),
            JsonRejection::BytesRejection(_)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::PayloadTooLarge(detail)
            }
            _ => ApiError::BadRequest(detail),
        }
    }
}

impl From<myca_agents::protocol::ProtocolError> for ApiError {
    fn from(error: myca_agents::protocol::ProtocolError) -> Self {
        ApiError::Unprocessable(error.to_string())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::Unprocessable(rejection.body_text())
    }
}

impl From<PoolError> for ApiError {
    fn from(error: PoolError) -> Self {
        match error {
            // Two sources under one name contradict each other, like a
            // keyring that lacks what the request names: state, not shape.
            PoolError::InvalidConfig(ProtocolError::ConflictingCredential(_))
            | PoolError::Credential(CredentialError::Missing(_)) => {
                ApiError::Conflict(error.to_string())
            }
            PoolError::InvalidConfig(_)
            | PoolError::Refused(_)
            | PoolError::SocketUnavailable(_) => ApiError::Unprocessable(error.to_string()),
            PoolError::Credential(_) => ApiError::Unavailable(error.to_string()),
            PoolError::UnknownAgent(_) => ApiError::NotFound(error.to_string()),
            PoolError::NameTaken { .. } | PoolError::IdInUse { .. } => {
                ApiError::Conflict(error.to_string())
            }
            // The host lacks what the request names: the client can ship it.
            PoolError::ImageMissing { .. } => ApiError::Conflict(error.to_string()),
            PoolError::BrokerUnreachable(_) => ApiError::Unavailable(error.to_string()),
            PoolError::Engine(_) => ApiError::Unavailable(error.to_string()),
        }
    }
}

impl From<HostSetError> for ApiError {
    fn from(error: HostSetError) -> Self {
        match error {
            // The request names a host this fleet does not have.
            HostSetError::UnknownHost { .. } => ApiError::Unprocessable(error.to_string()),
            HostSetError::HostNotUp { .. } => ApiError::Conflict(error.to_string()),
            HostSetError::Placement(PlacementError::NoHostUp) => {
                ApiError::Unavailable(error.to_string())
            }
            HostSetError::Placement(_) => ApiError::Unprocessable(error.to_string()),
            HostSetError::Pool(pool) => pool.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            // A change the task's state does not allow (now): the client's to reconsider.
            StoreError::IllegalTransition(_) | StoreError::TaskChanged { .. } => {
                ApiError::Conflict(error.to_string())
            }
            _ => ApiError::Unavailable(error.to_string()),
        }
    }
}

impl From<LedgerError> for ApiError {
    fn from(error: LedgerError) -> Self {
        match error {
            LedgerError::Duplicate(_)
            | LedgerError::Settled { .. }
            | LedgerError::IllegalTransition(_) => ApiError::Conflict(error.to_string()),
            LedgerError::NotFound(_) => ApiError::NotFound(error.to_string()),
            LedgerError::Routing(_) => ApiError::Unprocessable(error.to_string()),
            LedgerError::Store(store) => store.into(),
            LedgerError::Broker(_) | LedgerError::BrokerAway(_) | LedgerError::NoHostUp => {
                ApiError::Unavailable(error.to_string())
            }
        }
    }
}

impl From<SnapshotError> for ApiError {
    fn from(error: SnapshotError) -> Self {
        match error {
            SnapshotError::Unknown(_) => ApiError::NotFound(error.to_string()),
            SnapshotError::NotListening(_) => ApiError::Conflict(error.to_string()),
            SnapshotError::InvalidAgentId(_) => ApiError::Unprocessable(error.to_string()),
            SnapshotError::Pool(pool) => pool.into(),
            SnapshotError::Placement(placement) => placement.into(),
            SnapshotError::NoAnswer { .. } | SnapshotError::Broker(_) | SnapshotError::Store(_) => {
                ApiError::Unavailable(error.to_string())
            }
        }
    }
}
