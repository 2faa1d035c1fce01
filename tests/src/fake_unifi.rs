//! A UniFi Network controller on loopback, answering as the community
//! documentation of its API describes (Ubiquiti publishes none for these
//! routes): a classic controller logs in at `POST /api/login` and sets the
//! `unifises` and `csrf_token` cookies; a UniFi OS console logs in at
//! `POST /api/auth/login`, sets `TOKEN` and answers the CSRF token in
//! `X-CSRF-Token`, serves the Network API under `/proxy/network` and also
//! takes an API key in `X-API-KEY`. Answers are `{"meta": {"rc"}, "data"}`;
//! a wrong login is `api.err.Invalid` (400) on a classic controller and a
//! 401 on UniFi OS; a call without a live session is 401
//! `api.err.LoginRequired`; an unknown site is 400 `api.err.NoSiteContext`.
//! Over TLS with a self-signed certificate the agent must pin.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub const USERNAME: &str = "myca-ro";
pub const SITE: &str = "default";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Classic,
    UnifiOs,
}

struct Controller {
    flavor: Flavor,
    password: String,
    api_key: String,
    /// Session cookie values that are live.
    sessions: Mutex<BTreeSet<String>>,
    logins: AtomicUsize,
}

pub struct FakeUnifi {
    pub address: SocketAddr,
    pub fingerprint: String,
    controller: Arc<Controller>,
}

fn meta_error(status: StatusCode, msg: &str) -> Response {
    (
        status,
        Json(json!({"meta": {"rc": "error", "msg": msg}, "data": []})),
    )
        .into_response()
}

impl Controller {
    fn cookie_name(&self) -> &'static str {
        match self.flavor {
            Flavor::Classic => "unifises",
            Flavor::UnifiOs => "TOKEN",
        }
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if self.flavor == Flavor::UnifiOs && header("x-api-key") == Some(self.api_key.as_str()) {
            return true;
        }
        let prefix = format!("{}=", self.cookie_name());
        let sessions = self.sessions.lock().unwrap();
        header("cookie")
            .into_iter()
            .flat_map(|cookies| cookies.split(';'))
            .filter_map(|pair| pair.trim().strip_prefix(prefix.as_str()))
            .any(|value| sessions.contains(value))
    }
}

async fn login(State(controller): State<Arc<Controller>>, Json(body): Json<Value>) -> Response {
    let good = body["username"] == USERNAME && body["password"] == controller.password.as_str();
    if !good {
        return match controller.flavor {
            Flavor::Classic => meta_error(StatusCode::BAD_REQUEST, "api.err.Invalid"),
            Flavor::UnifiOs => (
                StatusCode::UNAUTHORIZED,
                Json(json!({"code": "AUTHENTICATION_FAILED_INVALID_CREDENTIALS",
                            "message": "Invalid username or password", "level": "debug"})),
            )
                .into_response(),
        };
    }
    let n = controller.logins.fetch_add(1, Ordering::SeqCst);
    let token = format!("session-{n}-{}", uuid::Uuid::new_v4().simple());
    let csrf = uuid::Uuid::new_v4().to_string();
    controller.sessions.lock().unwrap().insert(token.clone());
    match controller.flavor {
        Flavor::Classic => (
            AppendHeaders([
                (
                    "set-cookie",
                    format!("unifises={token}; Path=/; Secure; HttpOnly"),
                ),
                ("set-cookie", format!("csrf_token={csrf}; Path=/; Secure")),
            ]),
            Json(json!({"meta": {"rc": "ok"}, "data": []})),
        )
            .into_response(),
        Flavor::UnifiOs => (
            [
                (
                    "set-cookie",
                    format!("TOKEN={token}; path=/; samesite=strict; secure; httponly"),
                ),
                ("x-csrf-token", csrf),
            ],
            Json(json!({"unique_id": "5f1b", "username": USERNAME, "isOwner": false})),
        )
            .into_response(),
    }
}

