//! The ElevenLabs API on loopback, answering as its reference documents:
//! `xi-api-key` on every call (401 `{"detail": {"status":
//! "invalid_api_key", "message"}}` without a good one); `GET /v1/voices`
//! (`{"voices": [{"voice_id", "name", "category", "labels"}]}`); `POST
//! /v1/text-to-speech/{voice_id}?output_format=…` answering audio bytes
//! (`audio/mpeg` for mp3 formats), 404 `voice_not_found` for an unknown
//! voice, 400 for an unknown model, 401 `quota_exceeded` when the text
//! costs more characters than are left, FastAPI's 422 `{"detail": [{"loc",
//! "msg", "type"}]}` for a malformed body; `GET /v1/user/subscription`.
//! The audio is a deterministic stand-in (an MP3 frame header and the
//! voice and text), so a test can check every byte that came back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_api::{error, header, Served};

pub const RACHEL: &str = "21m00Tcm4TlvDq8ikWAM";
pub const ADAM: &str = "pNInz6obpgDQGcFmaJgB";
const MODELS: [&str; 3] = [
    "eleven_multilingual_v2",
    "eleven_flash_v2_5",
    "eleven_turbo_v2_5",
];

struct Fake {
    key: String,
    character_limit: u64,
    used: AtomicU64,
}

pub struct FakeElevenLabs {
    served: Served,
    fake: Arc<Fake>,
}

fn status_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "invalid_api_key",
        404 => "not_found",
        429 => "too_many_concurrent_requests",
        _ => "internal_error",
    }
}

fn shape(status: StatusCode, message: &str) -> Value {
    json!({"detail": {"status": status_of(status), "message": message}})
}

fn detail(status: StatusCode, code: &str, message: &str) -> Response {
    error(
        status,
        json!({"detail": {"status": code, "message": message}}),
    )
}

/// The audio the fake speaks `text` as in `voice`.
pub fn audio_for(voice_id: &str, text: &str) -> Vec<u8> {
    let mut audio = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    audio.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
    audio.extend_from_slice(voice_id.as_bytes());
    audio.extend_from_slice(text.as_bytes());
    audio.extend(text.bytes().map(|b| b ^ 0xA5));
    audio
}

fn voices() -> Value {
    json!({"voices": [
        {"voice_id": RACHEL, "name": "Rachel", "category": "premade", "labels": {"accent": "american", "gender": "female", "use_case": "narration"},
         "preview_url": "https://storage.googleapis.com/eleven-public-prod/premade/voices/21m00Tcm4TlvDq8ikWAM/preview.mp3"},
        {"voice_id": ADAM, "name": "Adam", "category": "premade", "labels": {"accent": "american", "gender": "male"}},
        {"voice_id": "Xb7hH8MSUJpSbSDYk0k2", "name": "Alice", "category": "premade", "labels": {"accent": "british"}},
        {"voice_id": "c1oneAAAAAAAAAAAAAAA", "name": "Myca Narrator", "category": "cloned", "labels": {}},
        {"voice_id": "c1oneBBBBBBBBBBBBBBB", "name": "Twin", "category": "cloned", "labels": {}},
        {"voice_id": "c1oneCCCCCCCCCCCCCCC", "name": "Twin", "category": "cloned", "labels": {}},
    ]})
}

impl Fake {
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        (header(headers, "xi-api-key") != Some(self.key.as_str())).then(|| {
            detail(
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                "Invalid API key",
            )
        })
    }
}

async fn list_voices(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    Json(voices()).into_response()
}

async fn speak(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(voice_id): Path<String>,
    Query(query): Query<std::collections::BTreeMap<String, String>>,
    body: Option<Json<Value>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let body = body.map(|b| b.0).unwrap_or_default();
    let Some(text) = body["text"].as_str() else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}),
        );
    };
    if !voices()["voices"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["voice_id"] == voice_id.as_str())
    {
        return detail(
            StatusCode::NOT_FOUND,
            "voice_not_found",
            &format!("A voice with the voice_id {voice_id} was not found."),
        );
    }
    let model = body["model_id"].as_str().unwrap_or(MODELS[0]);
    if !MODELS.contains(&model) {
        return detail(
            StatusCode::BAD_REQUEST,
            "model_not_found",
            &format!("A model with model ID {model} does not exist."),
        );
    }
    let cost = text.chars().count() as u64;
    let left = fake.character_limit - fake.used.load(Ordering::SeqCst);
    if cost > left {
        return detail(StatusCode::UNAUTHORIZED, "quota_exceeded", &format!(
            "This request exceeds your quota of {}. You have {left} credits remaining, while {cost} credits are required for this request.", fake.character_limit));
    }
    fake.used.fetch_add(cost, Ordering::SeqCst);
    let format = query
        .get("output_format")
        .map_or("mp3_44100_128", String::as_str);
    let content_type = if format.starts_with("mp3") {
        "audio/mpeg"
    } else {
        "audio/pcm"
    };
    (
        StatusCode::OK,
        [
            ("content-type", content_type),
            ("character-cost", &cost.to_string()),
        ],
        audio_for(&voice_id, text),
    )
        .into_response()
}

async fn subscription(State(fake): State<Arc<Fake>>, headers: HeaderMap) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    Json(json!({"tier": "creator", "character_count": fake.used.load(Ordering::SeqCst), "character_limit": fake.character_limit,
                "can_extend_character_limit": false, "allowed_to_extend_character_limit": false,
                "next_character_count_reset_unix": 1798761600, "voice_limit": 30, "max_voice_add_edits": 95,
                "professional_voice_limit": 1, "can_use_instant_voice_cloning": true, "status": "active",
                "currency": "usd", "billing_period": "monthly_period"}))
        .into_response()
}

impl FakeElevenLabs {
    /// An account with `key`, `character_limit` characters a month of
    /// which `used` are spent, and six voices (two of them named `Twin`).
    pub async fn start(key: &str, character_limit: u64, used: u64) -> Self {
        let fake = Arc::new(Fake {
            key: key.to_owned(),
            character_limit,
            used: AtomicU64::new(used),
        });
        let router = Router::new()
            .route("/v1/voices", get(list_voices))
            .route("/v1/text-to-speech/{voice_id}", post(speak))
            .route("/v1/user/subscription", get(subscription))
            .with_state(fake.clone());
        Self {
            served: Served::start(router, shape).await,
            fake,
        }
    }

    /// Characters spent so far.
    pub fn used(&self) -> u64 {
        self.fake.used.load(Ordering::SeqCst)
    }
}

impl std::ops::Deref for FakeElevenLabs {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
