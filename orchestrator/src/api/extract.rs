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
