//! Zapier Catch Hooks and IFTTT Webhooks on loopback, where the secret
//! is part of the URL path. Zapier: `POST /hooks/catch/{account}/{hook}/`
//! answers `{"attempt", "id", "request_id", "status": "success"}` (an array
//! body triggers once per object); an unknown hook is answered 404 — its
//! body is not documented, so it is modelled as JSON that repeats the
//! requested path, which is what tests the agent's redaction. IFTTT:
//! `POST /trigger/{event}/with/key/{key}` (body `value1`–`value3`) and
//! `…/{event}/json/with/key/{key}` (any JSON) answer in plain text
//! "Congratulations! You've fired the {event} event"; a wrong key is 401
//! `{"errors": [{"message": "You sent an invalid key."}]}`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::fake_api::{error, Mishap, Mishaps};

/// What a hook or event received: (hook or event name, body).
pub type Received = Arc<Mutex<Vec<(String, Value)>>>;

struct Hooks {
    /// `account/hook` of the one Zap that exists.
    zap: String,
    ifttt_key: String,
    received: Received,
}

pub struct FakeHooks {
    pub address: SocketAddr,
    hooks: Arc<Hooks>,
    mishaps: Arc<Mishaps>,
}

fn shape(_: StatusCode, message: &str) -> Value {
    json!({"errors": [{"message": message}]})
}

async fn zapier(
    State(hooks): State<Arc<Hooks>>,
    Path((account, hook)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let id = format!("{account}/{hook}");
    if id != hooks.zap {
        return error(
            StatusCode::NOT_FOUND,
            json!({"status": "error", "message": format!("No hook at /hooks/catch/{id}/")}),
        );
    }
    let items = match &body {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let mut received = hooks.received.lock().unwrap();
    received.extend(items.into_iter().map(|item| ("zapier".to_owned(), item)));
    let uuid = || uuid::Uuid::new_v4().to_string();
    Json(json!({"attempt": uuid(), "id": uuid(), "request_id": uuid(), "status": "success"}))
        .into_response()
}

fn fired(hooks: &Hooks, event: String, key: &str, body: Value) -> Response {
    if key != hooks.ifttt_key {
        return error(
            StatusCode::UNAUTHORIZED,
            shape(StatusCode::UNAUTHORIZED, "You sent an invalid key."),
        );
    }
    let answer = format!("Congratulations! You've fired the {event} event");
    hooks.received.lock().unwrap().push((event, body));
    (
        StatusCode::OK,
        [("content-type", "text/html; charset=utf-8")],
        answer,
    )
        .into_response()
}

async fn ifttt_values(
    State(hooks): State<Arc<Hooks>>,
    Path((event, key)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    // Only the three ingredients reach the applet.
    let values: serde_json::Map<String, Value> = ["value1", "value2", "value3"]
        .iter()
        .map(|v| ((*v).to_owned(), body.get(*v).cloned().unwrap_or(json!(""))))
        .collect();
    fired(&hooks, event, &key, Value::Object(values))
}

async fn ifttt_json(
    State(hooks): State<Arc<Hooks>>,
    Path((event, key)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    fired(&hooks, event, &key, body)
}

impl FakeHooks {
    /// One Zap at `zap` (`account/hook`) and IFTTT's service key `ifttt_key`.
    pub async fn start(zap: &str, ifttt_key: &str) -> Self {
        let hooks = Arc::new(Hooks {
            zap: zap.to_owned(),
            ifttt_key: ifttt_key.to_owned(),
            received: Received::default(),
        });
        let mishaps = Mishaps::new(shape);
        let router = Router::new()
            .route("/hooks/catch/{account}/{hook}/", post(zapier))
            .route("/trigger/{event}/with/key/{key}", post(ifttt_values))
            .route("/trigger/{event}/json/with/key/{key}", post(ifttt_json))
            .with_state(hooks.clone());
        let address = crate::fake_api::serve(router, &mishaps).await;
        Self {
            address,
            hooks,
            mishaps,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The Catch Hook URL of the Zap `account/hook`.
    pub fn zap_url(&self, zap: &str) -> String {
        format!("{}/hooks/catch/{zap}/", self.url())
    }

    pub fn mishap(&self, mishap: Mishap) {
        self.mishaps.next(mishap);
    }

    /// Everything received so far, in order.
    pub fn received(&self) -> Vec<(String, Value)> {
        self.hooks.received.lock().unwrap().clone()
    }
}
