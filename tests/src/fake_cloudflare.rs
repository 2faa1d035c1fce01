//! The Cloudflare API v4 on loopback, answering as its public reference
//! documents: `/client/v4` paths, `Authorization: Bearer <token>`, answers
//! `{"success", "errors": [{"code", "message"}], "messages", "result"}` with
//! `result_info` (page, per_page, count, total_count, total_pages) on
//! lists; DNS records listed (filtered by `type` and `name`), created and
//! patched, with Cloudflare's conflict codes (81057 identical record,
//! 81053 a CNAME beside another record of the name, 81044 no such record);
//! cache purges needing exactly one of their forms (1012); tunnels of an
//! account; 400 6003 for a malformed Authorization header, 403 9109 for an
//! unknown token, 403 10000 for a zone the token cannot see, and 429 971
//! with `Retry-After` when told to throttle.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";
pub const ZONE_NAME: &str = "example.com";
pub const ACCOUNT: &str = "699d98642c564d2e855e9661899b7252";

#[derive(Default)]
pub struct Account {
    pub records: Vec<Value>,
    /// Every purge body received, in order.
    pub purges: Vec<Value>,
    pub tunnels: Vec<Value>,
}

struct Fake {
    token: String,
    account: Mutex<Account>,
    /// The next this many requests are answered 429.
    throttle: AtomicUsize,
    /// How many 429s were answered.
    throttled: AtomicUsize,
}

pub struct FakeCloudflare {
    pub address: SocketAddr,
    fake: Arc<Fake>,
}

fn failure(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        Json(json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null})),
    )
        .into_response()
}

fn success(result: Value) -> Response {
    Json(json!({"success": true, "errors": [], "messages": [], "result": result})).into_response()
}

/// Page `page` of `items`, with Cloudflare's `result_info`.
fn paged(items: Vec<Value>, query: &BTreeMap<String, String>) -> Response {
    let number = |name: &str, default: usize| {
        query
            .get(name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let (page, per_page) = (
        number("page", 1).max(1),
        number("per_page", 100).clamp(5, 100),
    );
    let total = items.len();
    let shown: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    Json(
        json!({"success": true, "errors": [], "messages": [], "result": shown,
                "result_info": {"page": page, "per_page": per_page, "count": shown.len(),
                                "total_count": total, "total_pages": total.div_ceil(per_page)}}),
    )
    .into_response()
}

impl Fake {
    /// The answer to a request that may not go on: bad auth, a zone it cannot see, throttling.
    fn refusal(&self, headers: &HeaderMap, zone: Option<&str>) -> Option<Response> {
        let throttled = self
            .throttle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if throttled {
            self.throttled.fetch_add(1, Ordering::SeqCst);
            let mut response = failure(
                StatusCode::TOO_MANY_REQUESTS,
                971,
                "Please wait and consider throttling your request speed",
            );
            response
                .headers_mut()
                .insert("retry-after", "1".parse().unwrap());
            return Some(response);
        }
        let bearer = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let Some(token) = bearer else {
            return Some(
                (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"success": false, "errors": [{"code": 6003, "message": "Invalid request headers",
                                "error_chain": [{"code": 6111, "message": "Invalid format for Authorization header"}]}],
                                "messages": [], "result": null})),
                )
                    .into_response(),
            );
        };
        if token != self.token {
            return Some(failure(StatusCode::FORBIDDEN, 9109, "Invalid access token"));
        }
        if zone.is_some_and(|zone| zone != ZONE) {
            return Some(failure(
                StatusCode::FORBIDDEN,
                10000,
                "Authentication error",
            ));
        }
        None
    }
}

async fn list_records(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(zone): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers, Some(&zone)) {
        return refused;
    }
    let records: Vec<Value> = fake
        .account
        .lock()
        .unwrap()
        .records
        .iter()
        .filter(|r| {
            ["type", "name"]
                .iter()
                .all(|f| query.get(*f).is_none_or(|v| r[*f] == v.as_str()))
        })
        .cloned()
        .collect();
    paged(records, &query)
}

fn record(id: &str, body: &Value) -> Value {
    json!({"id": id, "zone_id": ZONE, "zone_name": ZONE_NAME, "type": body["type"], "name": body["name"],
           "content": body["content"], "proxiable": true, "proxied": body["proxied"].as_bool().unwrap_or(false),
           "ttl": body["ttl"].as_u64().unwrap_or(1), "comment": body.get("comment").cloned().unwrap_or(Value::Null),
           "tags": [], "meta": {}, "created_on": "2026-12-06T06:00:00.000000Z", "modified_on": "2026-12-06T06:00:00.000000Z"})
}

async fn create_record(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(zone): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers, Some(&zone)) {
        return refused;
    }
    let mut account = fake.account.lock().unwrap();
    let same_name: Vec<&Value> = account
        .records
        .iter()
        .filter(|r| r["name"] == body["name"])
        .collect();
    if same_name
        .iter()
        .any(|r| r["type"] == body["type"] && r["content"] == body["content"])
    {
        return failure(StatusCode::BAD_REQUEST, 81057, "Record already exists.");
    }
    let cname = |t: &Value| t == "CNAME";
    if same_name
        .iter()
        .any(|r| cname(&body["type"]) || cname(&r["type"]))
    {
        return failure(
            StatusCode::BAD_REQUEST,
            81053,
            "An A, AAAA, or CNAME record with that host already exists.",
        );
    }
    let created = record(&uuid::Uuid::new_v4().simple().to_string(), &body);
    account.records.push(created.clone());
    success(created)
}

