//! `elevenlabs-agent`: ElevenLabs voices, speech and subscription
//! (`xi-api-key`, errors as `{"detail": {"status", "message"}}`). Speech
//! comes back as audio bytes, kept as a task artifact (the orchestrator
//! stores it; the result names it by id, media type, size and SHA-256). A
//! voice may be named by id or by name; a name is resolved to the
//! account's voice id first.

use reqwest::Method;
use serde_json::{json, Value};

use crate::integration::{Auth, Body, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::{credential, optional_text, setting, text};
use crate::kinds::spec::{closed_object, task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const KEY: &str = "ELEVENLABS_API_KEY";
const OUTPUT_FORMATS: [&str; 8] = [
    "mp3_44100_128",
    "mp3_44100_64",
    "mp3_44100_192",
    "mp3_22050_32",
    "pcm_16000",
    "pcm_22050",
    "pcm_24000",
    "ulaw_8000",
];

fn api(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new("elevenlabs", setting(context, "base_url")?);
    config.auth = Auth::Header {
        name: "xi-api-key",
        value: credential(context, KEY)?,
    };
    Service::new(config).map_err(|e| e.to_string())
}

/// ElevenLabs answers a used-up quota with 401 `quota_exceeded`: not a
/// credential problem, so it is not reported as one.
fn explained(error: ServiceError) -> String {
    match error {
        ServiceError::Unauthorized { service, message } if message.contains("quota") => {
            format!("{service}: the subscription's character quota is used up: {message}")
        }
        other => other.to_string(),
    }
}

async fn voices(elevenlabs: &Service) -> Result<Vec<Value>, String> {
    let answer = elevenlabs.get("/v1/voices", &[]).await.map_err(explained)?;
    answer["voices"]
        .as_array()
        .cloned()
        .ok_or_else(|| "elevenlabs: the voices answer has no voices list".to_owned())
}

fn voice_view(voice: &Value) -> Value {
    json!({"voice_id": voice["voice_id"], "name": voice["name"], "category": voice["category"], "labels": voice["labels"]})
}

/// The voice `wanted` names: its id, or its name (any case) when exactly one voice has it.
fn resolve<'a>(voices: &'a [Value], wanted: &str) -> Result<&'a Value, String> {
    if let Some(voice) = voices.iter().find(|v| v["voice_id"] == wanted) {
        return Ok(voice);
    }
    let named: Vec<&Value> = voices
        .iter()
        .filter(|v| {
            v["name"]
                .as_str()
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
        })
        .collect();
    match named.as_slice() {
        [voice] => Ok(voice),
        [] => {
            let names: Vec<&str> = voices.iter().filter_map(|v| v["name"].as_str()).collect();
            Err(format!(
                "elevenlabs: no voice is named or has the id {wanted:?}; the account's voices: {}",
                names.join(", ")
            ))
        }
        many => {
            let ids: Vec<&str> = many.iter().filter_map(|v| v["voice_id"].as_str()).collect();
            Err(format!(
                "elevenlabs: {} voices are named {wanted:?} ({}): give the voice_id",
                many.len(),
                ids.join(", ")
            ))
        }
    }
}

fn list_voices(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let all = voices(&api(&context)?).await?;
        let wanted = optional_text(&context.task.payload, "name").map(str::to_lowercase);
        let shown: Vec<Value> = all
            .iter()
            .filter(|v| {
                wanted.as_ref().is_none_or(|w| {
                    v["name"]
                        .as_str()
                        .is_some_and(|n| n.to_lowercase().contains(w))
                })
            })
            .map(voice_view)
            .collect();
        Ok(json!({"count": shown.len(), "voices": shown}))
    })
}

/// The media type of `format`, when the answer does not say.
fn media_type(format: &str) -> &'static str {
    match format.split('_').next() {
        Some("mp3") => "audio/mpeg",
        Some("ulaw") => "audio/basic",
        _ => "audio/pcm",
    }
}

