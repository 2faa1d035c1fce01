//! One HTTP service as a kind's handlers call it: base address, auth,
//! trust, envelope, timeouts; retries only where a call is idempotent;
//! every failure a [`ServiceError`] with the credentials redacted.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::Mutex;

use super::auth::Auth;
use super::envelope::Envelope;
use super::error::{service_message, ServiceError};
use super::redact::Redactor;
use super::session::Session;
use super::tls::Trust;

/// How every integration introduces itself.
pub const USER_AGENT: &str = concat!("myca-agent/", env!("CARGO_PKG_VERSION"));

/// The longest a service's Retry-After is honoured within one task.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The service's name in errors (`proxmox`, `cloudflare`).
    pub service: String,
    pub base_url: String,
    pub auth: Auth,
    pub trust: Trust,
    pub envelope: Envelope,
    /// For one request, connection included.
    pub timeout: Duration,
    /// Tries of an idempotent call (1 = no retry); other calls are tried once.
    pub attempts: u32,
    /// Reach the service over this unix socket (a Docker engine) instead of TCP.
    pub unix_socket: Option<PathBuf>,
    /// Headers every call sends (GitHub's `Accept` and API version).
    pub headers: Vec<(&'static str, &'static str)>,
    /// A call of any method the service refused with 429 is sent again after
    /// its Retry-After, within `attempts`: for APIs whose 429 means nothing
    /// was done (the LLM APIs). Other failures of a POST are still final.
    pub resend_rate_limited: bool,
}

impl ServiceConfig {
    pub fn new(service: &str, base_url: &str) -> Self {
        Self {
            service: service.to_owned(),
            base_url: base_url.to_owned(),
            auth: Auth::None,
            trust: Trust::PublicRoots,
            envelope: Envelope::Bare,
            timeout: Duration::from_secs(30),
            attempts: 3,
            unix_socket: None,
            headers: Vec::new(),
            resend_rate_limited: false,
        }
    }
}

/// What a call sends.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    Empty,
    Json(&'a Value),
    /// Bytes as they are (a file to store), with their media type.
    Raw {
        content_type: &'a str,
        data: &'a [u8],
    },
}

pub struct Service {
    http: reqwest::Client,
    config: ServiceConfig,
    base_url: String,
    redactor: Redactor,
    session: Mutex<Option<Session>>,
}

fn idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .contains(method)
}

/// The innermost reasons of a transport error, without its URL.
pub(crate) fn transport_reason(error: &reqwest::Error) -> String {
    let mut reasons = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reasons.push(cause.to_string());
        source = cause.source();
    }
    if reasons.is_empty() {
        reasons.push(error.to_string());
    }
    reasons.join(": ")
}

/// A refused login is a credential problem whatever status the service
/// picks for it (a UniFi controller answers 400 `api.err.Invalid`).
fn login_refused(error: ServiceError) -> ServiceError {
    match error {
        ServiceError::Rejected {
            service, message, ..
        }
        | ServiceError::Forbidden { service, message } => {
            ServiceError::Unauthorized { service, message }
        }
        other => other,
    }
}

fn header_number(response: &reqwest::Response, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// `Retry-After` seconds, else the wait until `x-ratelimit-reset` (Unix time).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    if let Some(seconds) = header_number(response, "retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    let reset = header_number(response, "x-ratelimit-reset")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now).max(1)))
}

/// A field of the first `error.details[]` entry of a Google API's error body that has it.
fn google_detail(body: &str, field: &str) -> Option<String> {
    let json: Value = serde_json::from_str(body).ok()?;
    json.pointer("/error/details")?
        .as_array()?
        .iter()
        .find_map(|detail| detail.get(field)?.as_str().map(str::to_owned))
}

/// The wait a Google API puts in its error body instead of a header
/// (a `google.rpc.RetryInfo` detail's `retryDelay: "7s"`).
fn retry_delay(body: &str) -> Option<Duration> {
    let seconds: f64 = google_detail(body, "retryDelay")?
        .strip_suffix('s')?
        .parse()
        .ok()?;
    Some(Duration::from_secs_f64(seconds.clamp(1.0, 3600.0)))
}

/// A 403 that only says the rate limit is used up (GitHub's primary limit).
fn limit_used_up(response: &reqwest::Response) -> bool {
    header_number(response, "x-ratelimit-remaining") == Some(0)
}

