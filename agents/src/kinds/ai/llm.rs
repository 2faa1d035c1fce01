//! What every LLM kind shares: the chat payload (a prompt or a
//! conversation), the answer's shape, and what happens after an answer —
//! its tokens added to the agent's usage counters, the exchange kept in
//! the agent's conversation memory.

use std::time::Duration;

use serde_json::{json, Value};

use crate::integration::{ServiceConfig, ServiceError};
use crate::kinds::connect::{optional_text, setting};
use crate::kinds::spec::{task, Run, TaskTypeSpec};
use crate::runtime::handlers::TaskContext;

/// An answer may take a while to generate (a long one, streamed or not).
const ANSWER_WITHIN: Duration = Duration::from_secs(120);

/// Tries of a call the provider refused with 429 (waiting its Retry-After).
const ATTEMPTS: u32 = 3;

/// The connection to a provider: long answers allowed, a 429 waited out and
/// the request sent again (a refused request generated nothing).
pub fn config(service: &str, base_url: &str) -> ServiceConfig {
    let mut config = ServiceConfig::new(service, base_url);
    config.timeout = ANSWER_WITHIN;
    config.attempts = ATTEMPTS;
    config.resend_rate_limited = true;
    config
}

/// A provider's answer that is not what its API documents, worded as the
/// integration layer words any such answer.
pub fn bad_answer(service: &str, what: &str) -> String {
    ServiceError::BadAnswer {
        service: service.to_owned(),
        reason: what.to_owned(),
    }
    .to_string()
}

/// A token count in a provider's usage object (0 when absent).
pub fn tokens(usage: &Value, field: &str) -> u64 {
    usage[field].as_u64().unwrap_or(0)
}

/// One turn of the conversation a chat task asks about.
pub struct Turn<'a> {
    /// `user` or `assistant`.
    pub role: &'a str,
    pub content: &'a str,
}

/// The conversation in a chat payload: its `prompt` as one user turn, or its `messages`.
pub fn turns(payload: &Value) -> Result<Vec<Turn<'_>>, String> {
    match (
        optional_text(payload, "prompt"),
        payload["messages"].as_array(),
    ) {
        (Some(prompt), None) => Ok(vec![Turn {
            role: "user",
            content: prompt,
        }]),
        (None, Some(messages)) => Ok(messages
            .iter()
            .map(|message| Turn {
                role: message["role"].as_str().unwrap_or("user"),
                content: message["content"].as_str().unwrap_or_default(),
            })
            .collect()),
        _ => Err("invalid payload: give exactly one of prompt, messages".to_owned()),
    }
}

/// The payload's `model`, else the agent's setting `setting_name`.
pub fn model<'a>(context: &'a TaskContext, setting_name: &str) -> Result<&'a str, String> {
    let model = match optional_text(&context.task.payload, "model") {
        Some(model) => model,
        None => setting(context, setting_name)?,
    };
    if model.is_empty() {
        return Err(format!(
            "no model: give `model` in the payload or set the agent's {setting_name} setting"
        ));
    }
    // It becomes part of a path on some APIs (Gemini's /models/{model}:…).
    if model.contains(['/', '?', '#', '%']) || model.chars().any(char::is_whitespace) {
        return Err(format!(
            "invalid payload: model {model:?} is not a model name"
        ));
    }
    Ok(model)
}

/// What a provider answered to a chat, in one vocabulary.
pub struct Answer {
    pub model: String,
    pub text: String,
    pub finish_reason: Value,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// Token counts as a result shows them.
pub fn usage(input_tokens: u64, output_tokens: u64) -> Value {
    json!({"input_tokens": input_tokens, "output_tokens": output_tokens,
           "total_tokens": input_tokens + output_tokens})
}

/// Adds tokens to the agent's usage counters.
pub fn count(context: &TaskContext, input_tokens: u64, output_tokens: u64) {
    context.usage.add("input_tokens", input_tokens);
    context.usage.add("output_tokens", output_tokens);
}

/// The task's result for `answer`, once its tokens are counted and the
/// exchange is kept in the agent's conversation memory. A memory that
/// cannot be written does not fail the task: the answer was paid for.
pub async fn finish(context: &TaskContext, turns: &[Turn<'_>], answer: Answer) -> Value {
    count(context, answer.input_tokens, answer.output_tokens);
    let prompt = turns.last().map_or("", |turn| turn.content);
    let entry = json!({"task_id": context.task.id, "task_type": context.task.task_type,
                       "model": answer.model, "prompt": prompt, "answer": answer.text,
                       "at": chrono::Utc::now()});
    if let Err(error) = context.memory.add_turn(&entry).await {
        tracing::warn!(%error, "the exchange was not kept in conversation memory");
    }
    json!({"model": answer.model, "text": answer.text, "finish_reason": answer.finish_reason,
           "streamed": context.task.payload["stream"] == true,
           "usage": usage(answer.input_tokens, answer.output_tokens)})
}

/// The payload's `input`: one text or several.
pub fn inputs(payload: &Value) -> Vec<&str> {
    match &payload["input"] {
        Value::Array(texts) => texts.iter().filter_map(Value::as_str).collect(),
        one => one.as_str().into_iter().collect(),
    }
}

fn usage_schema() -> Value {
    json!({"type": "object", "required": ["input_tokens", "output_tokens", "total_tokens"],
           "properties": {"input_tokens": {"type": "integer"}, "output_tokens": {"type": "integer"},
                          "total_tokens": {"type": "integer"}}})
}

fn model_field() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 200, "description": "The model (default: the agent's model setting)"})
}