async fn patch_record(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path((zone, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers, Some(&zone)) {
        return refused;
    }
    let mut account = fake.account.lock().unwrap();
    let Some(existing) = account.records.iter_mut().find(|r| r["id"] == id.as_str()) else {
        return failure(StatusCode::NOT_FOUND, 81044, "Record does not exist.");
    };
    for (field, value) in body.as_object().into_iter().flatten() {
        existing[field] = value.clone();
    }
    existing["modified_on"] = json!("2026-12-06T07:00:00.000000Z");
    success(existing.clone())
}

async fn purge(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(zone): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers, Some(&zone)) {
        return refused;
    }
    let forms = ["purge_everything", "files", "tags", "hosts", "prefixes"];
    if forms.iter().filter(|f| body.get(**f).is_some()).count() != 1 {
        return failure(
            StatusCode::BAD_REQUEST,
            1012,
            "Request must contain one of \"purge_everything\", \"files\", \"tags\", \"hosts\" or \"prefixes\"",
        );
    }
    fake.account.lock().unwrap().purges.push(body);
    success(json!({"id": zone}))
}

async fn tunnels(
    State(fake): State<Arc<Fake>>,
    headers: HeaderMap,
    Path(account): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refused) = fake.refusal(&headers, None) {
        return refused;
    }
    if account != ACCOUNT {
        return failure(StatusCode::FORBIDDEN, 10000, "Authentication error");
    }
    let deleted = query.get("is_deleted").map(String::as_str) == Some("true");
    let shown: Vec<Value> = fake
        .account
        .lock()
        .unwrap()
        .tunnels
        .iter()
        .filter(|t| deleted || t["deleted_at"].is_null())
        .filter(|t| query.get("name").is_none_or(|n| t["name"] == n.as_str()))
        .cloned()
        .collect();
    paged(shown, &query)
}

fn connection(colo: &str) -> Value {
    json!({"colo_name": colo, "id": uuid::Uuid::new_v4().to_string(), "is_pending_reconnect": false,
           "origin_ip": "203.0.113.7", "opened_at": "2026-12-01T10:00:00Z", "client_version": "2024.11.1"})
}

impl FakeCloudflare {
    /// Zone [`ZONE`] with `records` TXT records plus `www` (A) and an
    /// account with a healthy tunnel (two colos), a down one and a deleted one;
    /// `token` is the one valid API token.
    pub async fn start(token: &str, records: usize) -> Self {
        let mut account = Account::default();
        for i in 0..records {
            let body = json!({"type": "TXT", "name": format!("t{i}.{ZONE_NAME}"), "content": format!("\"n={i}\""), "ttl": 300});
            account.records.push(record(&format!("{i:032x}"), &body));
        }
        let www = json!({"type": "A", "name": format!("www.{ZONE_NAME}"), "content": "192.0.2.10", "ttl": 1, "proxied": true});
        account.records.push(record(&"f".repeat(32), &www));
        account.tunnels = vec![
            json!({"id": "c1744f8b-faa1-48a4-9e5c-02ac921467fa", "name": "home-lab", "status": "healthy", "tun_type": "cfd_tunnel",
                   "created_at": "2026-11-01T10:00:00Z", "deleted_at": null, "remote_config": true,
                   "connections": [connection("FRA"), connection("AMS"), connection("FRA")]}),
            json!({"id": "0b3a1bd1-0b4f-4e4c-8b6d-2a3b7d5c9e01", "name": "office", "status": "down", "tun_type": "cfd_tunnel",
                   "created_at": "2026-10-01T10:00:00Z", "deleted_at": null, "remote_config": false, "connections": []}),
            json!({"id": "5e7a2c44-3f0e-4a43-9d3a-6c1b2e8f0a77", "name": "old", "status": "inactive", "tun_type": "cfd_tunnel",
                   "created_at": "2025-01-01T10:00:00Z", "deleted_at": "2025-06-01T10:00:00Z", "connections": []}),
        ];
        let fake = Arc::new(Fake {
            token: token.to_owned(),
            account: Mutex::new(account),
            throttle: AtomicUsize::new(0),
            throttled: AtomicUsize::new(0),
        });
        let router = Router::new()
            .route(
                "/client/v4/zones/{zone}/dns_records",
                get(list_records).post(create_record),
            )
            .route(
                "/client/v4/zones/{zone}/dns_records/{id}",
                patch(patch_record),
            )
            .route("/client/v4/zones/{zone}/purge_cache", post(purge))
            .route("/client/v4/accounts/{account}/cfd_tunnel", get(tunnels))
            .with_state(fake.clone());
        let address = myca_agents::integration::fake::serve(router).await;
        Self { address, fake }
    }

    /// The API's base address, as the agent's `base_url` setting takes it.
    pub fn url(&self) -> String {
        format!("http://{}/client/v4", self.address)
    }

    pub fn account(&self) -> std::sync::MutexGuard<'_, Account> {
        self.fake.account.lock().unwrap()
    }

    /// Answers the next `requests` requests with 429.
    pub fn throttle(&self, requests: usize) {
        self.fake.throttle.store(requests, Ordering::SeqCst);
    }

    pub fn throttled(&self) -> usize {
        self.fake.throttled.load(Ordering::SeqCst)
    }
}
