//! GitHub Actions for the deployment-agent: dispatch a workflow, find the
//! run the dispatch made and follow it to its conclusion; list runs. The
//! REST API with a bearer token, `Accept: application/vnd.github+json` and
//! a pinned `X-GitHub-Api-Version`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{json, Value};

use crate::integration::{poll, Auth, Polled, Service, ServiceConfig};
use crate::kinds::connect::{credential, optional_text, setting, text};
use crate::runtime::handlers::{HandlerFuture, TaskContext};

pub const TOKEN: &str = "GITHUB_TOKEN";
const API_VERSION: &str = "2022-11-28";

pub(crate) fn service(context: &TaskContext) -> Result<Service, String> {
    let mut config = ServiceConfig::new("github", setting(context, "github_api_url")?);
    config.auth = Auth::Bearer(credential(context, TOKEN)?);
    // GitHub refuses requests without a User-Agent.
    config.headers = vec![
        ("accept", "application/vnd.github+json"),
        ("x-github-api-version", API_VERSION),
        ("user-agent", "myca-deployment-agent"),
    ];
    Service::new(config).map_err(|e| e.to_string())
}

/// `repos/{owner}/{repo}/actions`, its parts checked to stay in the path.
fn actions_path(payload: &Value) -> Result<String, String> {
    Ok(format!("{}/actions", repository_path(payload)?))
}

/// `repos/{owner}/{repo}`, its parts checked to stay in the path.
pub(crate) fn repository_path(payload: &Value) -> Result<String, String> {
    let mut parts = Vec::new();
    for field in ["owner", "repo"] {
        let value = text(payload, field);
        if value.is_empty() || value.contains(['/', '?', '#', '%']) || value.starts_with('.') {
            return Err(format!("{field} {value:?} is not a GitHub {field} name"));
        }
        parts.push(value);
    }
    Ok(format!("/repos/{}/{}", parts[0], parts[1]))
}

fn workflow_of(payload: &Value) -> Result<Option<&str>, String> {
    match optional_text(payload, "workflow") {
        Some(name) if name.contains(['/', '?', '#', '%']) || name.starts_with('.') => Err(format!(
            "workflow {name:?} is neither a workflow id nor a file name such as deploy.yml"
        )),
        other => Ok(other),
    }
}

fn run_summary(run: &Value) -> Value {
    json!({"id": run["id"], "name": run["name"], "run_number": run["run_number"], "event": run["event"],
           "status": run["status"], "conclusion": run["conclusion"], "head_branch": run["head_branch"],
           "created_at": run["created_at"], "html_url": run["html_url"]})
}

/// Whether `run` is of `workflow` (its numeric id or its file name).
fn of_workflow(run: &Value, workflow: &str) -> bool {
    workflow
        .parse::<u64>()
        .is_ok_and(|id| run["workflow_id"] == id)
        || run["path"]
            .as_str()
            .is_some_and(|path| path.rsplit('/').next() == Some(workflow))
}

