//! `cto-agent`: technology decisions by the rules in the agent's settings —
//! technologies and licences approved or forbidden, the severity of
//! security findings tolerated, and how large a pull request may be and
//! which paths it must leave alone (its files read from GitHub).

use serde_json::{json, Map, Value};

use super::rules::{decide, decision_result, impact_rank, listed, payload, with_assessor, Check};
use crate::kinds::connect::{optional_text, text};
use crate::kinds::infrastructure::github_actions::{repo_path, service, TOKEN};
use crate::kinds::spec::{task, CredentialSpec, KindDefaults, KindSpec};
use crate::protocol::AgentCategory;
use crate::runtime::handlers::{HandlerFuture, TaskContext};

/// GitHub lists at most 3000 files of a pull request, 100 a page.
const FILE_PAGES: u32 = 30;
const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];

fn technology_approval(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let subject = context.task.payload.clone();
        let technology = text(&subject, "technology");
        let forbidden = listed(settings.get("forbidden_technologies"), technology);
        let license = optional_text(&subject, "license");
        let bad_license = license.filter(|l| listed(settings.get("forbidden_licenses"), l));
        let known = listed(settings.get("approved_technologies"), technology);
        let checks = vec![
            Check::new(
                "forbidden_technology",
                !forbidden,
                format!(
                    "{technology} is {}on the forbidden list",
                    if forbidden { "" } else { "not " }
                ),
            ),
            Check::new(
                "license_allowed",
                bad_license.is_none(),
                match bad_license {
                    Some(l) => format!("the {l} licence is not allowed"),
                    None => format!("licence {} is allowed", license.unwrap_or("(not given)")),
                },
            ),
            Check::new(
                "approved_list",
                known,
                format!(
                    "{technology} is {}on the approved technology list",
                    if known { "" } else { "not yet " }
                ),
            ),
        ];
        Ok(decide(
            checks,
            "approved_technology",
            format!("{technology} is approved and its licence allowed"),
            subject,
        ))
    })
}

fn security_assessment(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let subject = context.task.payload.clone();
        let findings: Vec<Value> = subject["findings"].as_array().cloned().unwrap_or_default();
        let tolerated = settings["max_severity"].as_str().unwrap_or("medium");
        let worst = findings
            .iter()
            .filter_map(|f| f["severity"].as_str())
            .max_by_key(|s| impact_rank(s));
        let too_severe: Vec<&str> = findings
            .iter()
            .filter(|f| {
                impact_rank(f["severity"].as_str().unwrap_or("critical")) > impact_rank(tolerated)
            })
            .filter_map(|f| f["id"].as_str())
            .collect();
        let limit = settings["max_findings"].as_u64().unwrap_or(0) as usize;
        let checks = vec![
            Check::none_found(
                "severity_limit",
                &too_severe,
                format!("no finding is above {tolerated}"),
                format!("{} above {tolerated}", too_severe.len()),
            ),
            Check::new(
                "finding_count",
                findings.len() <= limit,
                format!("{} finding(s), at most {limit} tolerated", findings.len()),
            ),
        ];
        let mut result = decide(
            checks,
            "acceptable_risk",
            format!("{} finding(s), none above {tolerated}", findings.len()),
            subject,
        );
        let counts: Map<String, Value> = SEVERITIES
            .iter()
            .map(|s| {
                (
                    (*s).to_owned(),
                    json!(findings.iter().filter(|f| f["severity"] == *s).count()),
                )
            })
            .collect();
        result["by_severity"] = json!(counts);
        result["worst"] = json!(worst);
        Ok(result)
    })
}

/// Every file a pull request changes, as GitHub lists them.
async fn pull_files(context: &TaskContext, payload: &Value) -> Result<Vec<Value>, String> {
    let number = payload["pull_number"]
        .as_u64()
        .ok_or("invalid payload: give owner, repo and pull_number, or files")?;
    let path = format!("{}/pulls/{number}/files", repo_path(payload)?);
    let github = service(context)?;
    let mut files = Vec::new();
    for page in 1..=FILE_PAGES {
        let query = [("per_page", "100".to_owned()), ("page", page.to_string())];
        let answer = github.get(&path, &query).await.map_err(|e| e.to_string())?;
        let listed = answer
            .as_array()
            .ok_or_else(|| format!("github: {path} did not answer a list of files"))?;
        files.extend(listed.iter().cloned());
        if listed.len() < 100 {
            break;
        }
    }
    Ok(files)
}

