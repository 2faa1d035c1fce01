//! Logins the integration layer keeps alive: a cookie session with its CSRF
//! token, and a bearer token, each renewed when the service ends it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::fake::serve;
use super::tests::{config, header, Calls};
use super::*;

#[derive(Default)]
struct Controller {
    attempts: AtomicUsize,
    logins: AtomicUsize,
    /// The session ends after this many calls, as a controller's does.
    calls_left: AtomicUsize,
}

#[tokio::test]
async fn cookie_login_with_csrf_is_renewed_when_the_session_ends() {
    async fn login(State(c): State<Arc<Controller>>, Json(body): Json<Value>) -> impl IntoResponse {
        c.attempts.fetch_add(1, Ordering::SeqCst);
        if body != json!({"username": "ops", "password": "pa55"}) {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"meta": {"rc": "error", "msg": "api.err.Invalid"}, "data": []})),
            )
                .into_response();
        }
        let n = c.logins.fetch_add(1, Ordering::SeqCst);
        c.calls_left.store(1, Ordering::SeqCst);
        let cookie = format!("TOKEN=session{n}; path=/; HttpOnly");
        (
            [("set-cookie", cookie), ("x-csrf-token", format!("csrf{n}"))],
            Json(json!({})),
        )
            .into_response()
    }
    async fn block(State(c): State<Arc<Controller>>, headers: HeaderMap) -> impl IntoResponse {
        let n = c.logins.load(Ordering::SeqCst).saturating_sub(1);
        let current = header(&headers, "cookie") == format!("TOKEN=session{n}")
            && header(&headers, "x-csrf-token") == format!("csrf{n}");
        let live = c
            .calls_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if !(current && live) {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"meta": {"rc": "error", "msg": "api.err.LoginRequired"}, "data": []})),
            );
        }
        (
            StatusCode::OK,
            Json(json!({"meta": {"rc": "ok"}, "data": [{"mac": "aa:bb"}]})),
        )
    }
    let controller = Arc::new(Controller::default());
    let address = serve(
        Router::new()
            .route("/api/auth/login", post(login))
            .route("/proxy/network/api/s/default/cmd/stamgr", post(block))
            .with_state(controller.clone()),
    )
    .await;
    let mut unifi = config("unifi", address);
    unifi.envelope = Envelope::MetaRc;
    unifi.auth = Auth::CookieLogin {
        path: "/api/auth/login".into(),
        body: json!({"username": "ops", "password": "pa55"}),
        secrets: vec![Secret::new("pa55")],
    };
    let service = Service::new(unifi.clone()).unwrap();
    let path = "/proxy/network/api/s/default/cmd/stamgr";
    for _ in 0..2 {
        assert_eq!(
            service.post(path, Some(&json!({"cmd": "block-sta"}))).await,
            Ok(json!([{"mac": "aa:bb"}]))
        );
    }
    assert_eq!(
        controller.logins.load(Ordering::SeqCst),
        2,
        "the ended session was renewed once"
    );

    unifi.auth = Auth::CookieLogin {
        path: "/api/auth/login".into(),
        body: json!({"username": "ops", "password": "wrong-pa55"}),
        secrets: vec![Secret::new("wrong-pa55")],
    };
    let refused = Service::new(unifi)
        .unwrap()
        .post(path, None)
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "unifi: rejected the credentials (401): api.err.Invalid; check the credential"
    );
    assert_eq!(
        controller.attempts.load(Ordering::SeqCst),
        3,
        "a refused login is not tried again"
    );
}

#[tokio::test]
async fn a_bearer_login_is_renewed_when_the_token_expires() {
    // As CrowdSec's LAPI: POST /v1/watchers/login → {"token"}; a JWT that
    // expired answers 401 {"code": 401, "message": "Token is expired"}.
    async fn login(
        State(logins): State<Calls>,
        headers: HeaderMap,
        Json(body): Json<Value>,
    ) -> (StatusCode, Json<Value>) {
        // CrowdSec records the machine's version from `name/version`, and
        // refuses the login without one.
        let n = logins.fetch_add(1, Ordering::SeqCst) + 1;
        let agent = header(&headers, "user-agent");
        if body != json!({"machine_id": "m1", "password": "pa55"}) || agent.split('/').count() != 2
        {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"code": 401, "message": "incorrect Username or Password"})),
            );
        }
        (
            StatusCode::OK,
            Json(json!({"code": 200, "token": format!("jwt-{n}")})),
        )
    }
    async fn alerts(headers: HeaderMap) -> (StatusCode, Json<Value>) {
        // The first token has expired by the time it is used.
        if header(&headers, "authorization") == "Bearer jwt-2" {
            (StatusCode::OK, Json(json!([{"id": 1}])))
        } else {
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({"code": 401, "message": "Token is expired"})),
            )
        }
    }
    let logins = Calls::default();
    let address = serve(
        Router::new()
            .route("/v1/watchers/login", post(login))
            .route("/v1/alerts", get(alerts))
            .with_state(logins.clone()),
    )
    .await;
    let machine = |password: &str| {
        let mut lapi = config("crowdsec", address);
        lapi.auth = Auth::BearerLogin {
            path: "/v1/watchers/login".into(),
            body: json!({"machine_id": "m1", "password": password}),
            token: "/token",
            secrets: vec![Secret::new(password)],
        };
        Service::new(lapi).unwrap()
    };
    assert_eq!(
        machine("pa55").get("/v1/alerts", &[]).await,
        Ok(json!([{"id": 1}]))
    );
    assert_eq!(logins.load(Ordering::SeqCst), 2, "logged in again once");
    let refused = machine("wrong-pa55")
        .get("/v1/alerts", &[])
        .await
        .unwrap_err();
    assert_eq!(
        logins.load(Ordering::SeqCst),
        3,
        "a refused login is not tried again"
    );
    assert_eq!(
        refused.to_string(),
        "crowdsec: rejected the credentials (401): incorrect Username or Password; check the credential"
    );
}
