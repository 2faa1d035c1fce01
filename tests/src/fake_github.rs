//! The GitHub Actions REST API on loopback, answering as GitHub documents
//! it: `Authorization: Bearer` (401 `Bad credentials` otherwise), a
//! User-Agent required (403), `X-GitHub-Api-Version` checked (400),
//! `x-ratelimit-*` headers on every answer and a token whose limit is used
//! up (403 with `x-ratelimit-remaining: 0`); `POST …/workflows/{wf}/dispatches`
//! answering 204 (404 for an unknown workflow, 422 for an unknown ref or
//! inputs the workflow does not declare), the run appearing only at a later
//! listing, and each look at a run moving it queued → in_progress →
//! completed with the workflow's conclusion. Pull requests' files
//! (`GET …/pulls/{n}/files`, `per_page` up to 100 and `page`): pull
//! [`LARGE_PULL`] changes 130 files, one of them a workflow; pull
//! [`SMALL_PULL`] three source files; any other is a 404.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub const OWNER: &str = "mycosoft";
pub const REPO: &str = "site";
/// The repository whose latest release is [`FIRMWARE_TAG`].
pub const FIRMWARE_REPO: &str = "mycobrain-firmware";
pub const FIRMWARE_TAG: &str = "v1.5.0";
/// A token GitHub knows but whose hourly limit is used up.
pub const LIMITED_TOKEN: &str = "ghp_limitedlimitedlimitedlimited0001";
/// A pull request changing 129 source files and `.github/workflows/deploy.yml`.
pub const LARGE_PULL: u64 = 7;
/// A pull request changing three source files.
pub const SMALL_PULL: u64 = 8;
const DOCS: &str = "https://docs.github.com/rest";

/// A workflow: id, file, declared inputs, the conclusion its runs reach.
struct Workflow {
    id: u64,
    file: &'static str,
    inputs: &'static [&'static str],
    conclusion: &'static str,
}

const WORKFLOWS: [Workflow; 2] = [
    Workflow {
        id: 161_335,
        file: "deploy.yml",
        inputs: &["version"],
        conclusion: "success",
    },
    Workflow {
        id: 161_336,
        file: "broken.yml",
        inputs: &[],
        conclusion: "failure",
    },
];
const BRANCHES: [&str; 2] = ["main", "release"];

#[derive(Default)]
pub struct Actions {
    pub runs: Vec<Value>,
    /// Inputs each dispatch was given, in order.
    pub dispatched: Vec<(String, Value)>,
    /// Runs not yet listed: GitHub shows a dispatched run a little later.
    hidden: Vec<u64>,
    next_id: u64,
}

#[derive(Clone)]
struct Fake {
    actions: Arc<Mutex<Actions>>,
    token: String,
}

pub struct FakeGithub {
    pub address: SocketAddr,
    pub actions: Arc<Mutex<Actions>>,
}

fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({"message": message, "documentation_url": DOCS, "status": status.as_u16().to_string()});
    (status, Json(body)).into_response()
}

/// GitHub's checks before any route: API version, User-Agent, token, limit.
fn refused(fake: &Fake, headers: &HeaderMap) -> Option<Response> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header("x-github-api-version").is_some_and(|v| v != "2022-11-28") {
        return Some(error(StatusCode::BAD_REQUEST, "Unsupported API version"));
    }
    if header("user-agent").is_none() {
        return Some(error(
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
        ));
    }
    assert_eq!(header("accept"), Some("application/vnd.github+json"));
    let token = header("authorization").and_then(|v| v.strip_prefix("Bearer "));
    if token == Some(LIMITED_TOKEN) {
        let mut response = error(
            StatusCode::FORBIDDEN,
            "API rate limit exceeded for user ID 4242. If you reach out to GitHub Support for help, please include the request ID.",
        );
        limit_headers(&mut response, 0);
        return Some(response);
    }
    if token != Some(fake.token.as_str()) {
        return Some(error(StatusCode::UNAUTHORIZED, "Bad credentials"));
    }
    None
}

fn limit_headers(response: &mut Response, remaining: u64) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", 5000),
        ("x-ratelimit-remaining", remaining),
        ("x-ratelimit-used", 5000 - remaining),
        // Soon, so a client honouring it retries within the test.
        ("x-ratelimit-reset", now_epoch() + 1),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    headers.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
}

fn answer(body: Response) -> Response {
    let mut response = body;
    limit_headers(&mut response, 4999);
    response
}

