//! Axum's extractors with their rejections turned into [`ApiError`]s.

use axum::extract::{FromRequest, FromRequestParts};

use super::error::ApiError;

/// A JSON body; a malformed one is 400, a wrong value (priority 7) is 422.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A JSON object body read into `T`: serde would read a struct from an
/// array too (`[true, {}]`), which the document does not allow.
pub struct Object<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Object<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let Body(value) = Body::<serde_json::Value>::from_request(request, state).await?;
        if !value.is_object() {
            return Err(ApiError::Unprocessable(
                "the body must be a JSON object".into(),
            ));
        }
        serde_json::from_value(value)
            .map(Object)
            .map_err(|error| ApiError::Unprocessable(error.to_string()))
    }
}
