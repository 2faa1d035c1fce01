//! Anthropic's Messages API on loopback, answering as its public reference
//! documents: `x-api-key` and `anthropic-version` headers; `POST
//! /v1/messages` (whole, or streamed as `message_start`,
//! `content_block_start`, `ping`, `content_block_delta`…,
//! `content_block_stop`, `message_delta`, `message_stop` events), `GET
//! /v1/models`; errors as `{"type": "error", "error": {"type", "message"}}`:
//! 401 `authentication_error`, 400 `invalid_request_error` (missing
//! fields, bad roles, limits), 404 `not_found_error` for an unknown model,
//! 429 `rate_limit_error` with `retry-after`, 529 `overloaded_error` —
//! also inside a stream that already began, as an `error` event. A model
//! alias answers with its dated id. The answer repeats the last prompt
//! (`You said: …`); a token is a word.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_llm::{
    event, event_stream, header, json_object, pieces, reply_to, tokens, Control, Injected, Refusal,
};

/// (id, alias, display name, most output tokens)
const MODELS: [(&str, &str, &str, u64); 2] = [
    (
        "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-5",
        "Claude Sonnet 4.5",
        64000,
    ),
    (
        "claude-haiku-4-5-20251001",
        "claude-haiku-4-5",
        "Claude Haiku 4.5",
        64000,
    ),
];

struct Fake {
    control: Arc<Control>,
    /// The next stream breaks off with an `overloaded_error` event after its first delta.
    break_stream: AtomicBool,
}

fn error(status: StatusCode, kind: &str, message: &str) -> Refusal {
    let body = json!({"type": "error", "error": {"type": kind, "message": message},
                      "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"});
    Box::new((status, Json(body)).into_response())
}

fn invalid(message: &str) -> Refusal {
    error(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

fn refusal(fake: &Fake, headers: &HeaderMap) -> Option<Refusal> {
    match header(headers, "x-api-key") {
        None => {
            return Some(error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "x-api-key header is required",
            ))
        }
        Some(key) if key != fake.control.key => {
            return Some(error(
                StatusCode::UNAUTHORIZED,
                "authentication_error",
                "invalid x-api-key",
            ))
        }
        _ => {}
    }
    if header(headers, "anthropic-version").is_none() {
        return Some(invalid("anthropic-version: header is required"));
    }
    match fake.control.injected()? {
        Injected::RateLimited => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "rate_limit_error",
                "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.");
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
            Some(response)
        }
        Injected::ServerError => Some(error(
            StatusCode::from_u16(529).unwrap(),
            "overloaded_error",
            "Overloaded",
        )),
    }
}

/// The request's model (resolved to its dated id), its texts and its output limit.
struct Request {
    model: &'static (&'static str, &'static str, &'static str, u64),
    words_in: u64,
    prompt: String,
    max_tokens: u64,
    stream: bool,
}

fn request(body: &Bytes) -> Result<Request, Refusal> {
    let body = json_object(body).map_err(|reason| invalid(&format!("Invalid JSON: {reason}")))?;
    for field in ["model", "max_tokens", "messages"] {
        if body.get(field).is_none() {
            return Err(invalid(&format!("{field}: Field required")));
        }
    }
    let name = body["model"].as_str().unwrap_or_default();
    let model = MODELS
        .iter()
        .find(|(id, alias, _, _)| *id == name || *alias == name)
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "not_found_error",
                &format!("model: {name}"),
            )
        })?;
    let max_tokens = body["max_tokens"]
        .as_u64()
        .filter(|n| *n >= 1)
        .ok_or_else(|| {
            invalid("max_tokens: Input should be a valid integer greater than or equal to 1")
        })?;
    if max_tokens > model.3 {
        return Err(invalid(&format!("max_tokens: {max_tokens} > {}, which is the maximum allowed number of output tokens for {}", model.3, model.0)));
    }
    if body["temperature"]
        .as_f64()
        .is_some_and(|t| !(0.0..=1.0).contains(&t))
    {
        return Err(invalid(
            "temperature: Input should be less than or equal to 1",
        ));
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    if messages.is_empty() {
        return Err(invalid("messages: at least one message is required"));
    }
    let mut words_in = body["system"].as_str().map_or(0, tokens);
    for (index, message) in messages.iter().enumerate() {
        if !["user", "assistant"].contains(&message["role"].as_str().unwrap_or_default()) {
            return Err(invalid(&format!(
                "messages.{index}.role: Input should be 'user' or 'assistant'"
            )));
        }
        match message["content"].as_str() {
            Some(text) if !text.is_empty() => words_in += tokens(text),
            _ => {
                return Err(invalid(&format!(
                    "messages.{index}: text content blocks must be non-empty"
                )))
            }
        }
    }
    let last = messages.last().cloned().unwrap_or_default();
    Ok(Request {
        model,
        words_in,
        prompt: last["content"].as_str().unwrap_or_default().to_owned(),
        max_tokens,
        stream: body["stream"] == true,
    })
}

