//! The integration layer against loopback fakes that answer as the real
//! APIs do (paths, auth headers, envelopes and their failure modes).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use reqwest::Method;
use serde_json::{json, Value};

use super::fake::{serve, serve_tls};
use super::*;

pub(super) type Calls = Arc<AtomicUsize>;

pub(super) fn config(service: &str, address: std::net::SocketAddr) -> ServiceConfig {
    let mut config = ServiceConfig::new(service, &format!("http://{address}"));
    config.timeout = Duration::from_secs(5);
    config
}

pub(super) fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn bearer_and_success_result_envelope_as_cloudflare_answers() {
    async fn zones(headers: HeaderMap) -> (StatusCode, Json<Value>) {
        match header(&headers, "authorization") {
            "Bearer good-token" => (
                StatusCode::OK,
                Json(
                    json!({"success": true, "errors": [], "messages": [], "result": [{"id": "z1"}]}),
                ),
            ),
            _ => (
                StatusCode::FORBIDDEN,
                Json(
                    json!({"success": false, "errors": [{"code": 9109, "message": "Invalid access token"}], "result": null}),
                ),
            ),
        }
    }
    async fn purge() -> Json<Value> {
        Json(
            json!({"success": false, "errors": [{"code": 1012, "message": "Request must contain one of purge_everything, files, tags"}], "result": null}),
        )
    }
    let address = serve(
        Router::new()
            .route("/client/v4/zones", get(zones))
            .route("/client/v4/zones/z1/purge_cache", post(purge)),
    )
    .await;
    let mut good = config("cloudflare", address);
    good.envelope = Envelope::SuccessResult;
    good.auth = Auth::Bearer(Secret::new("good-token"));
    let service = Service::new(good.clone()).unwrap();
    assert_eq!(
        service.get("/client/v4/zones", &[]).await,
        Ok(json!([{"id": "z1"}]))
    );
    let refused = service
        .post("/client/v4/zones/z1/purge_cache", Some(&json!({})))
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "cloudflare: answered with an error: Request must contain one of purge_everything, files, tags"
    );
    good.auth = Auth::Bearer(Secret::new("expired-token"));
    let expired = Service::new(good)
        .unwrap()
        .get("/client/v4/zones", &[])
        .await
        .unwrap_err();
    assert_eq!(
        expired,
        ServiceError::Forbidden {
            service: "cloudflare".into(),
            message: "Invalid access token".into()
        }
    );
}

#[tokio::test]
async fn idempotent_calls_are_retried_after_429_and_5xx_others_never() {
    async fn flaky(State(calls): State<Calls>) -> impl IntoResponse {
        match calls.fetch_add(1, Ordering::SeqCst) {
            0 => (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                "slow down",
            )
                .into_response(),
            1 => (StatusCode::SERVICE_UNAVAILABLE, "restarting").into_response(),
            _ => Json(json!({"ok": true})).into_response(),
        }
    }
    let calls = Calls::default();
    let address = serve(
        Router::new()
            .route("/thing", get(flaky).post(flaky))
            .with_state(calls.clone()),
    )
    .await;
    let service = Service::new(config("api", address)).unwrap();
    assert_eq!(service.get("/thing", &[]).await, Ok(json!({"ok": true})));
    assert_eq!(calls.swap(0, Ordering::SeqCst), 3);

    let refused = service.post("/thing", None).await.unwrap_err();
    assert_eq!(
        refused,
        ServiceError::RateLimited {
            service: "api".into(),
            status: 429,
            retry_after: Some(Duration::from_secs(1)),
            message: "slow down".into()
        }
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "a POST is sent once");

    // Where a 429 means nothing was done, the POST is sent again after its
    // Retry-After; the 503 that follows is still final for a POST.
    calls.store(0, Ordering::SeqCst);
    let mut resending = config("api", address);
    resending.resend_rate_limited = true;
    let service = Service::new(resending).unwrap();
    let started = std::time::Instant::now();
    let failed = service.post("/thing", None).await.unwrap_err();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        matches!(failed, ServiceError::ServerError { status: 503, .. }),
        "{failed}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn status_errors_quote_the_service_and_never_a_key() {
    async fn echo_url(Query(query): Query<Vec<(String, String)>>) -> (StatusCode, String) {
        // A careless service quoting the request back, key included.
        (
            StatusCode::NOT_FOUND,
            format!(
                "{{\"message\": \"no route for /x?{}\"}}",
                query
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&")
            ),
        )
    }
    let address = serve(Router::new().route("/x", get(echo_url))).await;
    let mut keyed = config("ifttt", address);
    keyed.auth = Auth::Query {
        name: "key",
        value: Secret::new("k3y-s3cret"),
    };
    let error = Service::new(keyed.clone())
        .unwrap()
        .get("/x", &[])
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "ifttt: not found (404): no route for /x?key=[redacted]"
    );

    // Nothing listens there: the transport error names no URL and no key.
    keyed.base_url = "http://127.0.0.1:1".into();
    let down = Service::new(keyed)
        .unwrap()
        .get("/x", &[])
        .await
        .unwrap_err();
    assert!(matches!(down, ServiceError::Unreachable { .. }), "{down}");
    assert!(!down.to_string().contains("k3y"), "{down}");
    assert!(
        down.to_string().to_lowercase().contains("refused"),
        "{down}"
    );

    let bad = Service::new(ServiceConfig::new("x", "ftp://host"))
        .err()
        .unwrap();
    assert!(bad.to_string().contains("http:// or https://"), "{bad}");
}

