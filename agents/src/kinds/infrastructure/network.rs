//! `network-agent`: a UniFi Network controller's clients, devices,
//! firewall rules and networks (`/api/s/{site}/…`, `{"meta": {"rc"}, "data"}`
//! answers). A classic controller logs in at `/api/login`; a UniFi OS
//! console at `/api/auth/login`, with the Network API under
//! `/proxy/network` and a CSRF token; either also takes an API key
//! (`X-API-KEY`) instead of a login. Controllers usually show a
//! self-signed certificate, pinned by fingerprint.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::integration::{Auth, Envelope, Service, ServiceConfig, Trust};
use crate::kinds::connect::{credential, optional_text, setting};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const PASSWORD: &str = "UNIFI_PASSWORD";
const API_KEY: &str = "UNIFI_API_KEY";

/// The controller's Network API (one per agent, so its login session
/// serves every task), and where its paths start.
fn controller(context: &TaskContext) -> Result<(Arc<Service>, &'static str), String> {
    let unifi_os = context.settings["unifi_os"].as_bool().unwrap_or(false);
    let mut config = ServiceConfig::new("unifi", setting(context, "base_url")?);
    config.envelope = Envelope::MetaRc;
    config.auth = if context.credentials.get(API_KEY).is_some() {
        Auth::Header {
            name: "X-API-KEY",
            value: credential(context, API_KEY)?,
        }
    } else {
        let password = credential(context, PASSWORD)?;
        Auth::CookieLogin {
            path: if unifi_os {
                "/api/auth/login"
            } else {
                "/api/login"
            }
            .to_owned(),
            body: json!({"username": setting(context, "username")?, "password": password.expose()}),
            secrets: vec![password],
        }
    };
    let fingerprint = setting(context, "tls_fingerprint")?;
    if !fingerprint.is_empty() {
        config.trust =
            Trust::pinned(fingerprint).map_err(|e| format!("setting tls_fingerprint: {e}"))?;
    }
    let prefix = if unifi_os { "/proxy/network" } else { "" };
    Ok((Service::shared(config).map_err(|e| e.to_string())?, prefix))
}

/// The rows of `/api/s/{site}/{tail}` (the payload's site, or the setting's).
async fn rows(context: &TaskContext, tail: &str) -> Result<Vec<Value>, String> {
    let site = match optional_text(&context.task.payload, "site") {
        Some(site) => site,
        None => setting(context, "site")?,
    };
    let (unifi, prefix) = controller(context)?;
    let data = unifi
        .get(&format!("{prefix}/api/s/{site}/{tail}"), &[])
        .await
        .map_err(|e| e.to_string())?;
    Ok(data.as_array().cloned().unwrap_or_default())
}

/// Each row reduced to `fields` (absent ones null), the controller's names kept.
fn pick(rows: &[Value], fields: &[&str]) -> Vec<Value> {
    rows.iter()
        .map(|row| {
            fields
                .iter()
                .map(|field| ((*field).to_owned(), row[*field].clone()))
                .collect::<serde_json::Map<_, _>>()
                .into()
        })
        .collect()
}

fn list_clients(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let rows = rows(&context, "stat/sta").await?;
        let clients = pick(
            &rows,
            &[
                "mac", "hostname", "name", "ip", "network", "is_wired", "essid", "uptime",
                "rx_bytes", "tx_bytes",
            ],
        );
        let wired = clients.iter().filter(|c| c["is_wired"] == true).count();
        Ok(json!({"clients": clients, "wired": wired, "wireless": clients.len() - wired}))
    })
}

fn list_devices(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let rows = rows(&context, "stat/device").await?;
        let devices = pick(
            &rows,
            &[
                "mac", "name", "model", "type", "ip", "version", "adopted", "state", "uptime",
            ],
        );
        // State 1 is "connected" in the controller's device states.
        let offline = devices.iter().filter(|d| d["state"] != 1).count();
        Ok(json!({"devices": devices, "offline": offline}))
    })
}

