//! Mailchimp's Marketing API (3.0) on loopback, answering as its reference
//! documents it: HTTP basic auth with any user name and the API key as
//! password (401 "API Key Missing" or "API Key Invalid" otherwise), lists
//! paged by `count` (1–1000, default 10) and `offset` with `total_items`,
//! campaigns filtered by `status` and `since_send_time`, `GET
//! /campaigns/{id}` (404 for an unknown one), `POST
//! /campaigns/{id}/actions/send` answering 204 (400 "not ready" unless a
//! draft or paused), errors as problem details `{"type", "title",
//! "status", "detail", "instance"}`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};

use crate::fake_api::{error, header, Served};

/// A draft that passes every default marketing rule.
pub const READY: &str = "d0ready001";
/// A draft whose subject line says "Act now".
pub const SPAMMY: &str = "d1spammy01";
/// A draft to an audience of 50 000.
pub const HUGE: &str = "d2huge0001";
/// The newsletter audience every campaign goes to.
pub const NEWSLETTER: &str = "a1b2c3d4e5";
const ERRORS: &str = "https://mailchimp.com/developer/marketing/docs/errors/";

struct Fake {
    key: String,
    campaigns: Mutex<Vec<Value>>,
}

pub struct FakeMailchimp {
    served: Served,
    fake: Arc<Fake>,
}

/// A problem-detail body, as Mailchimp answers every failure.
fn problem(status: StatusCode, title: &str, detail: &str) -> Value {
    json!({"type": ERRORS, "title": title, "status": status.as_u16(), "detail": detail,
           "instance": uuid::Uuid::new_v4().to_string()})
}

fn shape(status: StatusCode, message: &str) -> Value {
    match status {
        StatusCode::TOO_MANY_REQUESTS => problem(status, "Too Many Requests",
            "You have exceeded the limit of 10 simultaneous connections."),
        _ => problem(status, message, "An unexpected internal error has occurred. Please contact Support for more information."),
    }
}

fn fail(status: StatusCode, title: &str, detail: &str) -> Response {
    error(status, problem(status, title, detail))
}

/// A sent campaign of the bulk: 100 emails, 20–29 unique opens.
fn sent(index: usize) -> Value {
    let opens = 20 + index % 10;
    json!({"id": format!("s{index:09}"), "web_id": index, "type": "regular", "status": "sent",
           "create_time": "2026-09-01T08:00:00+00:00", "emails_sent": 100,
           "send_time": format!("2026-10-{:02}T10:00:00+00:00", 1 + index % 28),
           "recipients": {"list_id": NEWSLETTER, "list_name": "Mycosoft Newsletter", "recipient_count": 100},
           "settings": {"subject_line": format!("Issue {index}"), "preview_text": "", "title": format!("Newsletter {index}"),
                        "from_name": "Mycosoft", "reply_to": "news@mycosoft.com"},
           "report_summary": {"opens": opens + 5, "unique_opens": opens, "open_rate": opens as f64 / 100.0,
                              "clicks": 3, "subscriber_clicks": 2, "click_rate": 0.02}})
}

fn draft(id: &str, subject: &str, recipients: u64) -> Value {
    json!({"id": id, "web_id": 1, "type": "regular", "status": "save", "create_time": "2026-11-20T08:00:00+00:00",
           "emails_sent": 0, "send_time": "",
           "recipients": {"list_id": NEWSLETTER, "list_name": "Mycosoft Newsletter", "recipient_count": recipients},
           "settings": {"subject_line": subject, "preview_text": "What grows this month", "title": subject,
                        "from_name": "Mycosoft", "reply_to": "news@mycosoft.com"}})
}

impl Fake {
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        let Some(encoded) = header(headers, "authorization").and_then(|h| h.strip_prefix("Basic "))
        else {
            return Some(fail(
                StatusCode::UNAUTHORIZED,
                "API Key Missing",
                "Your request did not include an API key.",
            ));
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        match decoded.split_once(':') {
            Some((_, key)) if key == self.key => None,
            _ => Some(fail(
                StatusCode::UNAUTHORIZED,
                "API Key Invalid",
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
            )),
        }
    }
}