#[tokio::test]
async fn proxmox_token_over_a_pinned_self_signed_certificate() {
    async fn version(headers: HeaderMap) -> (StatusCode, Json<Value>) {
        if header(&headers, "authorization") == "PVEAPIToken=root@pam!ops=4f0a-uuid" {
            (
                StatusCode::OK,
                Json(json!({"data": {"version": "8.2.4", "release": "8.2"}})),
            )
        } else {
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"data": null, "message": "authentication failure\n"})),
            )
        }
    }
    let (address, fingerprint) =
        serve_tls(Router::new().route("/api2/json/version", get(version))).await;
    let mut pve = ServiceConfig::new("proxmox", &format!("https://{address}"));
    pve.envelope = Envelope::Data;
    pve.auth = Auth::ProxmoxToken {
        token_id: "root@pam!ops".into(),
        secret: Secret::new("4f0a-uuid"),
    };
    pve.trust = Trust::pinned(&fingerprint).unwrap();
    let service = Service::new(pve.clone()).unwrap();
    assert_eq!(
        service.get("/api2/json/version", &[]).await.unwrap()["version"],
        "8.2.4"
    );

    pve.auth = Auth::ProxmoxToken {
        token_id: "root@pam!ops".into(),
        secret: Secret::new("wrong"),
    };
    let denied = Service::new(pve.clone())
        .unwrap()
        .get("/api2/json/version", &[])
        .await
        .unwrap_err();
    assert_eq!(
        denied.to_string(),
        "proxmox: rejected the credentials (401): authentication failure; check the credential"
    );

    // Another certificate (or the public roots) is refused before any request.
    pve.trust = Trust::pinned(&"00".repeat(32)).unwrap();
    let other = Service::new(pve.clone())
        .unwrap()
        .get("/api2/json/version", &[])
        .await
        .unwrap_err();
    assert!(other.to_string().contains("not the pinned one"), "{other}");
    pve.trust = Trust::PublicRoots;
    let public = Service::new(pve)
        .unwrap()
        .get("/api2/json/version", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(public, ServiceError::Unreachable { .. }),
        "{public}"
    );
}

#[test]
fn one_service_per_configuration_for_the_agent_s_life() {
    let mut unifi = ServiceConfig::new("unifi", "https://127.0.0.1:8443");
    let login = |password: &str| Auth::CookieLogin {
        path: "/api/login".into(),
        body: json!({"username": "ops", "password": password}),
        secrets: vec![Secret::new(password)],
    };
    unifi.auth = login("one");
    let first = Service::shared(unifi.clone()).unwrap();
    assert!(Arc::ptr_eq(
        &first,
        &Service::shared(unifi.clone()).unwrap()
    ));
    unifi.auth = login("two");
    assert!(!Arc::ptr_eq(&first, &Service::shared(unifi).unwrap()));
}