fn known_repo(owner: &str, repo: &str) -> bool {
    owner == OWNER && repo == REPO
}

fn workflow(name: &str) -> Option<&'static Workflow> {
    WORKFLOWS
        .iter()
        .find(|w| w.file == name || w.id.to_string() == name)
}

async fn dispatch(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((owner, repo, name)): Path<(String, String, String)>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refusal) = refused(&fake, &headers) {
        return refusal;
    }
    let Some(workflow) = workflow(&name).filter(|_| known_repo(&owner, &repo)) else {
        return answer(error(StatusCode::NOT_FOUND, "Not Found"));
    };
    let branch = body["ref"].as_str().unwrap_or_default();
    if !BRANCHES.contains(&branch) {
        return answer(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("No ref found for: {branch}"),
        ));
    }
    let inputs = body["inputs"].as_object().cloned().unwrap_or_default();
    let unexpected: Vec<&String> = inputs
        .keys()
        .filter(|k| !workflow.inputs.contains(&k.as_str()))
        .collect();
    if !unexpected.is_empty() {
        return answer(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Unexpected inputs provided: {unexpected:?}"),
        ));
    }
    let mut actions = fake.actions.lock().unwrap();
    actions.next_id += 1;
    let id = 9_000_000_000 + actions.next_id;
    let run_number = actions.next_id;
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    actions.runs.push(json!({
        "id": id, "name": workflow.file.trim_end_matches(".yml"), "node_id": format!("WFR_kw{id}"),
        "head_branch": branch, "head_sha": "4f1c2d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e",
        "path": format!(".github/workflows/{}", workflow.file), "display_title": workflow.file,
        "run_number": run_number, "run_attempt": 1, "event": "workflow_dispatch",
        "status": "queued", "conclusion": null, "workflow_id": workflow.id,
        "url": format!("https://api.github.com/repos/{OWNER}/{REPO}/actions/runs/{id}"),
        "html_url": format!("https://github.com/{OWNER}/{REPO}/actions/runs/{id}"),
        "created_at": created, "updated_at": created, "run_started_at": created,
    }));
    actions.hidden.push(id);
    actions
        .dispatched
        .push((workflow.file.to_owned(), Value::Object(inputs)));
    answer(StatusCode::NO_CONTENT.into_response())
}

fn list(
    fake: &Fake,
    headers: &HeaderMap,
    owner: &str,
    repo: &str,
    only: Option<&Workflow>,
    query: &BTreeMap<String, String>,
) -> Response {
    if let Some(refusal) = refused(fake, headers) {
        return refusal;
    }
    if !known_repo(owner, repo) {
        return answer(error(StatusCode::NOT_FOUND, "Not Found"));
    }
    let mut actions = fake.actions.lock().unwrap();
    let hidden = std::mem::take(&mut actions.hidden);
    let per_page: usize = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30);
    let matches = |run: &&Value| {
        let field = |name: &str, key: &str| {
            query
                .get(name)
                .is_none_or(|wanted| run[key].as_str() == Some(wanted.as_str()))
        };
        !hidden.contains(&run["id"].as_u64().unwrap_or(0))
            && only.is_none_or(|w| run["workflow_id"] == w.id)
            && field("event", "event")
            && field("branch", "head_branch")
            && query.get("status").is_none_or(|wanted| {
                run["status"] == wanted.as_str() || run["conclusion"] == wanted.as_str()
            })
    };
    let runs: Vec<Value> = actions.runs.iter().rev().filter(matches).cloned().collect();
    let total = runs.len();
    let page: Vec<Value> = runs.into_iter().take(per_page).collect();
    answer(Json(json!({"total_count": total, "workflow_runs": page})).into_response())
}

