//! `cloudflare-agent`: DNS records, cache purges and tunnels through the
//! Cloudflare API v4 (`{"success", "errors", "result", "result_info"}`
//! answers, page-numbered lists, an API token as bearer).

use reqwest::Method;
use serde_json::{json, Value};

use crate::integration::{all_numbered_pages, Auth, Envelope, PageNumbers, Service, ServiceConfig};
use crate::kinds::connect::{credential, optional_text, setting, text};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const TOKEN: &str = "CLOUDFLARE_API_TOKEN";
const RECORD_TYPES: [&str; 8] = ["A", "AAAA", "CNAME", "TXT", "MX", "NS", "SRV", "CAA"];
/// Cloudflare's largest page of DNS records and tunnels.
const PAGES: PageNumbers = PageNumbers {
    param: "page",
    size_param: "per_page",
    size: 100,
    items: "/result",
    total_pages: "/result_info/total_pages",
    max_pages: 50,
};

fn service(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new("cloudflare", setting(context, "base_url")?);
    config.envelope = Envelope::SuccessResult;
    config.auth = Auth::Bearer(credential(context, TOKEN)?);
    Service::new(config).map_err(|e| e.to_string())
}

/// The payload's `field`, or else the setting of the same name.
fn id_of<'a>(context: &'a TaskContext, field: &str) -> Result<&'a str, String> {
    let id = match optional_text(&context.task.payload, field) {
        Some(id) => id,
        None => setting(context, field)?,
    };
    if id.is_empty() {
        return Err(format!(
            "no {field}: give it in the payload or set the agent's {field} setting"
        ));
    }
    Ok(id)
}

fn record_view(record: &Value) -> Value {
    json!({"id": record["id"], "type": record["type"], "name": record["name"], "content": record["content"],
           "ttl": record["ttl"], "proxied": record["proxied"], "comment": record["comment"]})
}

/// The zone's records, filtered by the payload's `type` and `name`.
async fn records(
    cloudflare: &Service,
    zone: &str,
    payload: &Value,
) -> Result<(Vec<Value>, bool), String> {
    let query: Vec<(&str, String)> = ["type", "name"]
        .into_iter()
        .filter_map(|field| optional_text(payload, field).map(|v| (field, v.to_owned())))
        .collect();
    all_numbered_pages(
        cloudflare,
        &format!("/zones/{zone}/dns_records"),
        &query,
        PAGES,
    )
    .await
    .map_err(|e| e.to_string())
}

fn list_dns_records(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let zone = id_of(&context, "zone_id")?;
        let (found, truncated) = records(&service(&context)?, zone, &context.task.payload).await?;
        let records: Vec<Value> = found.iter().map(record_view).collect();
        Ok(json!({"count": records.len(), "records": records, "truncated": truncated}))
    })
}

fn upsert_dns_record(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let zone = id_of(&context, "zone_id")?;
        let cloudflare = service(&context)?;
        // Only what the payload gives is compared and changed: an update
        // keeps the record's ttl, proxying and comment unless told otherwise.
        let mut wanted = json!({"type": payload["type"], "name": payload["name"], "content": payload["content"]});
        for optional in ["ttl", "proxied", "comment"] {
            if let Some(value) = payload.get(optional) {
                wanted[optional] = value.clone();
            }
        }
        let (existing, _) = records(&cloudflare, zone, payload).await?;
        let path = format!("/zones/{zone}/dns_records");
        let (action, record) = match existing.as_slice() {
            [] => {
                let mut new = wanted.clone();
                if new.get("ttl").is_none() {
                    new["ttl"] = json!(1); // automatic
                }
                let created = cloudflare.post(&path, Some(&new)).await;
                ("created", created.map_err(|e| e.to_string())?)
            }
            [current] => {
                let fields = wanted.as_object().into_iter().flatten();
                if fields
                    .clone()
                    .all(|(field, value)| &current[field] == value)
                {
                    ("unchanged", current.clone())
                } else {
                    let id = current["id"].as_str().unwrap_or_default();
                    let updated = cloudflare
                        .call(Method::PATCH, &format!("{path}/{id}"), &[], Some(&wanted))
                        .await
                        .map_err(|e| e.to_string())?;
                    ("updated", updated)
                }
            }
            many => {
                return Err(format!(
                    "{} {} records are named {}: an upsert changes exactly one",
                    many.len(),
                    text(payload, "type"),
                    text(payload, "name")
                ))
            }
        };
        Ok(json!({"action": action, "record": record_view(&record)}))
    })
}

fn purge_cache(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let given: Vec<&str> = ["files", "tags", "purge_everything"]
            .into_iter()
            .filter(|field| payload.get(*field).is_some())
            .collect();
        let [what] = given.as_slice() else {
            return Err(
                "invalid payload: give exactly one of files, tags, purge_everything".to_owned(),
            );
        };
        let zone = id_of(&context, "zone_id")?;
        let mut body = json!({});
        body[*what] = payload[*what].clone();
        let purged = service(&context)?
            .post(&format!("/zones/{zone}/purge_cache"), Some(&body))
            .await
            .map_err(|e| e.to_string())?;
        let count = payload[*what].as_array().map_or(0, Vec::len);
        Ok(json!({"id": purged["id"], "purged": what, "count": count}))
    })
}