async fn messages(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = refusal(&fake, &headers) {
        return *refused;
    }
    let asked = match request(&body) {
        Ok(asked) => asked,
        Err(refused) => return *refused,
    };
    fake.control.record(&json_object(&body).unwrap_or_default());
    let full = reply_to(&asked.prompt);
    let words: Vec<&str> = full.split(' ').collect();
    let kept = words.len().min(asked.max_tokens as usize);
    let text = words[..kept].join(" ");
    let stop_reason = if kept < words.len() {
        "max_tokens"
    } else {
        "end_turn"
    };
    let id = "msg_01XFDUDYJgAACzvnptvVoYEL";
    let model = asked.model.0;
    if !asked.stream {
        return Json(json!({"id": id, "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": text}], "stop_reason": stop_reason, "stop_sequence": null,
            "usage": {"input_tokens": asked.words_in, "output_tokens": tokens(&text),
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}))
        .into_response();
    }
    let named = |value: Value| event(value["type"].as_str(), &value.to_string());
    let mut events = vec![
        named(
            json!({"type": "message_start", "message": {"id": id, "type": "message", "role": "assistant",
            "content": [], "model": model, "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": asked.words_in, "output_tokens": 1}}}),
        ),
        named(
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        named(json!({"type": "ping"})),
    ];
    let deltas = pieces(&text).into_iter().map(|piece| {
        named(json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}))
    });
    if fake.break_stream.swap(false, Ordering::SeqCst) {
        events.extend(deltas.take(1));
        events.push(named(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})));
        return event_stream(events);
    }
    events.extend(deltas);
    events.push(named(json!({"type": "content_block_stop", "index": 0})));
    events.push(named(json!({"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": null},
                             "usage": {"output_tokens": tokens(&text)}})));
    events.push(named(json!({"type": "message_stop"})));
    event_stream(events)
}

async fn models(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&fake, &headers) {
        return *refused;
    }
    let data: Vec<Value> = MODELS
        .iter()
        .map(|(id, _, name, _)| json!({"type": "model", "id": id, "display_name": name, "created_at": "2025-09-29T00:00:00Z"}))
        .collect();
    Json(json!({"data": data, "has_more": false, "first_id": MODELS[0].0, "last_id": MODELS[1].0}))
        .into_response()
}

pub struct FakeAnthropic {
    pub address: SocketAddr,
    pub control: Arc<Control>,
    fake: Arc<Fake>,
}

impl FakeAnthropic {
    /// `key` is the one valid API key.
    pub async fn start(key: &str) -> Self {
        let control = Arc::new(Control::new(key));
        let fake = Arc::new(Fake {
            control: control.clone(),
            break_stream: AtomicBool::new(false),
        });
        let router = Router::new()
            .route("/v1/messages", post(messages))
            .route("/v1/models", get(models))
            .with_state(fake.clone());
        let address = myca_agents::integration::fake::serve(router).await;
        Self {
            address,
            control,
            fake,
        }
    }

    /// The API's base address, as the agent's `base_url` setting takes it.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The next stream breaks off with an `overloaded_error` event after its first delta.
    pub fn break_next_stream(&self) {
        self.fake.break_stream.store(true, Ordering::SeqCst);
    }
}
