//! `website-agent`: a website's health — one probe, or a page check: the
//! page probed, its title compared, and the links it makes to its own
//! site each fetched, so a broken link shows before a visitor finds it.

use serde_json::{json, Value};

use super::page;
use super::probe::{self, Probe};
use crate::kinds::connect::optional_text;
use crate::kinds::spec::{no_settings, task, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

fn check_site(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let probe = Probe::from_payload(payload)?;
        let page = probe.run().await;
        let title = page::title(&page.body);
        let title_ok = match optional_text(payload, "expect_title") {
            Some(expected) => title.as_deref() == Some(expected),
            None => true,
        };
        let limit = payload["max_links"].as_u64().unwrap_or(20) as usize;
        let links = match &page.final_url {
            Some(base) => page::own_links(&page.body, base, limit),
            None => Vec::new(),
        };
        let checks: Vec<Probe> = links.into_iter().map(|url| probe.link(url)).collect();
        let links: Vec<Value> = probe::run_all(&checks)
            .await
            .into_iter()
            .map(|outcome| {
                let r = outcome.report;
                json!({"url": r["url"], "ok": r["ok"], "status": r["status"], "error": r["error"]})
            })
            .collect();
        let broken = links.iter().filter(|l| l["ok"] != true).count();
        let ok = page.report["ok"] == true && title_ok && broken == 0;
        Ok(
            json!({"ok": ok, "page": page.report, "title": title, "title_ok": title_ok,
                  "links": links, "broken_links": broken}),
        )
    })
}

pub fn spec() -> KindSpec {
    let mut site = probe::payload_schema();
    site["properties"]["expect_title"] =
        json!({"type": "string", "description": "The page's <title> must be exactly this"});
    site["properties"]["max_links"] = json!({"type": "integer", "minimum": 0, "maximum": 100, "default": 20,
                                             "description": "How many of the page's links to its own site are fetched"});
    KindSpec {
        kind: "website-agent",
        aliases: vec!["website"],
        category: AgentCategory::Data,
        description: "Website health: probes (status, latency, content, TLS expiry) and page checks of title and the site's own links",
        task_types: vec![
            probe::probe_task(),
            task(
                "check_site",
                "Probe a page, compare its title, and fetch each link it makes to its own site",
                site,
                json!({"type": "object", "required": ["ok", "page", "title", "title_ok", "links", "broken_links"],
                       "properties": {"ok": {"type": "boolean"}, "page": probe::result_schema(),
                                      "title": {"type": ["string", "null"]}, "title_ok": {"type": "boolean"},
                                      "links": {"type": "array", "items": {"type": "object"}},
                                      "broken_links": {"type": "integer"}}}),
                check_site,
            ),
        ],
        credentials: Vec::new(),
        settings_schema: no_settings(),
        defaults: KindDefaults {
            cpu_limit: 0.25,
            memory_limit_mb: 64,
            max_concurrent_tasks: 10,
        },
        privileges: Vec::new(),
    }
}
