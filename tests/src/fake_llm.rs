//! What the fakes of the LLM providers share: a loopback server, the one
//! valid key, failures a test asks for (429 with a retry delay, 5xx), the
//! request bodies received, a deterministic answer with token counts a
//! test can predict, and server-sent events written in several chunks as a
//! real stream arrives.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A request's refusal: the provider's error answer (boxed, as it is large).
pub type Refusal = Box<Response>;

/// The answer to a request: the fake's response, or its refusal.
pub fn answered(result: Result<Response, Refusal>) -> Response {
    result.unwrap_or_else(|refused| *refused)
}

/// State every LLM fake keeps.
pub struct Control {
    /// The one API key the fake accepts.
    pub key: String,
    /// The next this many requests are answered 429.
    throttle: AtomicUsize,
    throttled: AtomicUsize,
    /// The next this many requests are answered with a server error.
    failing: AtomicUsize,
    /// Every request body the fake accepted, in order.
    pub requests: Mutex<Vec<Value>>,
}

/// A failure the test asked for.
pub enum Injected {
    RateLimited,
    ServerError,
}

impl Control {
    pub fn new(key: &str) -> Self {
        Self {
            key: key.to_owned(),
            throttle: AtomicUsize::new(0),
            throttled: AtomicUsize::new(0),
            failing: AtomicUsize::new(0),
            requests: Mutex::new(Vec::new()),
        }
    }

    fn take(counter: &AtomicUsize) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    /// The failure to answer this request with, if the test asked for one.
    pub fn injected(&self) -> Option<Injected> {
        if Self::take(&self.throttle) {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            return Some(Injected::RateLimited);
        }
        Self::take(&self.failing).then_some(Injected::ServerError)
    }

    /// Answers the next `requests` requests with 429.
    pub fn throttle(&self, requests: usize) {
        self.throttle.store(requests, Ordering::SeqCst);
    }

    /// How many 429s were answered.
    pub fn throttled(&self) -> usize {
        self.throttled.load(Ordering::SeqCst)
    }

    /// Answers the next `requests` requests with a server error.
    pub fn fail(&self, requests: usize) {
        self.failing.store(requests, Ordering::SeqCst);
    }

    pub fn record(&self, body: &Value) {
        self.requests.lock().unwrap().push(body.clone());
    }

    /// The last request body accepted.
    pub fn last_request(&self) -> Value {
        self.requests
            .lock()
            .unwrap()
            .last()
            .cloned()
            .unwrap_or_default()
    }
}

/// A header's value as text.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The key as the providers quote a wrong one: its ends, the middle starred.
pub fn masked(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}***{tail}")
}

/// The fakes' answer to a prompt.
pub fn reply_to(prompt: &str) -> String {
    format!("You said: {prompt}")
}

/// The fakes' token count: one token per word.
pub fn tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// `text` in pieces of about one word each, as a stream delivers it.
pub fn pieces(text: &str) -> Vec<String> {
    text.split_inclusive(' ').map(str::to_owned).collect()
}

/// A deterministic embedding of `text`: 8 numbers from its bytes.
pub fn embedding(text: &str) -> Vec<f64> {
    (0..8)
        .map(|i| {
            let sum: u32 = text.bytes().skip(i).step_by(8).map(u32::from).sum();
            f64::from(sum % 1000) / 1000.0
        })
        .collect()
}

/// One server-sent event: its optional name and its data.
pub fn event(name: Option<&str>, data: &str) -> String {
    match name {
        Some(name) => format!("event: {name}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

/// A `text/event-stream` answer written one event per chunk.
pub fn event_stream(events: Vec<String>) -> Response {
    let chunks = events
        .into_iter()
        .map(|event| Ok::<_, Infallible>(Bytes::from(event)));
    (
        StatusCode::OK,
        [
            ("content-type", "text/event-stream"),
            ("cache-control", "no-cache"),
        ],
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
        .into_response()
}

/// A JSON body as the providers parse it: `Err` when it is not a JSON object.
pub fn json_object(body: &Bytes) -> Result<Value, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if value.is_object() => Ok(value),
        Ok(_) => Err("the body is not a JSON object".to_owned()),
        Err(error) => Err(error.to_string()),
    }
}
