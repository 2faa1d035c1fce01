//! `gemini-agent`: Google's Gemini API with the key in `x-goog-api-key`:
//! `models/{model}:generateContent` (or `:streamGenerateContent?alt=sse`,
//! collected), `:embedContent` (`:batchEmbedContents` for several texts),
//! and the models list, which checks the key.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{json, Value};

use super::llm::{self, Answer};
use crate::integration::{Auth, Envelope, Service};
use crate::kinds::connect::{credential, optional_text, setting};
use crate::kinds::spec::{CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const KEY: &str = "GEMINI_API_KEY";

fn service(context: &TaskContext, envelope: Envelope) -> Result<Arc<Service>, String> {
    let mut config = llm::config("gemini", setting(context, "base_url")?);
    config.envelope = envelope;
    config.auth = Auth::Header {
        name: "x-goog-api-key",
        value: credential(context, KEY)?,
    };
    Service::shared(config).map_err(|e| e.to_string())
}

fn bad_answer(what: &str) -> String {
    llm::bad_answer("gemini", what)
}

/// The text of a response's first candidate (a chunk's share of it, when streamed).
fn candidate_text(response: &Value) -> String {
    response["candidates"][0]["content"]["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|part| part["text"].as_str())
        .collect()
}

/// The answer in one response, or in the chunks of a stream (the last
/// chunk carries the finish reason and the final token counts).
fn answer(model: &str, responses: &[Value]) -> Result<Answer, String> {
    let last = responses.last().ok_or_else(|| bad_answer("no response"))?;
    if last["candidates"].as_array().is_none_or(Vec::is_empty) {
        let blocked = last["promptFeedback"]["blockReason"].as_str();
        return Err(match blocked {
            Some(reason) => format!("gemini: the prompt was blocked ({reason})"),
            None => bad_answer("no candidates"),
        });
    }
    let metadata = &last["usageMetadata"];
    Ok(Answer {
        model: last["modelVersion"].as_str().unwrap_or(model).to_owned(),
        text: responses.iter().map(candidate_text).collect(),
        finish_reason: last["candidates"][0]["finishReason"].clone(),
        input_tokens: llm::tokens(metadata, "promptTokenCount"),
        // A thinking model's thoughts are output it is billed for.
        output_tokens: llm::tokens(metadata, "candidatesTokenCount")
            + llm::tokens(metadata, "thoughtsTokenCount"),
    })
}

fn text_content(text: &str) -> Value {
    json!({"parts": [{"text": text}]})
}

fn chat(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let turns = llm::turns(payload)?;
        let model = llm::model(&context, "model")?;
        let contents: Vec<Value> = turns
            .iter()
            .map(|turn| {
                // Gemini calls the assistant `model`.
                let role = if turn.role == "assistant" {
                    "model"
                } else {
                    "user"
                };
                json!({"role": role, "parts": [{"text": turn.content}]})
            })
            .collect();
        let mut body = json!({"contents": contents});
        if let Some(system) = optional_text(payload, "system") {
            body["systemInstruction"] = text_content(system);
        }
        let mut generation = json!({});
        if let Some(max_tokens) = payload.get("max_tokens") {
            generation["maxOutputTokens"] = max_tokens.clone();
        }
        if let Some(temperature) = payload.get("temperature") {
            generation["temperature"] = temperature.clone();
        }
        if generation != json!({}) {
            body["generationConfig"] = generation;
        }
        let responses = if payload["stream"] == true {
            let chunks = service(&context, Envelope::EventStream)?
                .call(
                    Method::POST,
                    &format!("/models/{model}:streamGenerateContent"),
                    &[("alt", "sse".to_owned())],
                    Some(&body),
                )
                .await
                .map_err(|e| e.to_string())?;
            chunks.as_array().cloned().unwrap_or_default()
        } else {
            let response = service(&context, Envelope::Bare)?
                .post(&format!("/models/{model}:generateContent"), Some(&body))
                .await
                .map_err(|e| e.to_string())?;
            vec![response]
        };
        let answer = answer(model, &responses)?;
        Ok(llm::finish(&context, &turns, answer).await)
    })
}

fn embed(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let model = llm::model(&context, "embedding_model")?;
        let gemini = service(&context, Envelope::Bare)?;
        let request =
            |text: &str| json!({"model": format!("models/{model}"), "content": text_content(text)});
        let vectors = match &context.task.payload["input"] {
            Value::String(text) => {
                let answer = gemini
                    .post(
                        &format!("/models/{model}:embedContent"),
                        Some(&request(text)),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                vec![answer["embedding"]["values"].clone()]
            }
            _ => {
                let requests: Vec<Value> = llm::inputs(&context.task.payload)
                    .into_iter()
                    .map(request)
                    .collect();
                let answer = gemini
                    .post(
                        &format!("/models/{model}:batchEmbedContents"),
                        Some(&json!({"requests": requests})),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                answer["embeddings"]
                    .as_array()
                    .ok_or_else(|| bad_answer("no embeddings"))?
                    .iter()
                    .map(|embedding| embedding["values"].clone())
                    .collect()
            }
        };
        if vectors.iter().any(|vector| !vector.is_array()) {
            return Err(bad_answer("an embedding without values"));
        }
        // The embedding answers report no token counts.
        Ok(llm::embeddings(model, vectors, None))
    })
}

fn list_models(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let answer = service(&context, Envelope::Bare)?
            .get("/models", &[("pageSize", "1000".to_owned())])
            .await
            .map_err(|e| e.to_string())?;
        let models = answer["models"]
            .as_array()
            .ok_or_else(|| bad_answer("no models"))?
            .iter()
            .map(|model| {
                let name = model["name"].as_str().unwrap_or_default();
                json!({"id": name.strip_prefix("models/").unwrap_or(name),
                       "display_name": model["displayName"],
                       "methods": model["supportedGenerationMethods"]})
            })
            .collect();
        Ok(llm::models(models))
    })
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "gemini-agent",
        aliases: vec!["gemini"],
        category: AgentCategory::Integration,
        description: "Google's Gemini models through the Gemini API: generated answers, streamed or whole; embeddings; the models list",
        task_types: vec![
            llm::chat_task(
                "Answer a prompt or a conversation (generateContent; a streamed answer is collected)",
                2.0,
                chat,
            ),
            llm::embed_task("Embedding vectors of one text (embedContent) or several (batchEmbedContents)", embed),
            llm::models_task(list_models),
        ],
        credentials: vec![CredentialSpec {
            name: KEY,
            description: "A Gemini API key (sent as x-goog-api-key)",
            check: Some("list_models"),
        }],
        settings_schema: llm::settings_schema(
            "https://generativelanguage.googleapis.com/v1beta",
            "gemini-2.5-flash",
            Some("gemini-embedding-001"),
        ),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