/// `chat`: a prompt or a conversation answered by the model.
pub fn chat_task(description: &'static str, max_temperature: f64, run: Run) -> TaskTypeSpec {
    let turn = json!({"type": "object", "additionalProperties": false, "required": ["role", "content"],
                      "properties": {"role": {"enum": ["user", "assistant"]},
                                     "content": {"type": "string", "minLength": 1}}});
    task(
        "chat",
        description,
        json!({"type": "object", "additionalProperties": false,
               "properties": {
                   "prompt": {"type": "string", "minLength": 1, "description": "One question (or give `messages`)"},
                   "messages": {"type": "array", "minItems": 1, "maxItems": 200, "items": turn,
                                "description": "The conversation so far, oldest first, ending with the user's turn"},
                   "system": {"type": "string", "minLength": 1, "description": "Instructions for the model"},
                   "model": model_field(),
                   "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200000, "description": "The longest answer, in tokens"},
                   "temperature": {"type": "number", "minimum": 0, "maximum": max_temperature},
                   "stream": {"type": "boolean", "description": "Stream the answer (collected whole into the result)"}}}),
        json!({"type": "object", "required": ["model", "text", "finish_reason", "streamed", "usage"],
               "properties": {"model": {"type": "string"}, "text": {"type": "string"},
                              "finish_reason": {"type": ["string", "null"]}, "streamed": {"type": "boolean"},
                              "usage": usage_schema()}}),
        run,
    )
}

/// `embed`: embedding vectors of one text or several.
pub fn embed_task(description: &'static str, run: Run) -> TaskTypeSpec {
    task(
        "embed",
        description,
        json!({"type": "object", "additionalProperties": false, "required": ["input"],
               "properties": {
                   "input": {"type": ["string", "array"], "minLength": 1, "minItems": 1, "maxItems": 100,
                             "items": {"type": "string", "minLength": 1}, "description": "A text, or texts"},
                   "model": {"type": "string", "minLength": 1, "maxLength": 200,
                             "description": "The embedding model (default: the agent's embedding_model setting)"}}}),
        json!({"type": "object", "required": ["model", "embeddings", "dimensions"],
               "properties": {"model": {"type": "string"},
                              "embeddings": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                              "dimensions": {"type": "integer"}, "usage": usage_schema()}}),
        run,
    )
}

/// The result of an `embed`: vectors in input order, their length, and usage if reported.
pub fn embeddings(model: &str, vectors: Vec<Value>, usage: Option<Value>) -> Value {
    let dimensions = vectors
        .first()
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut result = json!({"model": model, "embeddings": vectors, "dimensions": dimensions});
    if let Some(usage) = usage {
        result["usage"] = usage;
    }
    result
}

/// `list_models`: the models the credential may use (the credential's check).
pub fn models_task(run: Run) -> TaskTypeSpec {
    task(
        "list_models",
        "The models the credential may use (checks the credential)",
        json!({"type": ["object", "null"], "additionalProperties": false, "properties": {}}),
        json!({"type": "object", "required": ["count", "models"],
               "properties": {"count": {"type": "integer"},
                              "models": {"type": "array", "items": {"type": "object", "required": ["id"],
                                                                    "properties": {"id": {"type": "string"}}}}}}),
        run,
    )
}

/// The result of a `list_models`.
pub fn models(models: Vec<Value>) -> Value {
    json!({"count": models.len(), "models": models})
}

/// Settings every LLM kind takes: where the API is and which models to use
/// (`embedding_model` for a kind that embeds; empty: embed tasks name theirs).
pub fn settings_schema(base_url: &str, model: &str, embedding_model: Option<&str>) -> Value {
    let mut properties = json!({
        "base_url": {"type": "string", "default": base_url,
                     "description": "The API's address (another server speaking the same API works too)"},
        "model": {"type": "string", "default": model, "description": "The model chat tasks use unless they name one"}});
    if let Some(embedding_model) = embedding_model {
        properties["embedding_model"] = json!({"type": "string", "default": embedding_model,
            "description": "The model embed tasks use unless they name one"});
    }
    json!({"type": "object", "additionalProperties": false, "properties": properties})
}
