//! `marketing-agent`: campaigns and audiences read from Mailchimp, and a
//! campaign approved (and then sent) only when it passes the rules in the
//! agent's settings — a draft, a subject line of a sensible length without
//! forbidden terms, an audience no larger than allowed, a sender from an
//! allowed domain — each answer naming the rule that decided.

use serde_json::{json, Value};

use super::mailchimp::{self, API_KEY};
use super::rules::{
    counted, decide, decision_result, listed, number, payload, rounded, terms_in, with_assessor,
    Check,
};
use crate::kinds::connect::{path_part, text_params};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

const STATUSES: [&str; 5] = ["save", "paused", "schedule", "sending", "sent"];

/// A campaign as results show it.
fn campaign_view(campaign: &Value) -> Value {
    let report = &campaign["report_summary"];
    json!({"id": campaign["id"], "title": campaign["settings"]["title"], "subject": campaign["settings"]["subject_line"],
           "status": campaign["status"], "emails_sent": campaign["emails_sent"], "send_time": campaign["send_time"],
           "audience": campaign["recipients"]["list_name"], "recipients": campaign["recipients"]["recipient_count"],
           "open_rate": report["open_rate"], "click_rate": report["click_rate"]})
}

fn list_campaigns(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let api = mailchimp::api(&context)?;
        let query = text_params(&context.task.payload, &["status", "since_send_time"]);
        let (campaigns, truncated) = mailchimp::all(&api, "/campaigns", "campaigns", &query)
            .await
            .map_err(|e| e.to_string())?;
        let sum = |pointer: &str| -> u64 {
            campaigns
                .iter()
                .filter_map(|c| c.pointer(pointer).and_then(Value::as_u64))
                .sum()
        };
        let sent = sum("/emails_sent");
        let opens = sum("/report_summary/unique_opens");
        let best = campaigns
            .iter()
            .filter(|c| c["status"] == "sent")
            .max_by(|a, b| {
                let rate = |c: &Value| c["report_summary"]["open_rate"].as_f64().unwrap_or(0.0);
                rate(a).total_cmp(&rate(b))
            })
            .map(|c| c["id"].clone());
        Ok(json!({
            "count": campaigns.len(), "truncated": truncated, "by_status": counted(&campaigns, "/status"),
            "emails_sent": sent, "unique_opens": opens, "clicks": sum("/report_summary/clicks"),
            "open_rate": if sent > 0 { rounded(opens as f64 / sent as f64) } else { 0.0 },
            "best_open_rate": best,
            "campaigns": campaigns.iter().map(campaign_view).collect::<Vec<_>>(),
        }))
    })
}

fn list_audiences(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let api = mailchimp::api(&context)?;
        let (lists, truncated) = mailchimp::all(&api, "/lists", "lists", &[])
            .await
            .map_err(|e| e.to_string())?;
        let audiences: Vec<Value> = lists
            .iter()
            .map(|list| {
                let stats = &list["stats"];
                json!({"id": list["id"], "name": list["name"], "members": stats["member_count"],
                       "unsubscribed": stats["unsubscribe_count"], "open_rate": stats["open_rate"],
                       "click_rate": stats["click_rate"], "campaigns": stats["campaign_count"]})
            })
            .collect();
        let members: u64 = audiences.iter().filter_map(|a| a["members"].as_u64()).sum();
        Ok(
            json!({"count": audiences.len(), "truncated": truncated, "total_members": members, "audiences": audiences}),
        )
    })
}

/// The rules a campaign is checked against before it may be sent.
fn campaign_checks(context: &TaskContext, campaign: &Value) -> Vec<Check> {
    let settings = &context.settings;
    let status = campaign["status"].as_str().unwrap_or("?");
    let subject = campaign["settings"]["subject_line"].as_str().unwrap_or("");
    let preview = campaign["settings"]["preview_text"].as_str().unwrap_or("");
    let longest = number(settings, "max_subject_length") as usize;
    let forbidden = terms_in(
        settings.get("forbidden_terms"),
        &format!("{subject} {preview}"),
    );
    let recipients = campaign["recipients"]["recipient_count"]
        .as_f64()
        .unwrap_or(0.0);
    let most = number(settings, "max_recipients");
    let reply_to = campaign["settings"]["reply_to"].as_str().unwrap_or("");
    let domain = reply_to.rsplit_once('@').map_or("", |(_, d)| d);
    let domains_set = settings["sender_domains"]
        .as_array()
        .is_some_and(|d| !d.is_empty());
    let sender_fine =
        !domain.is_empty() && (!domains_set || listed(settings.get("sender_domains"), domain));
    let length = subject.chars().count();
    vec![
        Check::new(
            "draft",
            status == "save" || status == "paused",
            format!("the campaign is {status}; only a draft (save) or paused campaign is sent"),
        ),
        Check::new(
            "subject_line",
            (1..=longest).contains(&length),
            format!("the subject line has {length} character(s); 1 to {longest} allowed"),
        ),
        Check::none_found(
            "forbidden_terms",
            &forbidden,
            "no forbidden term".to_owned(),
            "contains forbidden terms".to_owned(),
        ),
        Check::new(
            "recipient_limit",
            recipients <= most,
            format!("{recipients} recipient(s); at most {most} without a person's approval"),
        ),
        Check::new(
            "sender_domain",
            sender_fine,
            format!(
                "reply-to {reply_to:?} is {}from an allowed domain",
                if sender_fine { "" } else { "not " }
            ),
        ),
    ]
}

