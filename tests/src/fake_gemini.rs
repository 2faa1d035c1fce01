//! The Gemini API on loopback (`/v1beta`), answering as its public
//! reference documents: the key in `x-goog-api-key` (or `?key=`);
//! `models/{model}:generateContent`, `:streamGenerateContent` (`data:`
//! chunks with `?alt=sse`, else one JSON array), `:embedContent`,
//! `:batchEmbedContents`, `GET models`; errors as Google APIs give them,
//! `{"error": {"code", "message", "status", "details"}}`: 403
//! `PERMISSION_DENIED` without a key, 400 `INVALID_ARGUMENT` for a wrong
//! key (`API_KEY_INVALID`) and malformed requests, 404 `NOT_FOUND` for a
//! model or method it lacks, 429 `RESOURCE_EXHAUSTED` whose wait is a
//! `RetryInfo` detail (no header), 503 `UNAVAILABLE`. A prompt containing
//! `BLOCKME` is blocked (`promptFeedback.blockReason`). The answer repeats
//! the last prompt (`You said: …`); a token is a word.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_llm::Refusal;
use crate::fake_llm::{
    embedding, event, event_stream, header, json_object, pieces, reply_to, tokens, Control,
    Injected,
};

/// (model, its methods)
const MODELS: [(&str, &[&str]); 2] = [
    (
        "gemini-2.5-flash",
        &["generateContent", "countTokens", "streamGenerateContent"],
    ),
    (
        "gemini-embedding-001",
        &["embedContent", "batchEmbedContents"],
    ),
];
const MAX_OUTPUT_TOKENS: u64 = 65536;

fn error(status: StatusCode, name: &str, message: &str, details: Value) -> Refusal {
    let mut body = json!({"error": {"code": status.as_u16(), "message": message, "status": name}});
    if !details.is_null() {
        body["error"]["details"] = details;
    }
    Box::new((status, Json(body)).into_response())
}

fn invalid(message: &str) -> Refusal {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID_ARGUMENT",
        message,
        Value::Null,
    )
}

type Params = Query<HashMap<String, String>>;

fn refusal(
    control: &Control,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> Option<Refusal> {
    let key = header(headers, "x-goog-api-key").or(params.get("key").map(String::as_str));
    match key {
        None => return Some(error(StatusCode::FORBIDDEN, "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers (callers without established identity). Please use API key or other form of API consumer identity to call this API.",
            Value::Null)),
        Some(key) if key != control.key => return Some(error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}}]))),
        _ => {}
    }
    match control.injected()? {
        Injected::RateLimited => Some(error(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
            json!([{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                                    "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},
                   {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]),
        )),
        Injected::ServerError => Some(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "The model is overloaded. Please try again later.",
            Value::Null,
        )),
    }
}

/// The text of a `Content`'s parts, or the problem with them.
fn content_text(content: &Value, at: &str) -> Result<String, Refusal> {
    let parts = content["parts"]
        .as_array()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            invalid(&format!(
                "* {at}.parts: contents.parts must not be empty.\n"
            ))
        })?;
    Ok(parts
        .iter()
        .filter_map(|part| part["text"].as_str())
        .collect::<Vec<_>>()
        .join(" "))
}

/// (words in, last user prompt, output limit) of a well-formed GenerateContentRequest.
fn generation(body: &Value) -> Result<(u64, String, u64), Refusal> {
    let known = [
        "contents",
        "systemInstruction",
        "generationConfig",
        "safetySettings",
        "tools",
        "toolConfig",
        "cachedContent",
    ];
    if let Some(unknown) = body
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .find(|k| !known.contains(&k.as_str()))
    {
        return Err(invalid(&format!(
            "Invalid JSON payload received. Unknown name \"{unknown}\": Cannot find field."
        )));
    }
    let contents = body["contents"]
        .as_array()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| invalid("* GenerateContentRequest.contents: contents is not specified\n"))?;
    let mut words = match body.get("systemInstruction") {
        Some(system) => tokens(&content_text(
            system,
            "GenerateContentRequest.system_instruction",
        )?),
        None => 0,
    };
    let mut prompt = String::new();
    for (index, content) in contents.iter().enumerate() {
        let role = content["role"].as_str().unwrap_or("user");
        if !["user", "model"].contains(&role) {
            return Err(invalid("Please use a valid role: user, model."));
        }
        let text = content_text(
            content,
            &format!("GenerateContentRequest.contents[{index}]"),
        )?;
        words += tokens(&text);
        if role == "user" {
            prompt = text;
        }
    }
    let limit = body["generationConfig"]["maxOutputTokens"]
        .as_u64()
        .unwrap_or(MAX_OUTPUT_TOKENS);
    if limit > MAX_OUTPUT_TOKENS {
        return Err(invalid(&format!("Unable to submit request because it has a maxOutputTokens value of {limit} but the supported range is from 1 (inclusive) to {} (exclusive). Update the value and try again.", MAX_OUTPUT_TOKENS + 1)));
    }
    Ok((words, prompt, limit))
}

