//! The OpenAI API on loopback (`/v1`), and xAI's OpenAI-compatible flavour
//! of it (`/xai/v1`), answering as their public references document:
//! `Authorization: Bearer <key>`; `POST /chat/completions` (whole, or
//! streamed as `data:` chunks ending in `data: [DONE]`, with a last
//! usage chunk when `stream_options.include_usage` asks), `POST
//! /embeddings`, `GET /models`. Errors in each one's envelope: OpenAI's
//! `{"error": {"message", "type", "param", "code"}}` (401 for a missing or
//! wrong key, 400 for a malformed body, 404 for an unknown model, 429
//! `rate_limit_exceeded` with `retry-after`, 500 `server_error`) and xAI's
//! `{"code", "error"}` (400 for a wrong key). The answer repeats the last
//! prompt (`You said: …`); a token is a word.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_llm::{
    answered, embedding, event, event_stream, header, json_object, masked, pieces, reply_to,
    tokens, Control, Injected, Refusal,
};

/// The longest answer the fake's models write, in tokens.
const MAX_COMPLETION_TOKENS: u64 = 16384;

#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    OpenAi,
    Xai,
}

impl Flavour {
    fn models(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Flavour::OpenAi => &[
                ("gpt-4o-mini", "system"),
                ("gpt-4o", "system"),
                ("text-embedding-3-small", "system"),
            ],
            Flavour::Xai => &[
                ("grok-3-mini", "xai"),
                ("grok-4", "xai"),
                ("grok-embed", "xai"),
            ],
        }
    }

    fn knows(self, model: &str) -> bool {
        self.models().iter().any(|(id, _)| *id == model)
    }
}

type Shared = (Arc<Control>, Flavour);

/// An error in the flavour's envelope.
fn error(flavour: Flavour, status: StatusCode, message: &str, kind: &str, code: Value) -> Refusal {
    let body = match flavour {
        Flavour::OpenAi => {
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        }
        Flavour::Xai => json!({"code": kind, "error": message}),
    };
    Box::new((status, Json(body)).into_response())
}

fn invalid(flavour: Flavour, message: &str) -> Refusal {
    error(
        flavour,
        StatusCode::BAD_REQUEST,
        message,
        "invalid_request_error",
        Value::Null,
    )
}