fn architecture_review(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let settings = &context.settings;
        let payload = context.task.payload.clone();
        let files = match payload["files"].as_array() {
            Some(given) => given.clone(),
            None => pull_files(&context, &payload).await?,
        };
        let lines: u64 = files
            .iter()
            .map(|f| f["additions"].as_u64().unwrap_or(0) + f["deletions"].as_u64().unwrap_or(0))
            .sum();
        let protected: Vec<&str> = settings["protected_paths"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let touched: Vec<&str> = files
            .iter()
            .filter_map(|f| f["filename"].as_str())
            .filter(|name| protected.iter().any(|p| name.starts_with(p)))
            .collect();
        let (max_files, max_lines) = (
            settings["max_changed_files"].as_u64().unwrap_or(0),
            settings["max_changed_lines"].as_u64().unwrap_or(0),
        );
        let checks = vec![
            Check::none_found("protected_paths", &touched, "no protected path is changed".to_owned(),
                "changes protected paths".to_owned()),
            Check::new("change_size", files.len() as u64 <= max_files && lines <= max_lines,
                format!("{} file(s) and {lines} line(s) changed; at most {max_files} files and {max_lines} lines", files.len())),
        ];
        let mut subject = payload.clone();
        if let Some(object) = subject.as_object_mut() {
            object.remove("files");
        }
        let mut result = decide(
            checks,
            "reviewable_change",
            "small enough and away from protected paths".to_owned(),
            subject,
        );
        result["files"] = json!(files.len());
        result["lines_changed"] = json!(lines);
        Ok(result)
    })
}

pub fn spec() -> KindSpec {
    let name = json!({"type": "string", "minLength": 1, "maxLength": 100});
    let list = |items: &[&str], what: &str| json!({"type": "array", "items": {"type": "string"}, "default": items, "description": what});
    KindSpec {
        kind: "cto-agent",
        aliases: vec!["cto"],
        category: AgentCategory::Corporate,
        description: "Technology decisions by explainable rules: technologies and licences approved, security \
                      findings weighed against the tolerated severity, pull requests (their files read from GitHub) \
                      reviewed for size and protected paths",
        task_types: vec![
            task(
                "architecture_review",
                "Review a change — a GitHub pull request's files, or `files` given — for its size and the protected paths it touches",
                payload(
                    json!({"owner": name, "repo": name, "pull_number": {"type": "integer", "minimum": 1},
                           "files": {"type": "array", "maxItems": 3000, "items": {"type": "object", "required": ["filename"],
                               "properties": {"filename": {"type": "string"}, "additions": {"type": "integer", "minimum": 0},
                                              "deletions": {"type": "integer", "minimum": 0}}}}}),
                    &[],
                ),
                decision_result(),
                architecture_review,
            ),
            task(
                "technology_approval",
                "Approve or refuse adopting a technology: not forbidden, an allowed licence, on the approved list",
                payload(json!({"technology": name, "license": {"type": "string", "maxLength": 64},
                               "purpose": {"type": "string", "maxLength": 2000}}), &["technology"]),
                decision_result(),
                technology_approval,
            ),
            task(
                "security_assessment",
                "Weigh security findings against the tolerated severity and count",
                payload(json!({"system": name, "findings": {"type": "array", "maxItems": 1000, "items": {
                    "type": "object", "additionalProperties": false, "required": ["id", "severity"],
                    "properties": {"id": {"type": "string", "minLength": 1}, "severity": {"enum": SEVERITIES},
                                   "title": {"type": "string"}}}}}), &["findings"]),
                decision_result(),
                security_assessment,
            ),
        ],
        credentials: vec![CredentialSpec {
            name: TOKEN,
            description: "A GitHub token that can read the repositories' pull requests (architecture_review)",
            check: None,
        }],
        settings_schema: with_assessor(json!({
            "type": "object", "additionalProperties": false,
            "properties": {
                "approved_technologies": list(&["rust", "postgresql", "redis", "docker", "typescript"], "Technologies approved for use"),
                "forbidden_technologies": list(&[], "Technologies never approved"),
                "forbidden_licenses": list(&["AGPL-3.0", "SSPL-1.0"], "Licences never approved"),
                "max_severity": {"enum": SEVERITIES, "default": "medium", "description": "The most severe finding tolerated"},
                "max_findings": {"type": "integer", "minimum": 0, "default": 10},
                "max_changed_files": {"type": "integer", "minimum": 1, "default": 50},
                "max_changed_lines": {"type": "integer", "minimum": 1, "default": 1000},
                "protected_paths": list(&[".github/workflows/", "migrations/"], "Path prefixes a change must not touch"),
                "github_api_url": {"type": "string", "default": "https://api.github.com"}
            }
        })),
        defaults: KindDefaults { cpu_limit: 0.25, memory_limit_mb: 64, max_concurrent_tasks: 5 },
        privileges: Vec::new(),
    }
}
