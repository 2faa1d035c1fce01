//! One HTTP probe, as `route-monitor` and `website-agent` both run it: the
//! status (expected, or any below 400), the latency to the answer's head,
//! redirects followed or reported, the body's content checked by substring
//! or regular expression, and for HTTPS the certificate's expiry, names and
//! trust, read in a handshake of its own. A target that does not answer is
//! a finding (`ok: false` with the reason), not a failed task.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};
use regex::Regex;
use reqwest::redirect::Policy;
use reqwest::{Method, Url};
use serde_json::{json, Value};

use crate::integration::{peer_certificate, transport_reason, Trust};
use crate::kinds::spec::{task, TaskTypeSpec};
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// How much of a body a content check reads.
const BODY_LIMIT: usize = 1 << 20;
const MAX_REDIRECTS: usize = 10;
/// Probes of one task in flight at once.
const IN_FLIGHT: usize = 8;

/// One probe, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Probe {
    pub url: Url,
    method: Method,
    expect_status: Option<u16>,
    contains: Option<String>,
    regex: Option<Regex>,
    follow_redirects: bool,
    timeout: Duration,
    verify_tls: bool,
    min_tls_days: i64,
    /// Whether the certificate is read (a page's own links skip it).
    inspect_tls: bool,
}

/// What a probe found: the report, and the body it read (for a page check).
pub struct Outcome {
    pub report: Value,
    pub body: String,
    /// Where the answer came from after redirects.
    pub final_url: Option<Url>,
}

/// The payload fields of a probe, for kinds to build their schemas from.
pub fn payload_properties() -> Value {
    json!({
        "url": {"type": "string", "minLength": 8, "maxLength": 2048, "description": "An http:// or https:// URL"},
        "method": {"enum": ["GET", "HEAD"], "default": "GET"},
        "expect_status": {"type": "integer", "minimum": 100, "maximum": 599,
                          "description": "The status the answer must have (default: any below 400)"},
        "contains": {"type": "string", "minLength": 1, "description": "Text the body must contain"},
        "regex": {"type": "string", "minLength": 1, "maxLength": 1000, "description": "A regular expression the body must match (Rust regex syntax)"},
        "follow_redirects": {"type": "boolean", "default": true,
                             "description": "Follow up to 10 redirects; false reports the redirect itself"},
        "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 60000, "default": 10000},
        "verify_tls": {"type": "boolean", "default": true,
                       "description": "Require a certificate the public roots trust; false still reads and reports it"},
        "min_tls_days": {"type": "integer", "minimum": 0, "maximum": 3650, "default": 14,
                         "description": "The fewest days a certificate may have left before the probe fails"}
    })
}

/// A probe's payload: `url` and the options of [`payload_properties`].
pub fn payload_schema() -> Value {
    json!({"type": "object", "additionalProperties": false, "required": ["url"], "properties": payload_properties()})
}

pub fn result_schema() -> Value {
    json!({"type": "object", "required": ["url", "ok", "status", "latency_ms", "checks", "error"],
           "properties": {
               "url": {"type": "string"}, "ok": {"type": "boolean"},
               "status": {"type": ["integer", "null"]}, "latency_ms": {"type": ["integer", "null"]},
               "final_url": {"type": ["string", "null"]}, "redirects": {"type": "integer"},
               "location": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]},
               "checks": {"type": "array", "items": {"type": "object", "required": ["check", "ok", "detail"],
                          "properties": {"check": {"type": "string"}, "ok": {"type": "boolean"}, "detail": {"type": "string"}}}},
               "tls": {"type": ["object", "null"]}}})
}

fn invalid(field: &str, problem: impl std::fmt::Display) -> String {
    format!("invalid payload: payload.{field}: {problem}")
}

