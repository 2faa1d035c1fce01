//! `openai-agent` and `grok-agent`: one client of the OpenAI-compatible API
//! (xAI's Grok speaks it too, as do local servers): chat completions
//! (streamed answers collected from their `data:` chunks), embeddings and
//! the models list, with the key as bearer. The base address is a setting,
//! and the key may be left out for a local server that wants none.

use std::sync::Arc;

use serde_json::{json, Value};

use super::llm::{self, Answer};
use crate::integration::{Auth, Envelope, Secret, Service};
use crate::kinds::connect::{optional_text, setting};
use crate::kinds::spec::{CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// A provider of the OpenAI-compatible API.
trait Provider {
    /// Its name in errors.
    const SERVICE: &'static str;
    /// The credential holding its API key.
    const KEY: &'static str;
}

struct OpenAi;
impl Provider for OpenAi {
    const SERVICE: &'static str = "openai";
    const KEY: &'static str = "OPENAI_API_KEY";
}

struct Xai;
impl Provider for Xai {
    const SERVICE: &'static str = "grok";
    const KEY: &'static str = "XAI_API_KEY";
}

fn service<P: Provider>(context: &TaskContext, envelope: Envelope) -> Result<Arc<Service>, String> {
    let mut config = llm::config(P::SERVICE, setting(context, "base_url")?);
    config.envelope = envelope;
    if let Some(key) = context.credentials.get(P::KEY) {
        config.auth = Auth::Bearer(Secret::new(key));
    }
    Service::shared(config).map_err(|e| e.to_string())
}

fn bad_answer<P: Provider>(what: &str) -> String {
    llm::bad_answer(P::SERVICE, what)
}

/// A whole chat completion.
fn completion<P: Provider>(answer: &Value) -> Result<Answer, String> {
    let choice = answer["choices"]
        .get(0)
        .ok_or_else(|| bad_answer::<P>("no choices"))?;
    Ok(Answer {
        model: answer["model"].as_str().unwrap_or_default().to_owned(),
        text: choice["message"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        finish_reason: choice["finish_reason"].clone(),
        input_tokens: llm::tokens(&answer["usage"], "prompt_tokens"),
        output_tokens: llm::tokens(&answer["usage"], "completion_tokens"),
    })
}

/// A streamed chat completion, from its chunks: the deltas' text in order,
/// the last finish reason, the usage of the final chunk.
fn streamed<P: Provider>(chunks: &[Value]) -> Result<Answer, String> {
    let first = chunks
        .first()
        .ok_or_else(|| bad_answer::<P>("the stream carried no chunk"))?;
    let text: String = chunks
        .iter()
        .filter_map(|chunk| chunk["choices"].get(0))
        .filter_map(|choice| choice["delta"]["content"].as_str())
        .collect();
    let finish_reason = chunks
        .iter()
        .rev()
        .filter_map(|chunk| chunk["choices"].get(0))
        .map(|choice| &choice["finish_reason"])
        .find(|reason| !reason.is_null())
        .cloned()
        .unwrap_or(Value::Null);
    let usage = chunks
        .iter()
        .rev()
        .map(|chunk| &chunk["usage"])
        .find(|usage| usage.is_object())
        .cloned()
        .unwrap_or(Value::Null);
    Ok(Answer {
        model: first["model"].as_str().unwrap_or_default().to_owned(),
        text,
        finish_reason,
        input_tokens: llm::tokens(&usage, "prompt_tokens"),
        output_tokens: llm::tokens(&usage, "completion_tokens"),
    })
}

fn chat<P: Provider>(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let turns = llm::turns(payload)?;
        let model = llm::model(&context, "model")?;
        let mut messages = Vec::new();
        if let Some(system) = optional_text(payload, "system") {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.extend(
            turns
                .iter()
                .map(|turn| json!({"role": turn.role, "content": turn.content})),
        );
        let mut body = json!({"model": model, "messages": messages});
        for field in ["max_tokens", "temperature"] {
            if let Some(value) = payload.get(field) {
                body[field] = value.clone();
            }
        }
        let stream = payload["stream"] == true;
        let answer = if stream {
            body["stream"] = json!(true);
            // Without it a stream carries no token counts.
            body["stream_options"] = json!({"include_usage": true});
            let chunks = service::<P>(&context, Envelope::EventStream)?
                .post("/chat/completions", Some(&body))
                .await
                .map_err(|e| e.to_string())?;
            streamed::<P>(chunks.as_array().map_or(&[], Vec::as_slice))?
        } else {
            let answer = service::<P>(&context, Envelope::Bare)?
                .post("/chat/completions", Some(&body))
                .await
                .map_err(|e| e.to_string())?;
            completion::<P>(&answer)?
        };
        Ok(llm::finish(&context, &turns, answer).await)
    })
}

fn embed<P: Provider>(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let model = llm::model(&context, "embedding_model")?;
        let body = json!({"model": model, "input": context.task.payload["input"]});
        let answer = service::<P>(&context, Envelope::Bare)?
            .post("/embeddings", Some(&body))
            .await
            .map_err(|e| e.to_string())?;
        let mut data = answer["data"]
            .as_array()
            .ok_or_else(|| bad_answer::<P>("no data"))?
            .clone();
        data.sort_by_key(|item| item["index"].as_u64());
        let vectors = data
            .into_iter()
            .map(|item| item["embedding"].clone())
            .collect();
        let input_tokens = llm::tokens(&answer["usage"], "prompt_tokens");
        llm::count(&context, input_tokens, 0);
        let model = answer["model"].as_str().unwrap_or(model);
        Ok(llm::embeddings(
            model,
            vectors,
            Some(llm::usage(input_tokens, 0)),
        ))
    })
}