fn rows(collection: &str) -> Option<Value> {
    Some(match collection {
        "stat/sta" => json!([
            {"_id": "c1", "mac": "a4:83:e7:11:22:33", "hostname": "laptop", "ip": "192.168.1.23", "network": "LAN",
             "is_wired": false, "essid": "home", "uptime": 3600, "rx_bytes": 1_048_576, "tx_bytes": 524_288, "oui": "Apple"},
            {"_id": "c2", "mac": "b8:27:eb:44:55:66", "hostname": "pi", "name": "sensor-hub", "ip": "192.168.20.5",
             "network": "IoT", "is_wired": true, "uptime": 86400, "rx_bytes": 2048, "tx_bytes": 4096}
        ]),
        "stat/device" => json!([
            {"_id": "d1", "mac": "74:ac:b9:00:00:01", "name": "gateway", "model": "UDMPRO", "type": "udm",
             "ip": "192.168.1.1", "version": "4.0.6", "adopted": true, "state": 1, "uptime": 999_999},
            {"_id": "d2", "mac": "74:ac:b9:00:00:02", "name": "switch", "model": "US8P60", "type": "usw",
             "ip": "192.168.1.2", "version": "7.0.50", "adopted": true, "state": 1, "uptime": 500_000},
            {"_id": "d3", "mac": "74:ac:b9:00:00:03", "name": "attic-ap", "model": "U6LR", "type": "uap",
             "ip": "192.168.1.3", "version": "6.6.77", "adopted": true, "state": 0, "uptime": 0}
        ]),
        "rest/firewallrule" => json!([
            {"_id": "r2", "name": "allow dns to gateway", "ruleset": "LAN_IN", "rule_index": 2001, "action": "accept",
             "enabled": true, "protocol": "udp", "src_address": "", "dst_address": "192.168.1.1", "dst_port": "53"},
            {"_id": "r1", "name": "block iot to lan", "ruleset": "LAN_IN", "rule_index": 2000, "action": "drop",
             "enabled": true, "protocol": "all", "src_address": "192.168.20.0/24", "dst_address": "192.168.1.0/24", "dst_port": ""},
            {"_id": "r3", "name": "drop invalid", "ruleset": "WAN_IN", "rule_index": 3000, "action": "drop",
             "enabled": false, "protocol": "all", "src_address": "", "dst_address": "", "dst_port": ""}
        ]),
        "rest/networkconf" => json!([
            {"_id": "n1", "name": "LAN", "purpose": "corporate", "vlan_enabled": false, "ip_subnet": "192.168.1.1/24",
             "dhcpd_enabled": true, "enabled": true},
            {"_id": "n2", "name": "IoT", "purpose": "corporate", "vlan_enabled": true, "vlan": 20,
             "ip_subnet": "192.168.20.1/24", "dhcpd_enabled": true, "enabled": true},
            {"_id": "n3", "name": "WAN", "purpose": "wan", "enabled": true}
        ]),
        _ => return None,
    })
}

async fn collection(
    State(controller): State<Arc<Controller>>,
    headers: HeaderMap,
    Path((site, kind, name)): Path<(String, String, String)>,
) -> Response {
    if !controller.authorized(&headers) {
        return meta_error(StatusCode::UNAUTHORIZED, "api.err.LoginRequired");
    }
    if site != SITE {
        return meta_error(StatusCode::BAD_REQUEST, "api.err.NoSiteContext");
    }
    match rows(&format!("{kind}/{name}")) {
        Some(data) => Json(json!({"meta": {"rc": "ok"}, "data": data})).into_response(),
        None => meta_error(StatusCode::NOT_FOUND, "api.err.NotFound"),
    }
}

impl FakeUnifi {
    /// A controller of `flavor` with one account ([`USERNAME`], `password`)
    /// and, on UniFi OS, one API key.
    pub async fn start(flavor: Flavor, password: &str, api_key: &str) -> Self {
        let controller = Arc::new(Controller {
            flavor,
            password: password.to_owned(),
            api_key: api_key.to_owned(),
            sessions: Mutex::default(),
            logins: AtomicUsize::new(0),
        });
        let (login_path, prefix) = match flavor {
            Flavor::Classic => ("/api/login", ""),
            Flavor::UnifiOs => ("/api/auth/login", "/proxy/network"),
        };
        let router = Router::new()
            .route(login_path, post(login))
            .route(
                &format!("{prefix}/api/s/{{site}}/{{kind}}/{{name}}"),
                get(collection),
            )
            .with_state(controller.clone());
        let (address, fingerprint) = myca_agents::integration::fake::serve_tls(router).await;
        Self {
            address,
            fingerprint,
            controller,
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.address)
    }

    pub fn logins(&self) -> usize {
        self.controller.logins.load(Ordering::SeqCst)
    }

    /// Ends every session, as a controller does when it restarts or a session times out.
    pub fn expire_sessions(&self) {
        self.controller.sessions.lock().unwrap().clear();
    }
}
