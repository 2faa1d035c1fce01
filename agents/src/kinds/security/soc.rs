//! `soc-agent`: threat decisions, alerts and bans on a CrowdSec Local API
//! (LAPI). Decisions are read as a bouncer (`X-Api-Key`); alerts, bans and
//! unbans act as a machine, logged in at `/v1/watchers/login` for a JWT.
//! A ban is what `cscli decisions add` sends: an alert from this machine
//! carrying one decision.

use std::net::IpAddr;

use reqwest::Method;
use serde_json::{json, Value};

use crate::integration::{Auth, Service, ServiceConfig};
use crate::kinds::connect::{credential, optional_text, setting, text, text_params};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const BOUNCER_KEY: &str = "CROWDSEC_BOUNCER_KEY";
const MACHINE_PASSWORD: &str = "CROWDSEC_MACHINE_PASSWORD";

fn bouncer(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new("crowdsec", setting(context, "lapi_url")?);
    config.auth = Auth::Header {
        name: "X-Api-Key",
        value: credential(context, BOUNCER_KEY)?,
    };
    Service::new(config).map_err(|e| e.to_string())
}

fn machine(context: &TaskContext) -> Result<Service, String> {
    let password = credential(context, MACHINE_PASSWORD)?;
    let mut config = ServiceConfig::new("crowdsec", setting(context, "lapi_url")?);
    config.auth = Auth::BearerLogin {
        path: "/v1/watchers/login".to_owned(),
        body: json!({"machine_id": setting(context, "machine_id")?, "password": password.expose()}),
        token: "/token",
        secrets: vec![password],
    };
    Service::new(config).map_err(|e| e.to_string())
}

/// CrowdSec answers `null` where there is nothing: an empty list.
fn list(answer: &Value) -> impl Iterator<Item = &Value> {
    answer.as_array().into_iter().flatten()
}

fn decision(d: &Value) -> Value {
    json!({"id": d["id"], "value": d["value"], "scope": d["scope"], "type": d["type"],
           "duration": d["duration"], "origin": d["origin"], "scenario": d["scenario"]})
}

fn list_decisions(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let query = text_params(&context.task.payload, &["ip", "range", "scope", "type"]);
        let answer = bouncer(&context)?
            .get("/v1/decisions", &query)
            .await
            .map_err(|e| e.to_string())?;
        let decisions: Vec<Value> = list(&answer).map(decision).collect();
        Ok(json!({"count": decisions.len(), "decisions": decisions}))
    })
}

fn list_alerts(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let mut query = text_params(payload, &["ip", "scenario", "since"]);
        if let Some(limit) = payload.get("limit").and_then(Value::as_u64) {
            query.push(("limit", limit.to_string()));
        }
        let answer = machine(&context)?
            .get("/v1/alerts", &query)
            .await
            .map_err(|e| e.to_string())?;
        let alerts: Vec<Value> = list(&answer)
            .map(|a| {
                json!({"id": a["id"], "scenario": a["scenario"], "message": a["message"],
                       "source": a["source"]["value"], "scope": a["source"]["scope"],
                       "machine_id": a["machine_id"], "created_at": a["created_at"],
                       "decisions": list(&a["decisions"]).map(decision).collect::<Vec<_>>()})
            })
            .collect();
        Ok(json!({"count": alerts.len(), "alerts": alerts}))
    })
}

/// `ip` as CrowdSec scopes it: one address (`Ip`) or a CIDR range (`Range`).
fn scope_of(ip: &str) -> Result<&'static str, String> {
    let invalid =
        || format!("invalid payload: payload.ip: {ip:?} is not an IP address or CIDR range");
    match ip.split_once('/') {
        None => ip.parse::<IpAddr>().map(|_| "Ip").map_err(|_| invalid()),
        Some((address, bits)) => {
            let address: IpAddr = address.parse().map_err(|_| invalid())?;
            let max = if address.is_ipv4() { 32 } else { 128 };
            match bits.parse::<u8>() {
                Ok(bits) if bits <= max => Ok("Range"),
                _ => Err(invalid()),
            }
        }
    }
}

/// A Go duration of whole hours, minutes or seconds (`4h`, `30m`).
fn checked_duration(duration: &str) -> Result<&str, String> {
    let (digits, unit) = duration.split_at(duration.len().saturating_sub(1));
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && ["h", "m", "s"].contains(&unit)
    {
        Ok(duration)
    } else {
        Err(format!("invalid payload: payload.duration: {duration:?} is not a duration such as 4h, 30m or 90s"))
    }
}