/// The refusal of a request that may not go on: no key, a wrong key, or a
/// failure the test asked for.
fn refusal((control, flavour): &Shared, headers: &HeaderMap) -> Option<Refusal> {
    let flavour = *flavour;
    let given = header(headers, "authorization").and_then(|v| v.strip_prefix("Bearer "));
    match (flavour, given) {
        (Flavour::OpenAi, None) => return Some(error(flavour, StatusCode::UNAUTHORIZED,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
            "invalid_request_error", Value::Null)),
        (Flavour::OpenAi, Some(key)) if key != control.key => return Some(error(flavour, StatusCode::UNAUTHORIZED,
            &format!("Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.", masked(key)),
            "invalid_request_error", json!("invalid_api_key"))),
        (Flavour::Xai, None) => return Some(error(flavour, StatusCode::UNAUTHORIZED,
            "No API key provided. Provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "Unauthenticated", Value::Null)),
        (Flavour::Xai, Some(key)) if key != control.key => return Some(error(flavour, StatusCode::BAD_REQUEST,
            &format!("Incorrect API key provided: {}. You can obtain an API key from https://console.x.ai.", masked(key)),
            "Client specified an invalid argument", Value::Null)),
        _ => {}
    }
    match control.injected()? {
        Injected::RateLimited => {
            let mut response = error(flavour, StatusCode::TOO_MANY_REQUESTS,
                "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.",
                "requests", json!("rate_limit_exceeded"));
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
            Some(response)
        }
        Injected::ServerError => Some(error(
            flavour,
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request. Sorry about that!",
            "server_error",
            Value::Null,
        )),
    }
}

/// The body and model of a request the API takes on, or its refusal.
fn admitted(
    shared: &Shared,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Value, String), Refusal> {
    if let Some(refused) = refusal(shared, headers) {
        return Err(refused);
    }
    let flavour = shared.1;
    let body = json_object(body).map_err(|_| invalid(flavour,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"))?;
    let model = known_model(flavour, &body)?;
    Ok((body, model))
}

fn known_model(flavour: Flavour, body: &Value) -> Result<String, Refusal> {
    let Some(model) = body["model"].as_str() else {
        return Err(invalid(flavour, "you must provide a model parameter"));
    };
    if !flavour.knows(model) {
        return Err(error(
            flavour,
            StatusCode::NOT_FOUND,
            &format!("The model `{model}` does not exist or you do not have access to it."),
            "invalid_request_error",
            json!("model_not_found"),
        ));
    }
    Ok(model.to_owned())
}

/// The messages' contents, once each message is well formed.
fn contents(flavour: Flavour, body: &Value) -> Result<Vec<(String, String)>, Refusal> {
    let Some(messages) = body.get("messages") else {
        return Err(invalid(flavour, "Missing required parameter: 'messages'."));
    };
    let Some(messages) = messages.as_array().filter(|m| !m.is_empty()) else {
        return Err(invalid(flavour, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."));
    };
    let roles = [
        "system",
        "developer",
        "user",
        "assistant",
        "tool",
        "function",
    ];
    let mut turns = Vec::new();
    for (index, message) in messages.iter().enumerate() {
        let role = message["role"].as_str().unwrap_or_default();
        if !roles.contains(&role) {
            return Err(invalid(flavour, &format!("Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'. (messages[{index}].role)")));
        }
        let Some(content) = message["content"].as_str() else {
            return Err(invalid(
                flavour,
                &format!("Invalid type for 'messages[{index}].content': expected one of a string or array of objects, but got {} instead.", message["content"]),
            ));
        };
        turns.push((role.to_owned(), content.to_owned()));
    }
    Ok(turns)
}

async fn chat(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    answered(completion(&shared, &headers, &body))
}

fn completion(shared: &Shared, headers: &HeaderMap, body: &Bytes) -> Result<Response, Refusal> {
    let (body, model) = admitted(shared, headers, body)?;
    let flavour = shared.1;
    let turns = contents(flavour, &body)?;
    let stream = body["stream"] == true;
    if body.get("stream_options").is_some() && !stream {
        return Err(invalid(
            flavour,
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        ));
    }
    let max_tokens = body["max_tokens"].as_u64();
    if let Some(asked) = max_tokens.filter(|n| *n > MAX_COMPLETION_TOKENS) {
        return Err(invalid(flavour, &format!("max_tokens is too large: {asked}. This model supports at most {MAX_COMPLETION_TOKENS} completion tokens, whereas you provided {asked}.")));
    }
    shared.0.record(&body);
    let prompt = turns
        .iter()
        .rev()
        .find(|(role, _)| role == "user")
        .map_or("", |(_, content)| content.as_str());
    let full = reply_to(prompt);
    // An answer longer than max_tokens is cut there.
    let limit = max_tokens.unwrap_or(u64::MAX);
    let words: Vec<&str> = full.split(' ').collect();
    let cut = words.len() as u64 > limit;
    let text = words[..words.len().min(limit as usize)].join(" ");
    let finish_reason = if cut { "length" } else { "stop" };
    let prompt_tokens: u64 = turns.iter().map(|(_, content)| tokens(content)).sum();
    let usage = json!({"prompt_tokens": prompt_tokens, "completion_tokens": tokens(&text),
                       "total_tokens": prompt_tokens + tokens(&text)});
    let id = "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT";
    if !stream {
        return Ok(Json(json!({"id": id, "object": "chat.completion", "created": 1_765_000_000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": null},
                         "logprobs": null, "finish_reason": finish_reason}],
            "usage": usage, "system_fingerprint": "fp_fake"}))
        .into_response());
    }
    let with_usage = body["stream_options"]["include_usage"] == true;
    let chunk = |delta: Value, finish: Value| {
        let mut chunk = json!({"id": id, "object": "chat.completion.chunk", "created": 1_765_000_000,
            "model": model, "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]});
        if with_usage {
            chunk["usage"] = Value::Null;
        }
        event(None, &chunk.to_string())
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    events.extend(
        pieces(&text)
            .iter()
            .map(|piece| chunk(json!({"content": piece}), Value::Null)),
    );
    events.push(chunk(json!({}), json!(finish_reason)));
    if with_usage {
        let last = json!({"id": id, "object": "chat.completion.chunk", "created": 1_765_000_000,
                          "model": model, "choices": [], "usage": usage});
        events.push(event(None, &last.to_string()));
    }
    events.push(event(None, "[DONE]"));
    Ok(event_stream(events))
}

async fn embeddings(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    answered(embedded(&shared, &headers, &body))
}

fn embedded(shared: &Shared, headers: &HeaderMap, body: &Bytes) -> Result<Response, Refusal> {
    let (body, model) = admitted(shared, headers, body)?;
    let flavour = shared.1;
    if !model.contains("embed") {
        return Err(invalid(
            flavour,
            &format!("The model `{model}` does not support embeddings."),
        ));
    }
    let texts: Option<Vec<String>> = match &body["input"] {
        Value::String(text) if !text.is_empty() => Some(vec![text.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().filter(|t| !t.is_empty()).map(str::to_owned))
            .collect(),
        _ => None,
    };
    let texts = texts.ok_or_else(|| invalid(flavour, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."))?;
    shared.0.record(&body);
    let data: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(index, text)| json!({"object": "embedding", "index": index, "embedding": embedding(text)}))
        .collect();
    let prompt_tokens: u64 = texts.iter().map(|text| tokens(text)).sum();
    Ok(Json(json!({"object": "list", "data": data, "model": model,
                   "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens}}))
    .into_response())
}

async fn models(State((control, flavour)): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&(control, flavour), &headers) {
        return *refused;
    }
    let data: Vec<Value> = flavour
        .models()
        .iter()
        .map(|(id, owner)| json!({"id": id, "object": "model", "created": 1_715_367_049, "owned_by": owner}))
        .collect();
    Json(json!({"object": "list", "data": data})).into_response()
}

fn routes(shared: Shared) -> Router {
    Router::new()
        .route("/chat/completions", post(chat))
        .route("/embeddings", post(embeddings))
        .route("/models", get(models))
        .with_state(shared)
}

pub struct FakeOpenAi {
    pub address: SocketAddr,
    pub control: Arc<Control>,
}

impl FakeOpenAi {
    /// Serves both flavours; `key` is the one valid API key.
    pub async fn start(key: &str) -> Self {
        let control = Arc::new(Control::new(key));
        let router = Router::new()
            .nest("/v1", routes((control.clone(), Flavour::OpenAi)))
            .nest("/xai/v1", routes((control.clone(), Flavour::Xai)));
        let address = myca_agents::integration::fake::serve(router).await;
        Self { address, control }
    }

    /// OpenAI's base address, as the agent's `base_url` setting takes it.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.address)
    }

    /// xAI's base address.
    pub fn xai_url(&self) -> String {
        format!("http://{}/xai/v1", self.address)
    }
}