fn approve_campaign(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let id = path_part(payload, "campaign_id", false)?;
        let api = mailchimp::api(&context)?;
        let campaign = api
            .get(&format!("/campaigns/{id}"), &[])
            .await
            .map_err(|e| e.to_string())?;
        let checks = campaign_checks(&context, &campaign);
        let why = format!("campaign {id} passes every marketing rule");
        let mut result = decide(checks, "ready_to_send", why, campaign_view(&campaign));
        let send = payload["send"] == true && result["approved"] == true;
        if send {
            api.post(&format!("/campaigns/{id}/actions/send"), None)
                .await
                .map_err(|e| e.to_string())?;
        }
        result["sent"] = json!(send);
        Ok(result)
    })
}

pub fn spec() -> KindSpec {
    let list = |items: &[&str], what: &str| json!({"type": "array", "items": {"type": "string"}, "default": items, "description": what});
    let mut approval = decision_result();
    if let Some(required) = approval["required"].as_array_mut() {
        required.push(json!("sent"));
    }
    approval["properties"]["sent"] =
        json!({"type": "boolean", "description": "Whether the campaign was sent"});
    KindSpec {
        kind: "marketing-agent",
        aliases: vec!["marketing"],
        category: AgentCategory::Corporate,
        description: "Campaigns and audiences from Mailchimp's Marketing API (every page), with a campaign sent only \
                      once it passes explainable rules: a draft, a subject line of allowed length without forbidden \
                      terms, an audience no larger than allowed, a reply-to address from an allowed domain",
        task_types: vec![
            task(
                "list_campaigns",
                "Every campaign (optionally by status or sent since a time) with its opens and clicks, counted by status",
                payload(json!({"status": {"enum": STATUSES}, "since_send_time": {"type": "string", "maxLength": 40,
                               "description": "ISO 8601 time: only campaigns sent since"}}), &[]),
                json!({"type": "object", "required": ["count", "truncated", "by_status", "emails_sent", "campaigns"],
                       "properties": {"count": {"type": "integer"}, "truncated": {"type": "boolean"}, "by_status": {"type": "object"},
                                      "emails_sent": {"type": "integer"}, "unique_opens": {"type": "integer"}, "clicks": {"type": "integer"},
                                      "open_rate": {"type": "number"}, "best_open_rate": {"type": ["string", "null"]},
                                      "campaigns": {"type": "array", "items": {"type": "object"}}}}),
                list_campaigns,
            ),
            task(
                "list_audiences",
                "Every audience (list) with its members, unsubscribes and rates",
                payload(json!({}), &[]),
                json!({"type": "object", "required": ["count", "total_members", "audiences"],
                       "properties": {"count": {"type": "integer"}, "truncated": {"type": "boolean"},
                                      "total_members": {"type": "integer"}, "audiences": {"type": "array", "items": {"type": "object"}}}}),
                list_audiences,
            ),
            task(
                "approve_campaign",
                "Check a campaign against the marketing rules and, when asked (`send`) and approved, send it",
                payload(json!({"campaign_id": {"type": "string", "minLength": 1, "maxLength": 64},
                               "send": {"type": "boolean", "default": false}}), &["campaign_id"]),
                approval,
                approve_campaign,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: API_KEY,
            description: "A Mailchimp Marketing API key (its suffix, such as -us6, names the data centre)",
            check: Some("list_audiences"),
        }],
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "max_subject_length": {"type": "integer", "minimum": 1, "default": 100, "description": "The longest subject line allowed"},
                "forbidden_terms": list(&["free money", "act now", "100% free", "guaranteed"], "Terms no subject or preview may contain"),
                "max_recipients": {"type": "number", "minimum": 0, "default": 10000,
                                   "description": "The largest audience a campaign is sent to without a person's approval"},
                "sender_domains": list(&[], "Domains a reply-to address must be at (empty: any)"),
                "mailchimp_base_url": {"type": "string", "default": "",
                                       "description": "The API's address; empty: https://<dc>.api.mailchimp.com from the key's suffix"}
            }
        })),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}
