//! GBIF's occurrence search and iNaturalist's observations on loopback,
//! paging as their public APIs document: GBIF
//! `GET /v1/occurrence/search?offset=&limit=` answering
//! `{offset, limit, endOfRecords, count, results}` (limit capped at 300);
//! iNaturalist `GET /v1/observations?id_above=&per_page=&order_by=id&order=asc`
//! answering `{total_results, page, per_page, results}` (per_page capped at
//! 200). A test scripts how the next requests are answered: their page, 429
//! with `Retry-After`, or a server error.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// How a request is answered, when a test scripts it.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    /// Its page, as when nothing is scripted.
    Page,
    RateLimited {
        retry_after_seconds: u32,
    },
    ServerError(u16),
}

#[derive(Default)]
pub struct Data {
    /// GBIF occurrences in the order the search returns them.
    pub occurrences: Vec<Value>,
    /// iNaturalist observations (any order; served by ascending id).
    pub observations: Vec<Value>,
    pub script: VecDeque<Reply>,
    /// Every request's path and query, failed ones included.
    pub requests: Vec<String>,
}

pub struct FakeBiodiversity {
    pub address: SocketAddr,
    pub data: Arc<Mutex<Data>>,
}

pub fn occurrence(key: u64, name: &str) -> Value {
    json!({"key": key, "datasetKey": "50c9509d-22c7-4a22-a47d-8c48425ef4a7", "basisOfRecord": "HUMAN_OBSERVATION",
           "scientificName": name, "countryCode": "US", "eventDate": "2024-05-01T00:00:00"})
}

pub fn observation(id: u64, guess: &str) -> Value {
    json!({"id": id, "uuid": uuid::Uuid::new_v4().to_string(), "species_guess": guess,
           "observed_on": "2024-06-01", "quality_grade": "research", "taxon": {"name": guess}})
}

type Params = HashMap<String, String>;

/// A numeric query parameter, or `default` when absent or not a number.
fn number(params: &Params, name: &str, default: u64) -> u64 {
    params
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Logs the request and answers its scripted failure, if any.
fn failure(data: &mut Data, request: String) -> Option<Response> {
    data.requests.push(request);
    Some(match data.script.pop_front()? {
        Reply::Page => return None,
        Reply::RateLimited {
            retry_after_seconds,
        } => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after_seconds.to_string())],
            "Too Many Requests",
        )
            .into_response(),
        Reply::ServerError(status) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "Service Unavailable",
        )
            .into_response(),
    })
}

async fn occurrences(
    State(data): State<Arc<Mutex<Data>>>,
    Query(params): Query<Params>,
) -> Response {
    let mut data = data.lock().unwrap();
    let (offset, limit) = (
        number(&params, "offset", 0) as usize,
        number(&params, "limit", 20).min(300) as usize,
    );
    if let Some(failed) = failure(&mut data, format!("gbif offset={offset} limit={limit}")) {
        return failed;
    }
    let results: Vec<Value> = data
        .occurrences
        .iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    let count = data.occurrences.len();
    Json(
        json!({"offset": offset, "limit": limit, "endOfRecords": offset + results.len() >= count,
                "count": count, "results": results, "facets": []}),
    )
    .into_response()
}

async fn observations(
    State(data): State<Arc<Mutex<Data>>>,
    Query(params): Query<Params>,
) -> Response {
    let mut data = data.lock().unwrap();
    let (above, per_page) = (
        number(&params, "id_above", 0),
        number(&params, "per_page", 30).min(200) as usize,
    );
    if let Some(failed) = failure(
        &mut data,
        format!("inaturalist id_above={above} per_page={per_page}"),
    ) {
        return failed;
    }
    let mut matching: Vec<Value> = data
        .observations
        .iter()
        .filter(|o| o["id"].as_u64().unwrap_or(0) > above)
        .cloned()
        .collect();
    matching.sort_by_key(|o| o["id"].as_u64());
    let total = matching.len();
    matching.truncate(per_page);
    Json(json!({"total_results": total, "page": 1, "per_page": per_page, "results": matching}))
        .into_response()
}

impl FakeBiodiversity {
    pub async fn start(data: Data) -> Self {
        let data = Arc::new(Mutex::new(data));
        let router = Router::new()
            .route("/v1/occurrence/search", get(occurrences))
            .route("/v1/observations", get(observations))
            .with_state(data.clone());
        let address = myca_agents::integration::fake::serve(router).await;
        Self { address, data }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// How the next requests are answered, in order (then as usual).
    pub fn script(&self, replies: &[Reply]) {
        self.data.lock().unwrap().script.extend(replies);
    }

    /// The requests so far, and forgets them.
    pub fn take_requests(&self) -> Vec<String> {
        std::mem::take(&mut self.data.lock().unwrap().requests)
    }
}