impl Service {
    pub fn new(config: ServiceConfig) -> Result<Self, ServiceError> {
        let address_error = |reason: &str| ServiceError::Address {
            service: config.service.clone(),
            reason: reason.to_owned(),
        };
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        let host = base_url
            .strip_prefix("https://")
            .or_else(|| base_url.strip_prefix("http://"))
            .ok_or_else(|| address_error("it must start with http:// or https://"))?;
        if host.is_empty() || host.starts_with('/') {
            return Err(address_error("it names no host"));
        }
        let mut redactor = Redactor::default();
        config.auth.learn_secrets(&mut redactor);
        let tls = config
            .trust
            .client_config()
            .map_err(|error| address_error(&format!("no TLS configuration: {error}")))?;
        let mut builder = reqwest::Client::builder()
            // `name/version`: some services refuse calls without one (GitHub),
            // CrowdSec refuses a machine login unless it splits in two.
            .user_agent(USER_AGENT)
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .tls_backend_preconfigured(tls);
        if let Some(socket) = &config.unix_socket {
            builder = builder.unix_socket(socket.clone());
        }
        let http = builder
            .build()
            .map_err(|error| address_error(&redactor.redact(&transport_reason(&error))))?;
        Ok(Self {
            http,
            base_url,
            redactor,
            config,
            session: Mutex::new(None),
        })
    }

    pub fn name(&self) -> &str {
        &self.config.service
    }

