//! Tauri commands: each one translates to a single orchestrator call
//! (`myca_orchestrator::desktop::Desktop`, see docs/desktop-ipc.md).

use std::sync::Arc;

use myca_agents::protocol::AgentMetrics;
use myca_orchestrator::api::TaskRequest;
use myca_orchestrator::desktop::{
    ActionOutcome, AgentDetail, BulkAction, CatalogEntry, Desktop, DesktopError, ErrorKind,
    FieldError, FleetAgent, FleetEvent, SavedArtifact, SavedLogs, SnapshotTaken, SpawnProgress,
    SpawnRequest, Startup, TaskPage, TaskQuery,
};
use myca_orchestrator::gaps::{Filled, Gap};
use myca_orchestrator::hostset::HostView;
use myca_orchestrator::pool::LogLine;
use myca_orchestrator::snapshots::Restored;
use myca_orchestrator::store::{
    Approval, ApprovalStatus, AuditEntry, LedgerEntry, Paged, SnapshotSummary,
};
use myca_orchestrator::topology::Topology;
use myca_orchestrator::{Orchestrator, SystemStatus};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use uuid::Uuid;

type Fleet<'a> = State<'a, Arc<Desktop>>;
type Answer<T> = Result<T, DesktopError>;

/// A channel as the orchestrator's batch sink: false once the view is gone.
fn sink<T: serde::Serialize + Clone + Send + 'static>(
    channel: Channel<Vec<T>>,
) -> impl FnMut(Vec<T>) -> bool + Send + 'static {
    move |batch| channel.send(batch).is_ok()
}

#[tauri::command]
pub async fn get_status(app: AppHandle) -> SystemStatus {
    let orchestrator = app.state::<Arc<Orchestrator>>().inner().clone();
    orchestrator.status().await
}

#[tauri::command]
pub fn startup_state(fleet: Fleet<'_>) -> Startup {
    fleet.startup()
}

#[tauri::command]
pub async fn list_agents(fleet: Fleet<'_>) -> Answer<Vec<FleetAgent>> {
    fleet.list_agents().await
}

#[tauri::command]
pub fn list_hosts(fleet: Fleet<'_>) -> Answer<Vec<HostView>> {
    fleet.list_hosts()
}

#[tauri::command]
pub async fn agents_action(
    fleet: Fleet<'_>,
    agent_ids: Vec<String>,
    action: BulkAction,
) -> Answer<Vec<ActionOutcome>> {
    fleet.agents_action(&agent_ids, action).await
}

#[tauri::command]
pub async fn scale_agent(
    fleet: Fleet<'_>,
    agent_id: String,
    replicas: usize,
) -> Answer<Vec<FleetAgent>> {
    fleet.scale_agent(&agent_id, replicas).await
}

#[tauri::command]
pub async fn agent_detail(fleet: Fleet<'_>, agent_id: String) -> Answer<AgentDetail> {
    fleet.agent_detail(&agent_id).await
}

#[tauri::command]
pub async fn agent_metrics(
    fleet: Fleet<'_>,
    agent_id: String,
    minutes: u32,
) -> Answer<Vec<AgentMetrics>> {
    fleet.agent_metrics(&agent_id, minutes).await
}

/// Async so it runs on the runtime its stream task is spawned on.
#[tauri::command]
pub async fn watch_fleet(fleet: Fleet<'_>, on_events: Channel<Vec<FleetEvent>>) -> Answer<u32> {
    fleet.watch_fleet(sink(on_events))
}

#[tauri::command]
pub async fn follow_logs(
    fleet: Fleet<'_>,
    agent_id: String,
    tail: usize,
    on_lines: Channel<Vec<LogLine>>,
) -> Answer<u32> {
    fleet.follow_logs(&agent_id, tail, sink(on_lines)).await
}

#[tauri::command]
pub fn unsubscribe(fleet: Fleet<'_>, id: u32) -> bool {
    fleet.unsubscribe(id)
}

/// Where saved logs and artifacts go: the user's downloads directory.
fn downloads(app: &AppHandle) -> Result<std::path::PathBuf, DesktopError> {
    app.path().download_dir().map_err(|error| {
        DesktopError::new(
            ErrorKind::Unavailable,
            format!("no download directory: {error}"),
        )
    })
}