#[tokio::test]
async fn cursor_pages_and_polled_jobs() {
    async fn alerts(Query(query): Query<Vec<(String, String)>>) -> Json<Value> {
        let cursor = query
            .iter()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| v.as_str());
        let (items, next) = match cursor {
            None => (json!([1, 2]), json!("p2")),
            Some("p2") => (json!([3]), json!("p3")),
            _ => (json!([4]), Value::Null),
        };
        Json(json!({"items": items, "next_cursor": next}))
    }
    async fn status(State(calls): State<Calls>) -> Json<Value> {
        let running = calls.fetch_add(1, Ordering::SeqCst) < 2;
        Json(
            json!({"data": if running { json!({"status": "running"}) } else { json!({"status": "stopped", "exitstatus": "OK"}) }}),
        )
    }
    let calls = Calls::default();
    let address = serve(
        Router::new()
            .route("/alerts", get(alerts))
            .route("/task/status", get(status))
            .with_state(calls.clone()),
    )
    .await;
    let service = Service::new(config("crowdsec", address)).unwrap();
    let cursor = Cursor {
        param: "cursor",
        items: "/items",
        next: "/next_cursor",
        max_pages: 10,
    };
    let (items, cut) = all_pages(&service, "/alerts", &[], cursor).await.unwrap();
    assert_eq!((Value::from(items), cut), (json!([1, 2, 3, 4]), false));
    let short = Cursor {
        max_pages: 2,
        ..cursor
    };
    assert_eq!(
        all_pages(&service, "/alerts", &[], short).await.unwrap(),
        (vec![json!(1), json!(2), json!(3)], true)
    );

    let done = poll(
        &service,
        Duration::from_millis(10),
        Duration::from_secs(5),
        || async {
            let answer = service.get("/task/status", &[]).await?;
            Ok(match answer["data"]["status"].as_str() {
                Some("stopped") => Polled::Done(answer["data"].clone()),
                _ => Polled::Running,
            })
        },
    )
    .await;
    assert_eq!(done, Ok(json!({"status": "stopped", "exitstatus": "OK"})));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let never = poll(
        &service,
        Duration::from_millis(10),
        Duration::from_millis(30),
        || async { Ok(Polled::Running) },
    )
    .await;
    assert!(
        matches!(never, Err(ServiceError::Timeout { .. })),
        "{never:?}"
    );
}

#[tokio::test]
async fn a_slow_service_times_out_with_its_name() {
    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "late"
    }
    let address = serve(Router::new().route("/slow", get(slow))).await;
    let mut patient = config("prometheus", address);
    patient.timeout = Duration::from_millis(200);
    patient.attempts = 1;
    let error = Service::new(patient)
        .unwrap()
        .call(Method::GET, "/slow", &[], None)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "prometheus: no answer within 200ms");
}

#[tokio::test]
async fn numbered_pages_follow_result_info_to_the_last_page() {
    async fn records(Query(query): Query<Vec<(String, String)>>) -> Json<Value> {
        let page: u64 = query
            .iter()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap();
        assert!(query.contains(&("per_page".into(), "2".into())));
        let items: Vec<u64> = (page * 2 - 1..=(page * 2).min(5)).collect();
        Json(json!({"success": true, "errors": [], "result": items,
                    "result_info": {"page": page, "per_page": 2, "total_pages": 3, "total_count": 5}}))
    }
    let address = serve(Router::new().route("/dns_records", get(records))).await;
    let mut cloudflare = config("cloudflare", address);
    cloudflare.envelope = Envelope::SuccessResult;
    let service = Service::new(cloudflare).unwrap();
    let pages = PageNumbers {
        param: "page",
        size_param: "per_page",
        size: 2,
        items: "/result",
        total_pages: "/result_info/total_pages",
        max_pages: 10,
    };
    let (items, cut) = all_numbered_pages(&service, "/dns_records", &[], pages)
        .await
        .unwrap();
    assert_eq!((Value::from(items), cut), (json!([1, 2, 3, 4, 5]), false));
    let two = PageNumbers {
        max_pages: 2,
        ..pages
    };
    let (items, cut) = all_numbered_pages(&service, "/dns_records", &[], two)
        .await
        .unwrap();
    assert_eq!((items.len(), cut), (4, true));
}

#[tokio::test]
async fn any_certificate_is_accepted_only_when_asked_and_can_be_read() {
    async fn hello() -> &'static str {
        "hello"
    }
    let (address, _) = serve_tls(Router::new().route("/", get(hello))).await;
    let mut probe = ServiceConfig::new("probe", &format!("https://{address}"));
    probe.attempts = 1;
    let refused = Service::new(probe.clone()).unwrap().get("/", &[]).await;
    assert!(matches!(refused, Err(ServiceError::Unreachable { .. })));
    probe.trust = Trust::AnyCertificate;
    let answer = Service::new(probe).unwrap().get("/", &[]).await;
    assert_eq!(answer, Ok(json!("hello")));

    let shown = peer_certificate("127.0.0.1", address.port(), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(shown.dns_names, ["127.0.0.1", "pve"]);
    assert!(!shown.trusted && shown.trust_error.is_some(), "{shown:?}");
    assert!(shown.days_left > 365);
    let closed = peer_certificate("127.0.0.1", 1, Duration::from_secs(5)).await;
    assert!(
        matches!(closed, Err(CertificateError::Handshake { .. })),
        "{closed:?}"
    );
}

