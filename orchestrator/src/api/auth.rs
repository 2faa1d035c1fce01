//! The API key: `X-API-Key`, or `?api_key=` for clients that cannot set
//! headers (browsers' WebSocket and EventSource), compared in constant time.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::{ApiError, ApiState};

pub const API_KEY_HEADER: &str = "x-api-key";

fn query_key(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "api_key")
        .map(|(_, value)| value.into_owned())
}

/// Equal length and equal bytes, without an early exit that times the difference.
fn same(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

pub async fn require_api_key(
    State(state): State<ApiState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let given = request
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().query().and_then(query_key));
    match given {
        Some(key) if same(key.as_bytes(), state.api_key.as_bytes()) => Ok(next.run(request).await),
        _ => Err(ApiError::Unauthorized),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_compare_whole() {
        assert!(same(b"secret-key", b"secret-key"));
        assert!(!same(b"secret-kez", b"secret-key"));
        assert!(!same(b"secret", b"secret-key"));
        assert_eq!(query_key("a=1&api_key=k%2B1"), Some("k+1".into()));
        assert_eq!(query_key("a=1"), None);
    }
}