async fn call(
    State(control): State<Arc<Control>>,
    Path(call): Path<String>,
    Query(params): Params,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refusal(&control, &headers, &params) {
        return *refused;
    }
    let (model, method) = call.split_once(':').unwrap_or((&call, ""));
    let supported = MODELS
        .iter()
        .any(|(name, methods)| *name == model && methods.contains(&method));
    if !supported {
        return *error(StatusCode::NOT_FOUND, "NOT_FOUND",
            &format!("models/{model} is not found for API version v1beta, or is not supported for {method}. Call ListModels to see the list of available models and their supported methods."),
            Value::Null);
    }
    let body = match json_object(&body) {
        Ok(body) => body,
        Err(reason) => return *invalid(&format!("Invalid JSON payload received. {reason}")),
    };
    let answered = match method {
        "embedContent" => embed_one(&body),
        "batchEmbedContents" => embed_many(model, &body),
        _ => generate(
            model,
            &body,
            method == "streamGenerateContent",
            params.get("alt").map(String::as_str),
        ),
    };
    match answered {
        Ok(response) => {
            control.record(&body);
            response
        }
        Err(refused) => *refused,
    }
}

fn generate(
    model: &str,
    body: &Value,
    stream: bool,
    alt: Option<&str>,
) -> Result<Response, Refusal> {
    let (words_in, prompt, limit) = generation(body)?;
    if prompt.contains("BLOCKME") {
        return Ok(Json(json!({"promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": words_in, "totalTokenCount": words_in},
            "modelVersion": model}))
        .into_response());
    }
    let full = reply_to(&prompt);
    let words: Vec<&str> = full.split(' ').collect();
    let kept = words.len().min(limit as usize);
    let text = words[..kept].join(" ");
    let finish = if kept < words.len() {
        "MAX_TOKENS"
    } else {
        "STOP"
    };
    let usage = |out: u64| {
        json!({"promptTokenCount": words_in, "candidatesTokenCount": out,
        "totalTokenCount": words_in + out, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": words_in}]})
    };
    let response = |text: &str, finish: Option<&str>, out: u64| {
        let mut candidate =
            json!({"content": {"parts": [{"text": text}], "role": "model"}, "index": 0});
        if let Some(finish) = finish {
            candidate["finishReason"] = json!(finish);
        }
        json!({"candidates": [candidate], "usageMetadata": usage(out), "modelVersion": model,
               "responseId": "mTJeaZ6oFKvUz7IPz5ftyAc"})
    };
    if !stream {
        return Ok(Json(response(&text, Some(finish), tokens(&text))).into_response());
    }
    let chunks = pieces(&text);
    let last = chunks.len() - 1;
    let mut so_far = String::new();
    let responses: Vec<Value> = chunks
        .iter()
        .enumerate()
        .map(|(index, piece)| {
            so_far.push_str(piece);
            response(piece, (index == last).then_some(finish), tokens(&so_far))
        })
        .collect();
    Ok(if alt == Some("sse") {
        event_stream(
            responses
                .iter()
                .map(|r| event(None, &r.to_string()))
                .collect(),
        )
    } else {
        Json(Value::Array(responses)).into_response()
    })
}

fn embed_one(body: &Value) -> Result<Response, Refusal> {
    let content = body
        .get("content")
        .ok_or_else(|| invalid("* EmbedContentRequest.content: content is not specified\n"))?;
    let text = content_text(content, "EmbedContentRequest.content")?;
    Ok(Json(json!({"embedding": {"values": embedding(&text)}})).into_response())
}

fn embed_many(model: &str, body: &Value) -> Result<Response, Refusal> {
    let requests = body["requests"]
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            invalid("* BatchEmbedContentsRequest.requests: requests is not specified\n")
        })?;
    let mut embeddings = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        if request["model"] != format!("models/{model}") {
            return Err(invalid(&format!("* BatchEmbedContentsRequest.requests[{index}].model: the model of each request must be the batch's model, models/{model}\n")));
        }
        let text = content_text(
            &request["content"],
            &format!("BatchEmbedContentsRequest.requests[{index}].content"),
        )?;
        embeddings.push(json!({"values": embedding(&text)}));
    }
    Ok(Json(json!({"embeddings": embeddings})).into_response())
}

async fn models(
    State(control): State<Arc<Control>>,
    Query(params): Params,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refusal(&control, &headers, &params) {
        return *refused;
    }
    let models: Vec<Value> = MODELS
        .iter()
        .map(|(name, methods)| {
            json!({"name": format!("models/{name}"), "version": "001",
            "displayName": name.replace('-', " "), "inputTokenLimit": 1_048_576,
            "outputTokenLimit": MAX_OUTPUT_TOKENS, "supportedGenerationMethods": methods})
        })
        .collect();
    Json(json!({"models": models})).into_response()
}

pub struct FakeGemini {
    pub address: SocketAddr,
    pub control: Arc<Control>,
}

impl FakeGemini {
    /// `key` is the one valid API key.
    pub async fn start(key: &str) -> Self {
        let control = Arc::new(Control::new(key));
        let router = Router::new()
            .route("/v1beta/models", get(models))
            .route("/v1beta/models/{call}", post(call))
            .with_state(control.clone());
        let address = myca_agents::integration::fake::serve(router).await;
        Self { address, control }
    }

    /// The API's base address, as the agent's `base_url` setting takes it.
    pub fn url(&self) -> String {
        format!("http://{}/v1beta", self.address)
    }
}