#[tokio::test]
async fn google_errors_carry_the_wait_and_the_refused_key_in_their_details() {
    // As the Gemini API: a 429 whose wait is a RetryInfo detail (no
    // header), a wrong key as a 400 whose ErrorInfo says API_KEY_INVALID.
    async fn generate(State(calls): State<Calls>, headers: HeaderMap) -> impl IntoResponse {
        if header(&headers, "x-goog-api-key") != "AIza-good" {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {"code": 400, "status": "INVALID_ARGUMENT",
                "message": "API key not valid. Please pass a valid API key.",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}})),
            );
        }
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                Json(
                    json!({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                "message": "You exceeded your current quota.",
                "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]}}),
                ),
            );
        }
        (StatusCode::OK, Json(json!({"candidates": []})))
    }
    let calls = Calls::default();
    let address = serve(
        Router::new()
            .route("/models/m:generateContent", post(generate))
            .with_state(calls.clone()),
    )
    .await;
    let service = |key: &str| {
        let mut config = config("gemini", address);
        config.auth = Auth::Header {
            name: "x-goog-api-key",
            value: Secret::new(key),
        };
        config
    };
    let mut once = service("AIza-good");
    once.attempts = 1;
    let limited = Service::new(once)
        .unwrap()
        .post("/models/m:generateContent", None)
        .await
        .unwrap_err();
    assert!(
        matches!(limited, ServiceError::RateLimited { retry_after: Some(wait), .. } if wait == Duration::from_secs(1)),
        "{limited}"
    );
    let wrong = Service::new(service("AIza-wrong"))
        .unwrap()
        .post("/models/m:generateContent", None)
        .await
        .unwrap_err();
    assert_eq!(
        wrong.to_string(),
        "gemini: rejected the credentials (401): API key not valid. Please pass a valid API key.; check the credential"
    );
}

#[tokio::test]
async fn raw_bodies_and_answers_with_a_project_key_beside_the_bearer_as_supabase_and_elevenlabs_take_them(
) {
    async fn store(headers: HeaderMap, body: axum::body::Bytes) -> axum::response::Response {
        if header(&headers, "apikey") != "project-key" {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"message": "Invalid API key project-key-wrong"})),
            )
                .into_response();
        }
        let who = header(&headers, "authorization").to_owned();
        let kind = header(&headers, "content-type").to_owned();
        let mut answer = format!("{who}|{kind}|").into_bytes();
        answer.extend_from_slice(&body);
        (StatusCode::OK, [("content-type", "audio/mpeg")], answer).into_response()
    }
    let address = serve(Router::new().route("/object", post(store))).await;
    let project = |key: &str| {
        let mut supabase = config("supabase", address);
        supabase.auth = Auth::KeyAndBearer {
            name: "apikey",
            key: Secret::new(key),
            bearer: Secret::new("user-token"),
        };
        Service::new(supabase).unwrap()
    };
    let data = [0xFFu8, 0xFB, 0x00, 0x01];
    let body = Body::Raw {
        content_type: "image/png",
        data: &data,
    };
    let (answer, content_type) = project("project-key")
        .call_bytes(Method::POST, "/object", &[], body)
        .await
        .unwrap();
    assert_eq!(content_type, "audio/mpeg");
    let mut expected = b"Bearer user-token|image/png|".to_vec();
    expected.extend_from_slice(&data);
    assert_eq!(answer, expected);
    // The key is redacted wherever the service quotes it.
    let refused = project("project-key-wrong")
        .call_bytes(Method::POST, "/object", &[], body)
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "supabase: rejected the credentials (401): Invalid API key [redacted]; check the credential"
    );
}

#[tokio::test]
async fn an_answer_said_to_be_json_that_is_not_is_broken_while_plain_text_is_kept() {
    async fn broken() -> impl IntoResponse {
        (
            [("content-type", "application/json")],
            "<html>proxy error</html>",
        )
    }
    async fn plain() -> impl IntoResponse {
        (
            [("content-type", "text/html; charset=utf-8")],
            "Congratulations! You've fired the door event",
        )
    }
    let address = serve(
        Router::new()
            .route("/broken", get(broken))
            .route("/plain", get(plain)),
    )
    .await;
    let service = Service::new(config("hooks", address)).unwrap();
    assert!(matches!(
        service.get("/broken", &[]).await,
        Err(ServiceError::BadAnswer { .. })
    ));
    assert_eq!(
        service.get("/plain", &[]).await,
        Ok(json!("Congratulations! You've fired the door event"))
    );
}