fn firewall_rules(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let rows = rows(&context, "rest/firewallrule").await?;
        let mut rules = pick(
            &rows,
            &[
                "_id",
                "name",
                "ruleset",
                "rule_index",
                "action",
                "enabled",
                "protocol",
                "src_address",
                "dst_address",
                "dst_port",
            ],
        );
        // The order the controller applies them in.
        rules.sort_by_key(|r| {
            (
                r["ruleset"].as_str().unwrap_or_default().to_owned(),
                r["rule_index"].as_i64().unwrap_or_default(),
            )
        });
        Ok(json!({ "rules": rules }))
    })
}

fn networks(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let rows = rows(&context, "rest/networkconf").await?;
        let networks = pick(
            &rows,
            &[
                "_id",
                "name",
                "purpose",
                "vlan_enabled",
                "vlan",
                "ip_subnet",
                "dhcpd_enabled",
                "enabled",
            ],
        );
        Ok(json!({ "networks": networks }))
    })
}

fn site_payload() -> Value {
    json!({"type": ["object", "null"], "additionalProperties": false,
           "properties": {"site": {"type": "string", "minLength": 1, "maxLength": 64,
                                   "description": "The site's short name (default: the `site` setting)"}}})
}

fn list_of(name: &str, counts: &[&str]) -> Value {
    let mut properties = json!({});
    properties[name] = json!({"type": "array", "items": {"type": "object"}});
    let mut required = vec![name.to_owned()];
    for count in counts {
        properties[*count] = json!({"type": "integer", "minimum": 0});
        required.push((*count).to_owned());
    }
    json!({"type": "object", "required": required, "properties": properties})
}

pub fn spec() -> KindSpec {
    KindSpec {
        kind: "network-agent",
        aliases: vec!["network"],
        category: AgentCategory::Infrastructure,
        description: "A UniFi Network controller (classic or UniFi OS): clients, devices, firewall rules and networks",
        task_types: vec![
            task(
                "list_clients",
                "The clients connected now, wired or wireless, with address and traffic",
                site_payload(),
                list_of("clients", &["wired", "wireless"]),
                list_clients,
            ),
            task(
                "list_devices",
                "The adopted devices (gateways, switches, access points) with state and firmware, and how many are offline",
                site_payload(),
                list_of("devices", &["offline"]),
                list_devices,
            ),
            task(
                "firewall_rules",
                "The firewall rules, in the order each ruleset applies them",
                site_payload(),
                list_of("rules", &[]),
                firewall_rules,
            ),
            task(
                "networks",
                "The networks (LANs, VLANs, WANs) with subnet and DHCP",
                site_payload(),
                list_of("networks", &[]),
                networks,
            ),
        ],
        credentials: vec![
            CredentialSpec {
                name: PASSWORD,
                description: "The password of the controller account named by the `username` setting (a local, read-only admin is enough)",
                check: Some("list_devices"),
            },
            CredentialSpec {
                name: API_KEY,
                description: "An API key (Settings → Control Plane → Integrations), sent as X-API-KEY; used instead of a login when given",
                check: Some("list_devices"),
            },
        ],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "https://127.0.0.1:8443",
                             "description": "The controller, https://HOST:8443 (classic) or https://HOST (UniFi OS)"},
                "unifi_os": {"type": "boolean", "default": false,
                             "description": "A UniFi OS console: login at /api/auth/login, the Network API under /proxy/network"},
                "username": {"type": "string", "default": "",
                             "description": "The account to log in as (not needed with an API key)"},
                "site": {"type": "string", "minLength": 1, "default": "default",
                         "description": "The site's short name"},
                "tls_fingerprint": {"type": "string", "default": "",
                                    "description": "SHA-256 fingerprint of the controller's certificate (AB:CD:…) to pin; empty trusts public roots"}
            }
        }),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 128,
            max_concurrent_tasks: 5,
        },
        privileges: Vec::new(),
    }
}