fn list_tunnels(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let account = id_of(&context, "account_id")?;
        let deleted = payload["include_deleted"].as_bool().unwrap_or(false);
        let mut query = vec![("is_deleted", deleted.to_string())];
        if let Some(name) = optional_text(payload, "name") {
            query.push(("name", name.to_owned()));
        }
        let (found, truncated) = all_numbered_pages(
            &service(&context)?,
            &format!("/accounts/{account}/cfd_tunnel"),
            &query,
            PAGES,
        )
        .await
        .map_err(|e| e.to_string())?;
        let tunnels: Vec<Value> = found
            .iter()
            .map(|t| {
                let connections = t["connections"].as_array().map_or(&[][..], Vec::as_slice);
                let mut colos: Vec<&str> = connections
                    .iter()
                    .filter_map(|c| c["colo_name"].as_str())
                    .collect();
                colos.sort_unstable();
                colos.dedup();
                json!({"id": t["id"], "name": t["name"], "status": t["status"], "created_at": t["created_at"],
                       "connections": connections.len(), "colos": colos})
            })
            .collect();
        let healthy = tunnels.iter().filter(|t| t["status"] == "healthy").count();
        Ok(
            json!({"tunnels": tunnels, "healthy": healthy, "not_healthy": tunnels.len() - healthy, "truncated": truncated}),
        )
    })
}

fn cloudflare_id(description: &str) -> Value {
    json!({"type": "string", "minLength": 32, "maxLength": 32, "description": description})
}

fn record_result() -> Value {
    json!({"type": "object", "required": ["id", "type", "name", "content"],
           "properties": {"id": {"type": "string"}, "type": {"type": "string"}, "name": {"type": "string"},
                          "content": {"type": "string"}, "ttl": {"type": "integer"}, "proxied": {"type": ["boolean", "null"]},
                          "comment": {"type": ["string", "null"]}}})
}

pub fn spec() -> KindSpec {
    let zone = cloudflare_id("The zone's id (default: the zone_id setting)");
    let record_type = json!({"enum": RECORD_TYPES});
    let name = json!({"type": "string", "minLength": 1, "maxLength": 255, "description": "Full name, e.g. www.example.com"});
    KindSpec {
        kind: "cloudflare-agent",
        aliases: vec!["cloudflare"],
        category: AgentCategory::Infrastructure,
        description: "Cloudflare through its API v4: DNS records (list, create or update), cache purges and Cloudflare Tunnels",
        task_types: vec![
            task(
                "list_dns_records",
                "The zone's DNS records (every page), optionally of one `type` or `name`",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"zone_id": zone, "type": record_type, "name": name}}),
                json!({"type": "object", "required": ["count", "records", "truncated"],
                       "properties": {"count": {"type": "integer"}, "records": {"type": "array", "items": record_result()},
                                      "truncated": {"type": "boolean"}}}),
                list_dns_records,
            ),
            task(
                "upsert_dns_record",
                "Make the one record of `type` and `name` say `content`: create it, update it, or leave it as it is",
                json!({"type": "object", "additionalProperties": false, "required": ["type", "name", "content"],
                       "properties": {"zone_id": zone, "type": record_type, "name": name,
                                      "content": {"type": "string", "minLength": 1, "maxLength": 4096},
                                      "ttl": {"type": "integer", "minimum": 1, "maximum": 86400, "description": "Seconds, 1 = automatic (a new record's default; an update keeps the record's)"},
                                      "proxied": {"type": "boolean"}, "comment": {"type": "string", "maxLength": 500}}}),
                json!({"type": "object", "required": ["action", "record"],
                       "properties": {"action": {"enum": ["created", "updated", "unchanged"]}, "record": record_result()}}),
                upsert_dns_record,
            ),
            task(
                "purge_cache",
                "Purge the zone's cache: given `files` (URLs), given `tags`, or everything",
                json!({"type": "object", "additionalProperties": false,
                       "properties": {"zone_id": zone,
                                      "files": {"type": "array", "minItems": 1, "maxItems": 30, "items": {"type": "string", "minLength": 1}},
                                      "tags": {"type": "array", "minItems": 1, "maxItems": 30, "items": {"type": "string", "minLength": 1}},
                                      "purge_everything": {"const": true}}}),
                json!({"type": "object", "required": ["id", "purged", "count"],
                       "properties": {"id": {"type": "string"}, "purged": {"enum": ["files", "tags", "purge_everything"]},
                                      "count": {"type": "integer"}}}),
                purge_cache,
            ),
            task(
                "list_tunnels",
                "The account's Cloudflare Tunnels with their status and connections",
                json!({"type": ["object", "null"], "additionalProperties": false,
                       "properties": {"account_id": cloudflare_id("The account's id (default: the account_id setting)"),
                                      "name": {"type": "string", "minLength": 1}, "include_deleted": {"type": "boolean"}}}),
                json!({"type": "object", "required": ["tunnels", "healthy", "not_healthy", "truncated"],
                       "properties": {"tunnels": {"type": "array", "items": {"type": "object"}}, "healthy": {"type": "integer"},
                                      "not_healthy": {"type": "integer"}, "truncated": {"type": "boolean"}}}),
                list_tunnels,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: TOKEN,
            description: "An API token with Zone DNS Edit, Zone Cache Purge and Account Cloudflare Tunnel Read",
            check: Some("list_dns_records"),
        }],
        settings_schema: json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "base_url": {"type": "string", "default": "https://api.cloudflare.com/client/v4",
                             "description": "The API's address"},
                "zone_id": {"type": "string", "default": "", "description": "The zone tasks act on unless they name one"},
                "account_id": {"type": "string", "default": "", "description": "The account whose tunnels are listed unless a task names one"}
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