fn list_models<P: Provider>(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let answer = service::<P>(&context, Envelope::Bare)?
            .get("/models", &[])
            .await
            .map_err(|e| e.to_string())?;
        let models = answer["data"]
            .as_array()
            .ok_or_else(|| bad_answer::<P>("no data"))?
            .iter()
            .map(|model| json!({"id": model["id"], "owned_by": model["owned_by"]}))
            .collect();
        Ok(llm::models(models))
    })
}

/// The declaration of a provider's kind.
fn kind<P: Provider>(
    kind: &'static str,
    alias: &'static str,
    description: &'static str,
    key_description: &'static str,
    settings: Value,
) -> KindSpec {
    KindSpec {
        kind,
        aliases: vec![alias],
        category: AgentCategory::Integration,
        description,
        task_types: vec![
            llm::chat_task(
                "Answer a prompt or a conversation (chat completions; a streamed answer is collected)",
                2.0,
                chat::<P>,
            ),
            llm::embed_task("Embedding vectors of one text or several", embed::<P>),
            llm::models_task(list_models::<P>),
        ],
        credentials: vec![CredentialSpec {
            name: P::KEY,
            description: key_description,
            check: Some("list_models"),
        }],
        settings_schema: settings,
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}

pub fn spec() -> KindSpec {
    kind::<OpenAi>(
        "openai-agent",
        "openai",
        "OpenAI's GPT models (or any OpenAI-compatible server): chat completions, streamed or whole; embeddings; the models list",
        "An OpenAI API key (sent as bearer); a local server may need none",
        llm::settings_schema(
            "https://api.openai.com/v1",
            "gpt-4o-mini",
            Some("text-embedding-3-small"),
        ),
    )
}

pub fn grok_spec() -> KindSpec {
    kind::<Xai>(
        "grok-agent",
        "grok",
        "xAI's Grok models through their OpenAI-compatible API: chat completions, streamed or whole; embeddings; the models list",
        "An xAI API key (sent as bearer)",
        llm::settings_schema("https://api.x.ai/v1", "grok-3-mini", Some("")),
    )
}