    /// Text safe to show: every credential of this service redacted.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, ServiceError> {
        self.call(Method::GET, path, query, None).await
    }

    pub async fn post(&self, path: &str, body: Option<&Value>) -> Result<Value, ServiceError> {
        self.call(Method::POST, path, &[], body).await
    }

    /// One call, retried while it fails transiently if it is idempotent;
    /// a cookie session that ended is renewed once. Answers the data
    /// inside the service's envelope.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ServiceError> {
        let retry = idempotent(&method);
        let answer = self.answer(method, path, query, body, retry).await?;
        self.config
            .envelope
            .open(answer)
            .map_err(|message| self.failed(&message))
    }

    /// A POST that only reads (Notion's search and queries carry their
    /// question in a body): retried like a GET when it fails transiently.
    pub async fn post_read(&self, path: &str, body: &Value) -> Result<Value, ServiceError> {
        let answer = self
            .answer(Method::POST, path, &[], Some(body), true)
            .await?;
        self.config
            .envelope
            .open(answer)
            .map_err(|message| self.failed(&message))
    }

    /// A GET's whole answer, envelope included (a page's `result_info`),
    /// once the envelope says it succeeded.
    pub async fn get_whole(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ServiceError> {
        let answer = self.answer(Method::GET, path, query, None, true).await?;
        match self.config.envelope.failure(&answer) {
            Some(message) => Err(self.failed(&message)),
            None => Ok(answer),
        }
    }

    fn failed(&self, message: &str) -> ServiceError {
        ServiceError::Failed {
            service: self.config.service.clone(),
            message: self.redact(message),
        }
    }

    async fn answer(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        retry: bool,
    ) -> Result<Value, ServiceError> {
        let body = body.map_or(Body::Empty, Body::Json);
        self.retried(retry, || async {
            let response = self.send(&method, path, query, body).await?;
            self.parse(response).await
        })
        .await
    }

    /// One call with a raw body (a file upload) or a raw answer (audio):
    /// the answer's bytes and its content type.
    pub async fn call_bytes(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body<'_>,
    ) -> Result<(Vec<u8>, String), ServiceError> {
        self.retried(idempotent(&method), || async {
            let response = self.send(&method, path, query, body).await?;
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
            Ok((bytes.to_vec(), content_type))
        })
        .await
    }

    /// Runs `once` again while it fails transiently if it may be
    /// repeated (`retry`); a cookie session that ended is renewed once.
    async fn retried<T, F, Fut>(&self, retry: bool, mut once: F) -> Result<T, ServiceError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ServiceError>>,
    {
        // A request that may be repeated is, while it fails transiently; one
        // that may not is sent again only after a 429, where the service says
        // it refused it unprocessed (`resend_rate_limited`).
        let retryable = |error: &ServiceError| {
            if retry {
                error.is_transient()
            } else {
                self.config.resend_rate_limited
                    && matches!(error, ServiceError::RateLimited { status: 429, .. })
            }
        };
        let mut attempt = 1;
        let mut renewed = false;
        loop {
            match once().await {
                Ok(value) => return Ok(value),
                // Only a session that worked is renewed: a refused login is final.
                Err(ServiceError::Unauthorized { .. })
                    if !renewed && self.session.lock().await.take().is_some() =>
                {
                    renewed = true;
                }
                Err(error) if retryable(&error) && attempt < self.config.attempts.max(1) => {
                    let wait = match &error {
                        ServiceError::RateLimited {
                            retry_after: Some(after),
                            ..
                        } => (*after).min(MAX_RETRY_WAIT),
                        _ => Duration::from_millis(250 << (attempt - 1)),
                    };
                    tracing::debug!(service = %self.config.service, attempt, ?wait, "retrying: {error}");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn session(&self) -> Result<Option<Session>, ServiceError> {
        let Some((path, body)) = self.config.auth.login() else {
            return Ok(None);
        };
        let mut session = self.session.lock().await;
        if session.is_none() {
            let request = self
                .http
                .post(format!("{}{path}", self.base_url))
                .json(body);
            let response = request.send().await.map_err(|e| self.transport(e))?;
            if !response.status().is_success() {
                return Err(login_refused(self.status_error(response).await));
            }
            let bad_answer = |reason: &str| ServiceError::BadAnswer {
                service: self.config.service.clone(),
                reason: reason.to_owned(),
            };
            let fresh = if let Auth::BearerLogin { token, .. } = &self.config.auth {
                let answer: Value = response
                    .json()
                    .await
                    .map_err(|_| bad_answer("the login answer is not JSON"))?;
                let token = answer
                    .pointer(token)
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad_answer(&format!("the login answer has no {token}")))?;
                Session::Bearer(token.to_owned())
            } else {
                Session::from_login(response.headers())
                    .ok_or_else(|| bad_answer("the login answer set no session cookie"))?
            };
            *session = Some(fresh);
        }
        Ok(session.clone())
    }

    /// One request sent: its answer when the status says success, else
    /// the error the status means.
    async fn send(
        &self,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        body: Body<'_>,
    ) -> Result<reqwest::Response, ServiceError> {
        let session = self.session().await?;
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .query(query);
        for (name, value) in &self.config.headers {
            request = request.header(*name, *value);
        }
        request = self.config.auth.apply(request);
        if let Some(session) = &session {
            request = session.apply(request);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(json) => request.json(json),
            Body::Raw { content_type, data } => request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(data.to_vec()),
        };
        let response = request.send().await.map_err(|e| self.transport(e))?;
        if !response.status().is_success() {
            return Err(self.status_error(response).await);
        }
        Ok(response)
    }

    /// A successful answer parsed (plain text where no envelope is expected).
    async fn parse(&self, response: reqwest::Response) -> Result<Value, ServiceError> {
        let declared_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let text = response.text().await.map_err(|e| self.transport(e))?;
        if text.trim().is_empty() {
            Ok(Value::Null)
        } else if self.config.envelope == Envelope::EventStream {
            Ok(Value::Array(super::event_stream::data_events(&text)))
        } else if self.config.envelope == Envelope::JsonLines {
            Ok(Value::Array(
                text.lines()
                    .filter(|line| !line.trim().is_empty())
                    .map(|line| serde_json::from_str(line).unwrap_or(Value::Null))
                    .collect(),
            ))
        } else if self.config.envelope == Envelope::Bare
            && !declared_json
            && serde_json::from_str::<Value>(&text).is_err()
        {
            // A webhook's `ok`: plain text where no envelope is expected
            // (a body said to be JSON that is not is a broken answer).
            Ok(Value::String(self.redact(text.trim())))
        } else {
            serde_json::from_str(&text).map_err(|error| ServiceError::BadAnswer {
                service: self.config.service.clone(),
                reason: format!("not JSON ({error})"),
            })
        }
    }

    fn transport(&self, error: reqwest::Error) -> ServiceError {
        let service = self.config.service.clone();
        if error.is_timeout() {
            return ServiceError::Timeout {
                service,
                after: self.config.timeout,
            };
        }
        ServiceError::Unreachable {
            service,
            reason: self.redact(&transport_reason(&error)),
        }
    }

    async fn status_error(&self, response: reqwest::Response) -> ServiceError {
        let status = response.status();
        let wait = retry_after(&response);
        let used_up = limit_used_up(&response);
        let body = response.text().await.unwrap_or_default();
        let wait = wait.or_else(|| retry_delay(&body));
        let reason = status.canonical_reason().unwrap_or("error");
        let message = match service_message(&body) {
            text if text.is_empty() => reason.to_owned(),
            text => text,
        };
        let service = self.config.service.clone();
        let message = self.redact(&message);
        match status {
            StatusCode::UNAUTHORIZED => ServiceError::Unauthorized { service, message },
            // Google APIs answer a wrong key with a 400 that says so in its details.
            StatusCode::BAD_REQUEST
                if google_detail(&body, "reason").as_deref() == Some("API_KEY_INVALID") =>
            {
                ServiceError::Unauthorized { service, message }
            }
            StatusCode::TOO_MANY_REQUESTS => ServiceError::RateLimited {
                service,
                status: 429,
                retry_after: wait,
                message,
            },
            StatusCode::FORBIDDEN if used_up => ServiceError::RateLimited {
                service,
                status: 403,
                retry_after: wait,
                message,
            },
            StatusCode::FORBIDDEN => ServiceError::Forbidden { service, message },
            StatusCode::NOT_FOUND => ServiceError::NotFound { service, message },
            status if status.is_server_error() => ServiceError::ServerError {
                service,
                status: status.as_u16(),
                message,
            },
            status => ServiceError::Rejected {
                service,
                status: status.as_u16(),
                message,
            },
        }
    }
}