impl Probe {
    /// The probe a payload describes (its schema already checked the fields' types).
    pub fn from_payload(payload: &Value) -> Result<Self, String> {
        let url = Url::parse(payload["url"].as_str().unwrap_or_default())
            .map_err(|e| invalid("url", e))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(invalid(
                "url",
                "must be an http:// or https:// URL with a host",
            ));
        }
        let regex = match payload["regex"].as_str() {
            Some(pattern) => Some(Regex::new(pattern).map_err(|e| invalid("regex", e))?),
            None => None,
        };
        Ok(Self {
            url,
            method: if payload["method"] == "HEAD" {
                Method::HEAD
            } else {
                Method::GET
            },
            expect_status: payload["expect_status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok()),
            contains: payload["contains"].as_str().map(str::to_owned),
            regex,
            follow_redirects: payload["follow_redirects"].as_bool().unwrap_or(true),
            timeout: Duration::from_millis(payload["timeout_ms"].as_u64().unwrap_or(10_000)),
            verify_tls: payload["verify_tls"].as_bool().unwrap_or(true),
            min_tls_days: payload["min_tls_days"].as_i64().unwrap_or(14),
            inspect_tls: true,
        })
    }

    /// A plain GET of `url` with this probe's trust and patience: whether a
    /// link answers, nothing more.
    pub fn link(&self, url: Url) -> Self {
        Self {
            url,
            method: Method::GET,
            expect_status: None,
            contains: None,
            regex: None,
            follow_redirects: true,
            inspect_tls: false,
            ..self.clone()
        }
    }

    fn client(&self, redirects: Arc<Mutex<Vec<String>>>) -> Result<reqwest::Client, String> {
        let policy = if self.follow_redirects {
            Policy::custom(move |attempt| {
                if let Ok(mut seen) = redirects.lock() {
                    seen.push(attempt.url().to_string());
                }
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else {
                    attempt.follow()
                }
            })
        } else {
            Policy::none()
        };
        let trust = if self.verify_tls {
            Trust::PublicRoots
        } else {
            Trust::AnyCertificate
        };
        let tls = trust.client_config().map_err(|e| e.to_string())?;
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(policy)
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent(concat!("myca-probe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| transport_reason(&e))
    }

    /// Runs the probe; never fails: what went wrong is in the report.
    pub async fn run(&self) -> Outcome {
        let redirects = Arc::new(Mutex::new(Vec::new()));
        let mut report = json!({"url": self.url.as_str(), "status": null, "latency_ms": null,
                                "final_url": null, "location": null, "error": null});
        let mut checks = Vec::new();
        let mut body = String::new();
        let mut final_url = None;
        match self.answer(redirects.clone(), &mut report).await {
            Err(error) => report["error"] = json!(error),
            Ok((status, text, url)) => {
                checks = self.content_checks(status, &text);
                body = text;
                final_url = Some(url);
            }
        }
        report["redirects"] = json!(redirects.lock().map(|r| r.len()).unwrap_or_default());
        report["tls"] = Value::Null;
        if self.inspect_tls && self.url.scheme() == "https" {
            let (tls, check) = self.certificate().await;
            report["tls"] = tls;
            checks.push(check);
        }
        let all_passed = checks.iter().all(|c| c["ok"] == true);
        report["ok"] = json!(report["error"].is_null() && all_passed);
        report["checks"] = Value::Array(checks);
        Outcome {
            report,
            body,
            final_url,
        }
    }

    /// Status, body and final URL; the head's fields go into `report` as they come.
    async fn answer(
        &self,
        redirects: Arc<Mutex<Vec<String>>>,
        report: &mut Value,
    ) -> Result<(u16, String, Url), String> {
        let client = self.client(redirects)?;
        let started = Instant::now();
        let sent = client
            .request(self.method.clone(), self.url.clone())
            .send()
            .await;
        let mut response = sent.map_err(|e| self.transport(&e))?;
        report["latency_ms"] = json!(started.elapsed().as_millis() as u64);
        let status = response.status().as_u16();
        report["status"] = json!(status);
        report["final_url"] = json!(response.url().as_str());
        if response.status().is_redirection() {
            report["location"] = json!(response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok()));
        }
        let url = response.url().clone();
        let mut bytes = Vec::new();
        while bytes.len() < BODY_LIMIT {
            match response.chunk().await.map_err(|e| self.transport(&e))? {
                Some(chunk) => bytes.extend_from_slice(&chunk),
                None => break,
            }
        }
        bytes.truncate(BODY_LIMIT);
        Ok((status, String::from_utf8_lossy(&bytes).into_owned(), url))
    }

    fn transport(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            format!("no answer within {}ms", self.timeout.as_millis())
        } else {
            transport_reason(error)
        }
    }