#[tauri::command]
pub async fn save_logs(app: AppHandle, fleet: Fleet<'_>, agent_id: String) -> Answer<SavedLogs> {
    let directory = downloads(&app)?;
    fleet.save_logs(&agent_id, &directory).await
}

#[tauri::command]
pub async fn save_artifact(
    app: AppHandle,
    fleet: Fleet<'_>,
    task_id: String,
    artifact_id: String,
) -> Answer<SavedArtifact> {
    let directory = downloads(&app)?;
    fleet
        .save_artifact(&task_id, &artifact_id, &directory)
        .await
}

#[tauri::command]
pub async fn catalog(fleet: Fleet<'_>) -> Answer<Vec<CatalogEntry>> {
    fleet.catalog().await
}

#[tauri::command]
pub async fn validate_spawn(fleet: Fleet<'_>, request: SpawnRequest) -> Answer<Vec<FieldError>> {
    fleet.validate_spawn(&request).await
}

#[tauri::command]
pub async fn spawn_agent(
    fleet: Fleet<'_>,
    request: SpawnRequest,
    on_progress: Channel<Vec<SpawnProgress>>,
) -> Answer<Vec<FleetAgent>> {
    fleet.spawn_agent(&request, sink(on_progress)).await
}

#[tauri::command]
pub async fn list_tasks(fleet: Fleet<'_>, query: TaskQuery) -> Answer<TaskPage> {
    fleet.list_tasks(query).await
}

#[tauri::command]
pub async fn submit_task(fleet: Fleet<'_>, request: TaskRequest) -> Answer<LedgerEntry> {
    fleet.submit_task(request).await
}

#[tauri::command]
pub async fn cancel_task(fleet: Fleet<'_>, task_id: Uuid) -> Answer<LedgerEntry> {
    fleet.cancel_task(task_id).await
}

#[tauri::command]
pub async fn retry_task(fleet: Fleet<'_>, task_id: Uuid) -> Answer<LedgerEntry> {
    fleet.retry_task(task_id).await
}

#[tauri::command]
pub async fn take_snapshot(
    fleet: Fleet<'_>,
    agent_id: String,
    reason: String,
) -> Answer<SnapshotTaken> {
    fleet.take_snapshot(&agent_id, &reason).await
}

#[tauri::command]
pub async fn list_snapshots(
    fleet: Fleet<'_>,
    agent_id: String,
    cursor: Option<i64>,
) -> Answer<Paged<SnapshotSummary>> {
    fleet.list_snapshots(&agent_id, cursor).await
}

#[tauri::command]
pub async fn restore_snapshot(
    fleet: Fleet<'_>,
    snapshot_id: i64,
    agent_id: Option<String>,
) -> Answer<Restored> {
    fleet
        .restore_snapshot(snapshot_id, agent_id.as_deref())
        .await
}

#[tauri::command]
pub async fn topology(fleet: Fleet<'_>, window_seconds: i64) -> Answer<Topology> {
    fleet.topology(window_seconds).await
}

#[tauri::command]
pub async fn list_gaps(fleet: Fleet<'_>) -> Answer<Vec<Gap>> {
    fleet.list_gaps().await
}

#[tauri::command]
pub async fn fill_gap(fleet: Fleet<'_>, agent_id: String, by: String) -> Answer<Filled> {
    fleet.fill_gap(&agent_id, &by).await
}

#[tauri::command]
pub async fn list_approvals(
    fleet: Fleet<'_>,
    status: Option<ApprovalStatus>,
) -> Answer<Vec<Approval>> {
    fleet.list_approvals(status).await
}

#[tauri::command]
pub async fn decide_approval(
    fleet: Fleet<'_>,
    id: Uuid,
    approve: bool,
    by: String,
) -> Answer<Filled> {
    fleet.decide_approval(id, approve, &by).await
}

#[tauri::command]
pub async fn audit(fleet: Fleet<'_>, cursor: Option<i64>) -> Answer<Paged<AuditEntry>> {
    fleet.audit(cursor).await
}