/// The ids of the dispatched runs of `workflow` on `branch` GitHub lists now.
async fn dispatched_runs(
    github: &Service,
    actions: &str,
    workflow: &str,
    branch: &str,
) -> Result<Vec<Value>, String> {
    let query = [
        ("event", "workflow_dispatch".to_owned()),
        ("branch", branch.to_owned()),
        ("per_page", "50".to_owned()),
    ];
    let listed = github
        .get(&format!("{actions}/runs"), &query)
        .await
        .map_err(|e| e.to_string())?;
    Ok(listed["workflow_runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|run| of_workflow(run, workflow))
        .cloned()
        .collect())
}

fn poll_interval(context: &TaskContext) -> Duration {
    Duration::from_secs(context.settings["poll_seconds"].as_u64().unwrap_or(5))
}

pub fn trigger_workflow(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let actions = actions_path(payload)?;
        let workflow = workflow_of(payload)?.unwrap_or_default().to_owned();
        let branch = text(payload, "ref").to_owned();
        let limit = Duration::from_secs(payload["wait_seconds"].as_u64().unwrap_or(270));
        let every = poll_interval(&context);
        let github = service(&context)?;
        // The dispatch answers 204 without the run: the new run is the one
        // that was not listed before it.
        let before: BTreeSet<String> = dispatched_runs(&github, &actions, &workflow, &branch)
            .await?
            .iter()
            .map(|run| run["id"].to_string())
            .collect();
        let inputs = payload.get("inputs").cloned().unwrap_or_else(|| json!({}));
        github
            .post(
                &format!("{actions}/workflows/{workflow}/dispatches"),
                Some(&json!({"ref": branch, "inputs": inputs})),
            )
            .await
            .map_err(|e| e.to_string())?;
        let run = poll(&github, every, limit, || async {
            let runs = dispatched_runs(&github, &actions, &workflow, &branch)
                .await
                .map_err(|reason| crate::integration::ServiceError::BadAnswer {
                    service: "github".to_owned(),
                    reason,
                })?;
            Ok(
                match runs
                    .into_iter()
                    .find(|run| !before.contains(&run["id"].to_string()))
                {
                    Some(run) => Polled::Done(run),
                    None => Polled::Running,
                },
            )
        })
        .await
        .map_err(|e| format!("the dispatched run of {workflow} did not appear: {e}"))?;
        let path = format!("{actions}/runs/{}", run["id"]);
        let ended = poll(&github, every, limit, || async {
            let run = github.get(&path, &[]).await?;
            Ok(if run["status"] == "completed" {
                Polled::Done(run)
            } else {
                Polled::Running
            })
        })
        .await
        .map_err(|e| format!("run {} of {workflow}: {e}", run["id"]))?;
        let conclusion = ended["conclusion"].as_str().unwrap_or_default();
        if ["success", "neutral", "skipped"].contains(&conclusion) {
            Ok(run_summary(&ended))
        } else {
            Err(format!(
                "run {} of {workflow} completed with conclusion {conclusion}: {}",
                ended["id"],
                ended["html_url"].as_str().unwrap_or_default()
            ))
        }
    })
}

pub fn workflow_runs(context: TaskContext) -> HandlerFuture {
    Box::pin(async move {
        let payload = &context.task.payload;
        let actions = actions_path(payload)?;
        let path = match workflow_of(payload)? {
            Some(workflow) => format!("{actions}/workflows/{workflow}/runs"),
            None => format!("{actions}/runs"),
        };
        let mut query = vec![(
            "per_page",
            payload["per_page"].as_u64().unwrap_or(20).to_string(),
        )];
        for field in ["status", "branch", "event"] {
            if let Some(value) = optional_text(payload, field) {
                query.push((field, value.to_owned()));
            }
        }
        let listed = service(&context)?
            .get(&path, &query)
            .await
            .map_err(|e| e.to_string())?;
        let runs: Vec<Value> = listed["workflow_runs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(run_summary)
            .collect();
        Ok(json!({"total_count": listed["total_count"], "runs": runs}))
    })
}

/// Payload fields naming a repository.
pub fn repository_properties() -> Value {
    let name = json!({"type": "string", "minLength": 1, "maxLength": 100});
    json!({"owner": name, "repo": name})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_in_the_repository_and_runs_match_their_workflow() {
        assert_eq!(
            actions_path(&json!({"owner": "mycosoft", "repo": "site"})),
            Ok("/repos/mycosoft/site/actions".to_owned())
        );
        assert!(actions_path(&json!({"owner": "..", "repo": "x"})).is_err());
        assert!(actions_path(&json!({"owner": "a", "repo": "b/../../c"})).is_err());
        assert!(workflow_of(&json!({"workflow": "../x"})).is_err());
        let run = json!({"workflow_id": 161335, "path": ".github/workflows/deploy.yml"});
        assert!(of_workflow(&run, "deploy.yml") && of_workflow(&run, "161335"));
        assert!(!of_workflow(&run, "ci.yml"));
    }
}