fn text_to_speech(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let elevenlabs = api(&context)?;
        let all = voices(&elevenlabs).await?;
        let voice = resolve(&all, text(payload, "voice"))?;
        let voice_id = voice["voice_id"].as_str().unwrap_or_default();
        let format = optional_text(payload, "output_format").unwrap_or(OUTPUT_FORMATS[0]);
        let model = optional_text(payload, "model_id").unwrap_or("eleven_multilingual_v2");
        let mut body = json!({"text": text(payload, "text"), "model_id": model});
        if let Some(settings) = payload.get("voice_settings") {
            body["voice_settings"] = settings.clone();
        }
        let (audio, content_type) = elevenlabs
            .call_bytes(
                Method::POST,
                &format!("/v1/text-to-speech/{voice_id}"),
                &[("output_format", format.to_owned())],
                Body::Json(&body),
            )
            .await
            .map_err(explained)?;
        if audio.is_empty() || content_type.starts_with("application/json") {
            return Err("elevenlabs: the speech answer carries no audio".to_owned());
        }
        let content_type = if content_type.is_empty() {
            media_type(format).to_owned()
        } else {
            content_type
        };
        let extension = format.split('_').next().unwrap_or("audio");
        let audio = context.artifacts.attach(
            &format!("speech-{voice_id}.{extension}"),
            &content_type,
            &audio,
        )?;
        Ok(json!({
            "voice_id": voice_id, "voice_name": voice["name"], "model_id": model, "output_format": format,
            "characters": text(payload, "text").chars().count(), "audio": audio,
        }))
    })
}

fn check_subscription(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let plan = api(&context)?
            .get("/v1/user/subscription", &[])
            .await
            .map_err(explained)?;
        let used = plan["character_count"].as_u64().unwrap_or_default();
        let limit = plan["character_limit"].as_u64().unwrap_or_default();
        Ok(
            json!({"tier": plan["tier"], "status": plan["status"], "character_count": used, "character_limit": limit,
                  "characters_left": limit.saturating_sub(used), "resets_at_unix": plan["next_character_count_reset_unix"],
                  "voice_limit": plan["voice_limit"]}),
        )
    })
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "elevenlabs-agent",
        aliases: vec!["elevenlabs", "voice"],
        category: AgentCategory::Integration,
        description: "ElevenLabs voice synthesis: the account's voices, text to speech (the audio kept as a task artifact) with a voice given by name or id, the subscription's quota",
        task_types: vec![
            task(
                "list_voices",
                "The account's voices, optionally those whose name contains `name`",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100}}}),
                json!({"type": "object", "required": ["count", "voices"],
                       "properties": {"count": {"type": "integer"},
                                      "voices": {"type": "array", "items": {"type": "object", "required": ["voice_id", "name"]}}}}),
                list_voices,
            ),
            task(
                "text_to_speech",
                "Speak `text` in `voice` (a voice id, or a name resolved to its id); the audio is kept as a task artifact the result names (id, name, media type, size, SHA-256)",
                closed_object(
                    json!({"text": {"type": "string", "minLength": 1, "maxLength": 5000},
                           "voice": {"type": "string", "minLength": 1, "maxLength": 100, "description": "Voice id or name"},
                           "model_id": {"type": "string", "minLength": 1, "maxLength": 100, "default": "eleven_multilingual_v2"},
                           "output_format": {"enum": OUTPUT_FORMATS, "default": OUTPUT_FORMATS[0]},
                           "voice_settings": closed_object(json!({
                               "stability": {"type": "number", "minimum": 0, "maximum": 1},
                               "similarity_boost": {"type": "number", "minimum": 0, "maximum": 1},
                               "style": {"type": "number", "minimum": 0, "maximum": 1},
                               "use_speaker_boost": {"type": "boolean"}}), &[])}),
                    &["text", "voice"],
                ),
                json!({"type": "object", "required": ["voice_id", "voice_name", "audio"],
                       "properties": {"voice_id": {"type": "string"}, "voice_name": {"type": "string"}, "model_id": {"type": "string"},
                                      "output_format": {"type": "string"}, "characters": {"type": "integer"},
                                      "audio": crate::kinds::spec::artifact_schema()}}),
                text_to_speech,
            ),
            task(
                "check_subscription",
                "The subscription's tier, status and character quota (checks the key)",
                json!({"type": ["object", "null"], "additionalProperties": false, "properties": {}}),
                json!({"type": "object", "required": ["tier", "character_count", "character_limit", "characters_left"],
                       "properties": {"tier": {"type": "string"}, "status": {"type": ["string", "null"]},
                                      "character_count": {"type": "integer"}, "character_limit": {"type": "integer"},
                                      "characters_left": {"type": "integer"}, "resets_at_unix": {"type": ["integer", "null"]},
                                      "voice_limit": {"type": ["integer", "null"]}}}),
                check_subscription,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: KEY,
            description: "An ElevenLabs API key (with Text to Speech, Voices read and User read)",
            check: Some("check_subscription"),
        }],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "https://api.elevenlabs.io", "description": "The API's address"}
            }
        }),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 128,
            max_concurrent_tasks: 3,
        },
        privileges: Vec::new(),
    }
}
