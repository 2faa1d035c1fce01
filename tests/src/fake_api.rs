//! What the cloud API fakes share: a loopback server whose next requests
//! can be told to go wrong the ways the real services do — 429 with
//! `Retry-After`, a 5xx, a 200 whose body is not what the API documents —
//! each failure in the API's own error shape; and the header and answer
//! helpers every fake's handlers use.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::Value;

/// One way the next request goes wrong.
#[derive(Debug, Clone, Copy)]
pub enum Mishap {
    /// 429 with `Retry-After: seconds`.
    RateLimited { retry_after: u64 },
    /// A 5xx (500, 502, 503).
    ServerError(u16),
    /// 200 with a body that is not JSON.
    Malformed,
}

/// The API's error body for a status and message.
pub type ErrorShape = fn(StatusCode, &str) -> Value;

pub struct Mishaps {
    queue: Mutex<VecDeque<Mishap>>,
    shape: ErrorShape,
    happened: AtomicUsize,
}

impl Mishaps {
    pub fn new(shape: ErrorShape) -> Arc<Self> {
        Arc::new(Self {
            queue: Mutex::default(),
            shape,
            happened: AtomicUsize::new(0),
        })
    }

    /// The next request (after any already queued) goes wrong as `mishap` says.
    pub fn next(&self, mishap: Mishap) {
        self.queue.lock().unwrap().push_back(mishap);
    }

    /// How many requests went wrong on purpose.
    pub fn happened(&self) -> usize {
        self.happened.load(Ordering::SeqCst)
    }

    fn take(&self) -> Option<Response> {
        let mishap = self.queue.lock().unwrap().pop_front()?;
        self.happened.fetch_add(1, Ordering::SeqCst);
        Some(match mishap {
            Mishap::RateLimited { retry_after } => {
                let mut answer = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    (self.shape)(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded"),
                );
                answer
                    .headers_mut()
                    .insert("retry-after", retry_after.to_string().parse().unwrap());
                answer
            }
            Mishap::ServerError(code) => {
                let status = StatusCode::from_u16(code).unwrap();
                let reason = status.canonical_reason().unwrap_or("error");
                error(status, (self.shape)(status, reason))
            }
            Mishap::Malformed => (
                StatusCode::OK,
                [("content-type", "application/json")],
                "<html><body>upstream proxy page</body></html>",
            )
                .into_response(),
        })
    }
}

async fn intercept(State(mishaps): State<Arc<Mishaps>>, request: Request, next: Next) -> Response {
    match mishaps.take() {
        Some(answer) => answer,
        None => next.run(request).await,
    }
}

/// Serves `router` on loopback, `mishaps` answering first when told to.
pub async fn serve(router: Router, mishaps: &Arc<Mishaps>) -> SocketAddr {
    let router = router.layer(middleware::from_fn_with_state(mishaps.clone(), intercept));
    myca_agents::integration::fake::serve(router).await
}

/// A header's value, if it is there and readable.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The bearer token of an `Authorization` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    header(headers, "authorization").and_then(|value| value.strip_prefix("Bearer "))
}

/// A JSON error answer.
pub fn error(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// A fake API served on loopback with the mishaps it can be told to
/// answer with: what every fake holds and derefs to.
pub struct Served {
    pub address: SocketAddr,
    mishaps: Arc<Mishaps>,
}

impl Served {
    /// Serves `router`; a mishap's error body takes the API's `shape`.
    pub async fn start(router: Router, shape: ErrorShape) -> Self {
        let mishaps = Mishaps::new(shape);
        Self {
            address: serve(router, &mishaps).await,
            mishaps,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The next request (after any already queued) goes wrong as `mishap` says.
    pub fn mishap(&self, mishap: Mishap) {
        self.mishaps.next(mishap);
    }

    /// How many requests went wrong on purpose.
    pub fn mishaps(&self) -> usize {
        self.mishaps.happened()
    }
}