async fn repo_runs(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((owner, repo)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    list(&fake, &headers, &owner, &repo, None, &query)
}

async fn workflow_runs(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((owner, repo, name)): Path<(String, String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    match workflow(&name) {
        Some(workflow) => list(&fake, &headers, &owner, &repo, Some(workflow), &query),
        None => refused(&fake, &headers)
            .unwrap_or_else(|| answer(error(StatusCode::NOT_FOUND, "Not Found"))),
    }
}

/// Each look moves a run on: queued → in_progress → completed.
async fn run(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((owner, repo, id)): Path<(String, String, u64)>,
) -> Response {
    if let Some(refusal) = refused(&fake, &headers) {
        return refusal;
    }
    let mut actions = fake.actions.lock().unwrap();
    let Some(run) = actions
        .runs
        .iter_mut()
        .find(|r| r["id"] == id && known_repo(&owner, &repo))
    else {
        return answer(error(StatusCode::NOT_FOUND, "Not Found"));
    };
    let current = run.clone();
    match run["status"].as_str() {
        Some("queued") => run["status"] = json!("in_progress"),
        Some("in_progress") => {
            let conclusion =
                workflow(&run["workflow_id"].to_string()).map_or("failure", |w| w.conclusion);
            run["status"] = json!("completed");
            run["conclusion"] = json!(conclusion);
        }
        _ => {}
    }
    answer(Json(current).into_response())
}

fn changed(name: String, additions: u64, deletions: u64) -> Value {
    json!({"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": name, "status": "modified",
           "additions": additions, "deletions": deletions, "changes": additions + deletions})
}

async fn pull_files(
    State(fake): State<Fake>,
    headers: HeaderMap,
    Path((owner, repo, number)): Path<(String, String, u64)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if let Some(refusal) = refused(&fake, &headers) {
        return refusal;
    }
    let files: Vec<Value> = match number {
        LARGE_PULL if known_repo(&owner, &repo) => (0..129)
            .map(|i| changed(format!("src/module_{i}.rs"), 5, 2))
            .chain([changed(".github/workflows/deploy.yml".into(), 3, 1)])
            .collect(),
        SMALL_PULL if known_repo(&owner, &repo) => ["src/lib.rs", "src/api.rs", "README.md"]
            .into_iter()
            .map(|name| changed(name.to_owned(), 10, 4))
            .collect(),
        _ => return answer(error(StatusCode::NOT_FOUND, "Not Found")),
    };
    let number = |name: &str, default: usize| {
        query
            .get(name)
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let per_page = number("per_page", 30).clamp(1, 100);
    let page = number("page", 1).max(1);
    let shown: Vec<Value> = files
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    answer(Json(shown).into_response())
}

/// `GET /repos/{owner}/{repo}/releases/latest`: the newest published,
/// non-prerelease release; 404 when the repository has none.
async fn latest_release(
    State(fake): State<Fake>,
    Path((owner, repo)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = refused(&fake, &headers) {
        return refusal;
    }
    if owner != OWNER || repo != FIRMWARE_REPO {
        return answer(error(StatusCode::NOT_FOUND, "Not Found"));
    }
    let download =
        format!("https://github.com/{OWNER}/{FIRMWARE_REPO}/releases/download/{FIRMWARE_TAG}");
    answer(Json(json!({
        "id": 171717, "tag_name": FIRMWARE_TAG, "name": "MycoBrain 1.5.0", "draft": false, "prerelease": false,
        "published_at": "2026-11-30T09:00:00Z", "body": "BME690 support, faster OTA",
        "html_url": format!("https://github.com/{OWNER}/{FIRMWARE_REPO}/releases/tag/{FIRMWARE_TAG}"),
        "assets": [{"id": 9001, "name": "mycobrain-1.5.0.bin", "size": 1048576, "content_type": "application/octet-stream",
                    "browser_download_url": format!("{download}/mycobrain-1.5.0.bin")}],
    })).into_response())
}

impl FakeGithub {
    /// Serves the API on a loopback port; `token` is the one valid token.
    pub async fn start(token: &str) -> Self {
        let actions = Arc::new(Mutex::new(Actions::default()));
        let fake = Fake {
            actions: actions.clone(),
            token: token.to_owned(),
        };
        let app = Router::new()
            .route(
                "/repos/{owner}/{repo}/actions/workflows/{workflow}/dispatches",
                post(dispatch),
            )
            .route(
                "/repos/{owner}/{repo}/actions/workflows/{workflow}/runs",
                get(workflow_runs),
            )
            .route("/repos/{owner}/{repo}/actions/runs", get(repo_runs))
            .route(
                "/repos/{owner}/{repo}/pulls/{number}/files",
                get(pull_files),
            )
            .route("/repos/{owner}/{repo}/actions/runs/{id}", get(run))
            .route("/repos/{owner}/{repo}/releases/latest", get(latest_release))
            .fallback(|| async { answer(error(StatusCode::NOT_FOUND, "Not Found")) })
            .with_state(fake);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { address, actions }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}
