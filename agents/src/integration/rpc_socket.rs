//! JSON-RPC 2.0 over one WebSocket, as TrueNAS serves its API since 25.04
//! (`wss://HOST/api/current`): requests `{jsonrpc, id, method, params}`,
//! answers with the same `id` carrying `result` or an `error` object
//! `{code, message, data: {error, errname, reason}}`; notifications (no
//! `id`) are skipped. Each call has a deadline; every text that leaves is
//! redacted of the secrets the socket was told about.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::Url;
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::auth::Secret;
use super::error::ServiceError;
use super::redact::Redactor;
use super::tls::Trust;

/// JSON-RPC's code for a method the server does not have.
const METHOD_NOT_FOUND: i64 = -32601;
/// TrueNAS' code for too many calls in flight on one connection.
const TOO_MANY_CALLS: i64 = -32000;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub struct RpcSocket {
    service: String,
    socket: WebSocketStream<Box<dyn Io>>,
    next_id: u64,
    timeout: Duration,
    redactor: Redactor,
}

impl RpcSocket {
    /// Opens the WebSocket at `url` (`ws://` or `wss://`, the latter with `trust`).
    pub async fn connect(
        service: &str,
        url: &str,
        trust: &Trust,
        timeout: Duration,
    ) -> Result<Self, ServiceError> {
        let address = |reason: String| ServiceError::Address {
            service: service.to_owned(),
            reason,
        };
        let parsed = Url::parse(url).map_err(|e| address(e.to_string()))?;
        let secure = match parsed.scheme() {
            "wss" => true,
            "ws" => false,
            _ => return Err(address("it must start with ws:// or wss://".to_owned())),
        };
        let host = parsed
            .host_str()
            .ok_or_else(|| address("it names no host".to_owned()))?
            .trim_matches(['[', ']'])
            .to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        let unreachable = |reason: String| ServiceError::Unreachable {
            service: service.to_owned(),
            reason,
        };
        let open = async {
            let tcp = TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            let stream: Box<dyn Io> = if secure {
                let config = trust
                    .client_config()
                    .map_err(|e| address(format!("no TLS configuration: {e}")))?;
                let name =
                    ServerName::try_from(host.clone()).map_err(|e| address(e.to_string()))?;
                let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
                    .connect(name, tcp)
                    .await
                    .map_err(|e| unreachable(format!("TLS: {e}")))?;
                Box::new(tls)
            } else {
                Box::new(tcp)
            };
            let (socket, _) = tokio_tungstenite::client_async(url, stream)
                .await
                .map_err(|e| unreachable(format!("WebSocket handshake: {e}")))?;
            Ok(socket)
        };
        let socket =
            tokio::time::timeout(timeout, open)
                .await
                .map_err(|_| ServiceError::Timeout {
                    service: service.to_owned(),
                    after: timeout,
                })??;
        Ok(Self {
            service: service.to_owned(),
            socket,
            next_id: 0,
            timeout,
            redactor: Redactor::default(),
        })
    }

    /// Keeps `secret` out of every error this socket reports.
    pub fn learn(&mut self, secret: &Secret) {
        self.redactor.learn(secret.expose());
    }

    /// Calls `method` with positional `params`; its `result`, or its error.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, ServiceError> {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let limit = self.timeout;
        let answer = tokio::time::timeout(limit, self.exchange(request.to_string(), id))
            .await
            .map_err(|_| ServiceError::Timeout {
                service: self.service.clone(),
                after: limit,
            })??;
        match answer.get("error") {
            Some(error) => Err(self.error(method, error)),
            None => Ok(answer.get("result").cloned().unwrap_or(Value::Null)),
        }
    }

    async fn exchange(&mut self, request: String, id: u64) -> Result<Value, ServiceError> {
        let lost = |service: &str, reason: String| ServiceError::Unreachable {
            service: service.to_owned(),
            reason,
        };
        self.socket
            .send(Message::text(request))
            .await
            .map_err(|e| lost(&self.service, e.to_string()))?;
        loop {
            let message = match self.socket.next().await {
                Some(Ok(message)) => message,
                Some(Err(e)) => return Err(lost(&self.service, e.to_string())),
                None => return Err(lost(&self.service, "it closed the connection".to_owned())),
            };
            let text = match message {
                Message::Text(text) => text,
                Message::Close(_) => {
                    return Err(lost(&self.service, "it closed the connection".to_owned()))
                }
                // Pings are answered by the socket itself; binary frames are not JSON-RPC.
                _ => continue,
            };
            let answer: Value =
                serde_json::from_str(text.as_str()).map_err(|e| ServiceError::BadAnswer {
                    service: self.service.clone(),
                    reason: format!("not JSON ({e})"),
                })?;
            if answer["id"] == json!(id) {
                return Ok(answer);
            }
            // A notification (collection_update…) or an answer to nobody: not ours.
        }
    }

    /// A JSON-RPC error object as a task error: TrueNAS puts the reason in
    /// `data.reason` and the errno's name in `data.errname`.
    fn error(&self, method: &str, error: &Value) -> ServiceError {
        let service = self.service.clone();
        let reason = error["data"]["reason"]
            .as_str()
            .or_else(|| error["message"].as_str())
            .unwrap_or("no message");
        let message = self
            .redactor
            .redact(&format!("{method}: {}", reason.trim()));
        match (error["code"].as_i64(), error["data"]["errname"].as_str()) {
            (_, Some("ENOTAUTHENTICATED")) => ServiceError::Unauthorized { service, message },
            (_, Some("EACCES")) => ServiceError::Forbidden { service, message },
            (Some(METHOD_NOT_FOUND), _) => ServiceError::NotFound { service, message },
            (Some(TOO_MANY_CALLS), _) => ServiceError::RateLimited {
                service,
                // JSON-RPC has no status: the HTTP one that means the same.
                status: 429,
                retry_after: None,
                message,
            },
            _ => ServiceError::Failed { service, message },
        }
    }
}