    fn content_checks(&self, status: u16, body: &str) -> Vec<Value> {
        let mut checks = vec![match self.expect_status {
            Some(expected) => check(
                "status",
                status == expected,
                format!("{status}, expected {expected}"),
            ),
            None => check(
                "status",
                status < 400,
                format!("{status}, expected below 400"),
            ),
        }];
        if let Some(text) = &self.contains {
            let found = body.contains(text.as_str());
            let detail = if found { "found" } else { "not found" };
            checks.push(check("contains", found, format!("{text:?} {detail}")));
        }
        if let Some(regex) = &self.regex {
            let found = regex.find(body);
            let detail = match found {
                Some(m) => format!("matched {:?}", m.as_str()),
                None => format!("{:?} did not match", regex.as_str()),
            };
            checks.push(check("regex", found.is_some(), detail));
        }
        checks
    }

    /// The certificate's report and the expiry check.
    async fn certificate(&self) -> (Value, Value) {
        let host = self.url.host_str().unwrap_or_default();
        let port = self.url.port_or_known_default().unwrap_or(443);
        match peer_certificate(host, port, self.timeout).await {
            Ok(certificate) => {
                let days = certificate.days_left;
                let fresh = days >= self.min_tls_days;
                let trusted = certificate.trusted || !self.verify_tls;
                let mut detail = format!(
                    "{days} days left (until {}), at least {} wanted",
                    certificate.not_after.format("%Y-%m-%d"),
                    self.min_tls_days
                );
                if !trusted {
                    detail.push_str("; not trusted");
                }
                let report = serde_json::to_value(&certificate).unwrap_or_default();
                (report, check("tls", fresh && trusted, detail))
            }
            Err(error) => (Value::Null, check("tls", false, error.to_string())),
        }
    }
}

fn probe_one(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let probe = Probe::from_payload(&context.task.payload)?;
        Ok(probe.run().await.report)
    })
}

/// The `probe` task type, the same in every kind that probes.
pub fn probe_task() -> TaskTypeSpec {
    task(
        "probe",
        "Probe one URL: status, latency, redirects, content checks and, for HTTPS, the certificate",
        payload_schema(),
        result_schema(),
        probe_one,
    )
}

fn check(name: &str, ok: bool, detail: String) -> Value {
    json!({"check": name, "ok": ok, "detail": detail})
}

/// Runs `probes` a few at a time; the reports in the order given.
pub async fn run_all(probes: &[Probe]) -> Vec<Outcome> {
    stream::iter(probes)
        .map(Probe::run)
        .buffered(IN_FLIGHT)
        .collect()
        .await
}

/// Totals over probe reports: how many passed, the slowest, the soonest certificate expiry.
pub fn summary(reports: &[Value]) -> Value {
    let passed = reports.iter().filter(|r| r["ok"] == true).count();
    let slowest = reports
        .iter()
        .filter_map(|r| r["latency_ms"].as_u64())
        .max();
    let soonest = reports
        .iter()
        .filter_map(|r| r["tls"]["days_left"].as_i64())
        .min();
    json!({"total": reports.len(), "ok": passed, "failed": reports.len() - passed,
           "slowest_ms": slowest, "fewest_tls_days_left": soonest})
}

pub fn summary_schema() -> Value {
    json!({"type": "object", "required": ["total", "ok", "failed"],
           "properties": {"total": {"type": "integer"}, "ok": {"type": "integer"}, "failed": {"type": "integer"},
                          "slowest_ms": {"type": ["integer", "null"]}, "fewest_tls_days_left": {"type": ["integer", "null"]}}})
}
