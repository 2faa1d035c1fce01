//! HubSpot's CRM API (v3 deals) on loopback, answering as its reference
//! documents it: a private app's token as `Authorization: Bearer` (401
//! `INVALID_AUTHENTICATION` otherwise), `GET /crm/v3/objects/deals` paged
//! by `limit` (default 10, at most 100) and the opaque `after` from
//! `paging.next.after`, only the `properties` asked for (every value a
//! string), `GET /crm/v3/objects/deals/{id}` (404 `OBJECT_NOT_FOUND`),
//! errors as `{"status": "error", "message", "correlationId", "category"}`
//! (429 with `errorType: RATE_LIMIT`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::fake_api::{bearer, error, Served};

/// A deal in `contractsent` worth 40 000.
pub const OPEN_DEAL: &str = "9001";
/// A deal in `closedwon` worth 12 000.
pub const WON_DEAL: &str = "9002";
/// The stages of HubSpot's default pipeline, in order.
pub const STAGES: [&str; 7] = [
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
];

struct Fake {
    token: String,
    deals: Vec<Value>,
}

pub struct FakeHubspot {
    served: Served,
}

fn envelope(message: &str, category: &str) -> Value {
    json!({"status": "error", "message": message, "correlationId": uuid::Uuid::new_v4().to_string(), "category": category})
}

fn shape(status: StatusCode, message: &str) -> Value {
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            json!({"status": "error", "message": "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT", "correlationId": uuid::Uuid::new_v4().to_string(), "policyName": "SECONDLY"})
        }
        _ => envelope(message, "INTERNAL_ERROR"),
    }
}

/// A deal: every value a string, as HubSpot stores properties.
fn deal(id: &str, name: &str, stage: &str, amount: u64) -> Value {
    json!({"id": id, "properties": {"dealname": name, "dealstage": stage, "amount": amount.to_string(),
           "pipeline": "default", "closedate": "2026-12-31T00:00:00Z", "createdate": "2026-06-01T09:00:00Z",
           "hs_lastmodifieddate": "2026-11-30T09:00:00Z", "hs_object_id": id},
           "createdAt": "2026-06-01T09:00:00Z", "updatedAt": "2026-11-30T09:00:00Z", "archived": false})
}

impl Fake {
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        (bearer(headers) != Some(self.token.as_str())).then(|| {
            error(StatusCode::UNAUTHORIZED, envelope(
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                "INVALID_AUTHENTICATION"))
        })
    }
}

/// `deal` with only the properties asked for (HubSpot's defaults when none are).
fn with_properties(deal: &Value, asked: Option<&String>) -> Value {
    let defaults = "createdate,hs_lastmodifieddate,hs_object_id";
    let names: Vec<&str> = asked
        .map_or(defaults, String::as_str)
        .split(',')
        .chain(defaults.split(','))
        .collect();
    let kept: Map<String, Value> = deal["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| names.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    let mut shown = deal.clone();
    shown["properties"] = Value::Object(kept);
    shown
}

async fn deals(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    let limit = match query.get("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(limit)) if (1..=100).contains(&limit) => limit,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                envelope("limit must be between 1 and 100", "VALIDATION_ERROR"),
            )
        }
    };
    // `after` is opaque to callers; here it is the index of the next deal.
    let start = match query.get("after").map(|a| a.parse::<usize>()) {
        None => 0,
        Some(Ok(start)) => start,
        Some(Err(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                envelope("Invalid input for after", "VALIDATION_ERROR"),
            )
        }
    };
    let page: Vec<Value> = fake
        .deals
        .iter()
        .skip(start)
        .take(limit)
        .map(|d| with_properties(d, query.get("properties")))
        .collect();
    let mut body = json!({"results": page});
    let next = start + limit;
    if next < fake.deals.len() {
        body["paging"] = json!({"next": {"after": next.to_string(),
            "link": format!("https://api.hubapi.com/crm/v3/objects/deals?after={next}")}});
    }
    Json(body).into_response()
}

async fn one_deal(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers) {
        return refused;
    }
    match fake.deals.iter().find(|d| d["id"] == json!(id)) {
        Some(found) => Json(with_properties(found, query.get("properties"))).into_response(),
        None => {
            let mut body = envelope(
                "Object not found.  objectId are usually numeric.",
                "OBJECT_NOT_FOUND",
            );
            body["context"] = json!({"id": [id]});
            error(StatusCode::NOT_FOUND, body)
        }
    }
}

impl FakeHubspot {
    /// `token` is the one valid access token; `bulk` deals of 2000 cycle
    /// through [`STAGES`] before [`OPEN_DEAL`] and [`WON_DEAL`].
    pub async fn start(token: &str, bulk: usize) -> Self {
        let mut all: Vec<Value> = (0..bulk)
            .map(|i| {
                deal(
                    &(1000 + i).to_string(),
                    &format!("Deal {i}"),
                    STAGES[i % STAGES.len()],
                    2000,
                )
            })
            .collect();
        all.push(deal(
            OPEN_DEAL,
            "Lab sensors for Acme",
            "contractsent",
            40_000,
        ));
        all.push(deal(WON_DEAL, "Spore kits", "closedwon", 12_000));
        let fake = Arc::new(Fake {
            token: token.to_owned(),
            deals: all,
        });
        let router = Router::new()
            .route("/crm/v3/objects/deals", get(deals))
            .route("/crm/v3/objects/deals/{id}", get(one_deal))
            .fallback(|| async {
                error(
                    StatusCode::NOT_FOUND,
                    envelope("resource not found", "OBJECT_NOT_FOUND"),
                )
            })
            .with_state(fake);
        Self {
            served: Served::start(router, shape).await,
        }
    }
}

impl std::ops::Deref for FakeHubspot {
    type Target = Served;

    fn deref(&self) -> &Served {
        &self.served
    }
}