/// One page of `items` under `field`, as Mailchimp lists them.
fn page(items: &[Value], field: &str, query: &BTreeMap<String, String>) -> Response {
    let count = match query.get("count").map(|c| c.parse::<usize>()) {
        None => 10,
        Some(Ok(count)) if (1..=1000).contains(&count) => count,
        Some(_) => {
            let mut body = problem(StatusCode::BAD_REQUEST, "Invalid Resource",
                "The resource submitted could not be validated. For field-specific details, see the 'errors' array.");
            body["errors"] =
                json!([{"field": "count", "message": "Count must be between 1 and 1000."}]);
            return error(StatusCode::BAD_REQUEST, body);
        }
    };
    let offset = query
        .get("offset")
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let shown: Vec<Value> = items.iter().skip(offset).take(count).cloned().collect();
    let mut body = json!({"total_items": items.len(), "_links": []});
    body[field] = json!(shown);
    Json(body).into_response()
}

async fn campaigns(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let statuses = ["save", "paused", "schedule", "sending", "sent"];
    if let Some(status) = query
        .get("status")
        .filter(|s| !statuses.contains(&s.as_str()))
    {
        let mut body = problem(StatusCode::BAD_REQUEST, "Invalid Resource",
            "The resource submitted could not be validated. For field-specific details, see the 'errors' array.");
        body["errors"] = json!([{"field": "status", "message": format!("Data presented is not one of the accepted values: {}. ({status})", statuses.join(", "))}]);
        return error(StatusCode::BAD_REQUEST, body);
    }
    let since = query.get("since_send_time");
    let shown: Vec<Value> = fake
        .campaigns
        .lock()
        .unwrap()
        .iter()
        .filter(|c| query.get("status").is_none_or(|s| c["status"] == json!(s)))
        .filter(|c| {
            since.is_none_or(|s| {
                c["send_time"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty() && t >= s.as_str())
            })
        })
        .cloned()
        .collect();
    page(&shown, "campaigns", &query)
}

async fn campaign(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    match fake
        .campaigns
        .lock()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(id))
    {
        Some(found) => Json(found.clone()).into_response(),
        None => not_found(),
    }
}

fn not_found() -> Response {
    fail(
        StatusCode::NOT_FOUND,
        "Resource Not Found",
        "The requested resource could not be found.",
    )
}

async fn send(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let mut campaigns = fake.campaigns.lock().unwrap();
    let Some(found) = campaigns.iter_mut().find(|c| c["id"] == json!(id)) else {
        return not_found();
    };
    if found["status"] != "save" && found["status"] != "paused" {
        return fail(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "Your Campaign is not ready to send.",
        );
    }
    found["status"] = json!("sent");
    found["emails_sent"] = found["recipients"]["recipient_count"].clone();
    found["send_time"] = json!("2026-12-01T09:00:00+00:00");
    StatusCode::NO_CONTENT.into_response()
}

async fn lists(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let campaigns = fake.campaigns.lock().unwrap().len();
    let lists = [
        json!({"id": NEWSLETTER, "name": "Mycosoft Newsletter", "stats": {"member_count": 2500, "unsubscribe_count": 40,
               "cleaned_count": 3, "campaign_count": campaigns, "open_rate": 24.5, "click_rate": 2.0}}),
        json!({"id": "f6e5d4c3b2", "name": "Lab partners", "stats": {"member_count": 180, "unsubscribe_count": 2,
               "cleaned_count": 0, "campaign_count": 0, "open_rate": 0, "click_rate": 0}}),
    ];
    page(&lists, "lists", &query)
}

impl FakeMailchimp {
    /// `key` is the one valid API key; `bulk` sent campaigns exist beside the three drafts.
    pub async fn start(key: &str, bulk: usize) -> Self {
        let mut all: Vec<Value> = (0..bulk).map(sent).collect();
        all.push(draft(READY, "December mushroom picks", 2500));
        all.push(draft(SPAMMY, "Act now: rare spores", 2500));
        all.push(draft(HUGE, "Annual report", 50_000));
        let fake = Arc::new(Fake {
            key: key.to_owned(),
            campaigns: Mutex::new(all),
        });
        let router = Router::new()
            .route(
                "/3.0/ping",
                get(|| async { Json(json!({"health_status": "Everything's Chimpy!"})) }),
            )
            .route("/3.0/campaigns", get(campaigns))
            .route("/3.0/campaigns/{id}", get(campaign))
            .route("/3.0/campaigns/{id}/actions/send", post(send))
            .route("/3.0/lists", get(lists))
            .fallback(|| async { not_found() })
            .with_state(fake.clone());
        Self {
            served: Served::start(router, shape).await,
            fake,
        }
    }

    /// A campaign's status now.
    pub fn status(&self, id: &str) -> Value {
        let campaigns = self.fake.campaigns.lock().unwrap();
        campaigns
            .iter()
            .find(|c| c["id"] == json!(id))
            .map_or(Value::Null, |c| c["status"].clone())
    }
}

impl std::ops::Deref for FakeMailchimp {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
