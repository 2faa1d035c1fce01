//! `anthropic-agent`: Claude through Anthropic's Messages API (`POST
//! /v1/messages` with `x-api-key` and `anthropic-version`); a streamed
//! answer is collected from its events (`message_start` carries the input
//! tokens, `content_block_delta` the text, `message_delta` the stop reason
//! and output tokens). The models list checks the key.

use std::sync::Arc;

use serde_json::{json, Value};

use super::llm::{self, Answer};
use crate::integration::{Auth, Envelope, Service};
use crate::kinds::connect::{credential, optional_text, setting};
use crate::kinds::spec::{CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const KEY: &str = "ANTHROPIC_API_KEY";
/// The API version every call names (Anthropic's only stable one).
const VERSION: &str = "2023-06-01";
/// The Messages API requires `max_tokens`; this when the payload gives none.
const MAX_TOKENS: u64 = 1024;

fn service(context: &TaskContext, envelope: Envelope) -> Result<Arc<Service>, String> {
    let mut config = llm::config("anthropic", setting(context, "base_url")?);
    config.envelope = envelope;
    config.headers = vec![("anthropic-version", VERSION)];
    config.auth = Auth::Header {
        name: "x-api-key",
        value: credential(context, KEY)?,
    };
    Service::shared(config).map_err(|e| e.to_string())
}

fn bad_answer(what: &str) -> String {
    llm::bad_answer("anthropic", what)
}

/// A whole message: the text of its text blocks.
fn message(answer: &Value) -> Result<Answer, String> {
    let blocks = answer["content"]
        .as_array()
        .ok_or_else(|| bad_answer("no content"))?;
    Ok(Answer {
        model: answer["model"].as_str().unwrap_or_default().to_owned(),
        text: blocks
            .iter()
            .filter(|block| block["type"] == "text")
            .filter_map(|block| block["text"].as_str())
            .collect(),
        finish_reason: answer["stop_reason"].clone(),
        input_tokens: llm::tokens(&answer["usage"], "input_tokens"),
        output_tokens: llm::tokens(&answer["usage"], "output_tokens"),
    })
}

/// A streamed message, from its events.
fn streamed(events: &[Value]) -> Result<Answer, String> {
    let start = events
        .iter()
        .find(|event| event["type"] == "message_start")
        .ok_or_else(|| bad_answer("the stream has no message_start"))?;
    let of_type = |kind: &'static str| events.iter().filter(move |event| event["type"] == kind);
    let text = of_type("content_block_delta")
        .filter(|event| event["delta"]["type"] == "text_delta")
        .filter_map(|event| event["delta"]["text"].as_str())
        .collect();
    let last_delta = events
        .iter()
        .rev()
        .find(|event| event["type"] == "message_delta");
    // message_delta's output_tokens are cumulative.
    let output_tokens = last_delta.map_or_else(
        || llm::tokens(&start["message"]["usage"], "output_tokens"),
        |delta| llm::tokens(&delta["usage"], "output_tokens"),
    );
    Ok(Answer {
        model: start["message"]["model"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        text,
        finish_reason: last_delta
            .map_or(Value::Null, |delta| delta["delta"]["stop_reason"].clone()),
        input_tokens: llm::tokens(&start["message"]["usage"], "input_tokens"),
        output_tokens,
    })
}

fn chat(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let turns = llm::turns(payload)?;
        let messages: Vec<Value> = turns
            .iter()
            .map(|turn| json!({"role": turn.role, "content": turn.content}))
            .collect();
        let max_tokens = payload["max_tokens"].as_u64().unwrap_or(MAX_TOKENS);
        let mut body = json!({"model": llm::model(&context, "model")?, "max_tokens": max_tokens,
                              "messages": messages});
        if let Some(system) = optional_text(payload, "system") {
            body["system"] = json!(system);
        }
        if let Some(temperature) = payload.get("temperature") {
            body["temperature"] = temperature.clone();
        }
        let answer = if payload["stream"] == true {
            body["stream"] = json!(true);
            let events = service(&context, Envelope::EventStream)?
                .post("/v1/messages", Some(&body))
                .await
                .map_err(|e| e.to_string())?;
            streamed(events.as_array().map_or(&[], Vec::as_slice))?
        } else {
            let answer = service(&context, Envelope::Bare)?
                .post("/v1/messages", Some(&body))
                .await
                .map_err(|e| e.to_string())?;
            message(&answer)?
        };
        Ok(llm::finish(&context, &turns, answer).await)
    })
}

fn list_models(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let answer = service(&context, Envelope::Bare)?
            .get("/v1/models", &[("limit", "1000".to_owned())])
            .await
            .map_err(|e| e.to_string())?;
        let models = answer["data"]
            .as_array()
            .ok_or_else(|| bad_answer("no data"))?
            .iter()
            .map(|model| json!({"id": model["id"], "display_name": model["display_name"]}))
            .collect();
        Ok(llm::models(models))
    })
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "anthropic-agent",
        aliases: vec!["anthropic"],
        category: AgentCategory::Integration,
        description: "Anthropic's Claude models through the Messages API: answers, streamed or whole; the models list",
        task_types: vec![
            llm::chat_task(
                "Answer a prompt or a conversation (Messages API; max_tokens defaults to 1024; a streamed answer is collected)",
                1.0,
                chat,
            ),
            llm::models_task(list_models),
        ],
        credentials: vec![CredentialSpec {
            name: KEY,
            description: "An Anthropic API key (sent as x-api-key)",
            check: Some("list_models"),
        }],
        settings_schema: llm::settings_schema("https://api.anthropic.com", "claude-sonnet-4-5", None),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