fn ban_ip(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let ip = text(payload, "ip");
        let scope = scope_of(ip)?;
        let duration = checked_duration(optional_text(payload, "duration").unwrap_or("4h"))?;
        let kind = optional_text(payload, "type").unwrap_or("ban");
        let reason = format!(
            "myca {kind} by {}: {}",
            context.agent.agent_id,
            text(payload, "reason")
        );
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let alert = json!([{
            "scenario": reason, "message": reason, "scenario_hash": "", "scenario_version": "",
            "capacity": 0, "leakspeed": "0", "events_count": 1, "events": [],
            "simulated": false, "remediation": true, "start_at": now, "stop_at": now,
            "source": {"scope": scope, "value": ip},
            "decisions": [{"type": kind, "scope": scope, "value": ip, "duration": duration,
                           "origin": "cscli", "scenario": reason}],
        }]);
        let created = machine(&context)?
            .post("/v1/alerts", Some(&alert))
            .await
            .map_err(|e| e.to_string())?;
        let alert_id = list(&created)
            .next()
            .and_then(Value::as_str)
            .ok_or("crowdsec: the answer named no alert")?;
        Ok(
            json!({"alert_id": alert_id, "ip": ip, "scope": scope, "type": kind, "duration": duration}),
        )
    })
}

fn unban(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let ip = text(&context.task.payload, "ip");
        let field = match scope_of(ip)? {
            "Range" => "range",
            _ => "ip",
        };
        let answer = machine(&context)?
            .call(
                Method::DELETE,
                "/v1/decisions",
                &[(field, ip.to_owned())],
                None,
            )
            .await
            .map_err(|e| e.to_string())?;
        // The LAPI counts in a string: {"nbDeleted": "1"}.
        let deleted = answer["nbDeleted"]
            .as_str()
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or("crowdsec: the answer has no nbDeleted count")?;
        Ok(json!({"ip": ip, "deleted": deleted}))
    })
}

fn counted(name: &str) -> Value {
    json!({"type": "object", "required": ["count", name],
           "properties": {"count": {"type": "integer"}, name: {"type": "array", "items": {"type": "object"}}}})
}

fn filter(description: &str) -> Value {
    json!({"type": "string", "minLength": 1, "description": description})
}

pub fn spec() -> KindSpec {
    let ip = json!({"type": "string", "minLength": 2, "maxLength": 64, "description": "An IP address (1.2.3.4) or a CIDR range (1.2.3.0/24)"});
    KindSpec {
        kind: "soc-agent",
        aliases: vec!["soc", "security", "security-agent"],
        category: AgentCategory::Security,
        description: "Threat decisions and alerts from a CrowdSec Local API, and bans and unbans of addresses: decisions are read with a bouncer key, alerts and bans act as a registered machine",
        task_types: vec![
            task(
                "list_decisions",
                "The decisions in force (bans, captchas), as a bouncer sees them; filtered by ip, range, scope or type",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"ip": filter("An address the decisions apply to"), "range": filter("A CIDR range"),
                                      "scope": filter("Ip, Range, Country, AS…"), "type": filter("ban, captcha…")}}),
                counted("decisions"),
                list_decisions,
            ),
            task(
                "list_alerts",
                "The alerts the Local API holds, newest first, with their decisions; filtered by ip, scenario or since (a duration such as 24h)",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"ip": filter("The alert's source address"), "scenario": filter("e.g. crowdsecurity/ssh-bf"),
                                      "since": filter("Alerts younger than this duration (24h)"),
                                      "limit": {"type": "integer", "minimum": 1, "maximum": 10000}}}),
                counted("alerts"),
                list_alerts,
            ),
            task(
                "ban_ip",
                "Ban an address or range for `duration` (default 4h), as `cscli decisions add` does: an alert carrying the decision",
                json!({"type": "object", "additionalProperties": false, "required": ["ip", "reason"],
                       "properties": {"ip": ip, "reason": {"type": "string", "minLength": 1, "maxLength": 200},
                                      "duration": {"type": "string", "minLength": 2, "maxLength": 12, "default": "4h",
                                                   "description": "Hours, minutes or seconds: 4h, 30m, 90s"},
                                      "type": {"enum": ["ban", "captcha", "throttle"], "default": "ban"}}}),
                json!({"type": "object", "required": ["alert_id", "ip", "scope", "type", "duration"],
                       "properties": {"alert_id": {"type": "string"}, "ip": {"type": "string"}, "scope": {"enum": ["Ip", "Range"]},
                                      "type": {"type": "string"}, "duration": {"type": "string"}}}),
                ban_ip,
            ),
            task(
                "unban",
                "Delete every decision on an address or range",
                json!({"type": "object", "additionalProperties": false, "required": ["ip"], "properties": {"ip": ip}}),
                json!({"type": "object", "required": ["ip", "deleted"],
                       "properties": {"ip": {"type": "string"}, "deleted": {"type": "integer"}}}),
                unban,
            ),
        ],
        credentials: vec![
            CredentialSpec {
                name: BOUNCER_KEY,
                description: "A bouncer's API key (`cscli bouncers add NAME` prints it)",
                check: Some("list_decisions"),
            },
            CredentialSpec {
                name: MACHINE_PASSWORD,
                description: "The password of the machine named by the `machine_id` setting (`cscli machines add NAME --password …`)",
                check: Some("list_alerts"),
            },
        ],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "lapi_url": {"type": "string", "default": "http://127.0.0.1:8080",
                             "description": "The Local API, http(s)://HOST:8080"},
                "machine_id": {"type": "string", "minLength": 1, "default": "myca",
                               "description": "The machine the agent logs in as for alerts, bans and unbans"}
            }
        }),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 10 },
        privileges: Vec::new(),
    }
}
