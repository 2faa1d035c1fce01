//! The Hosts view's commands: each one translates to a single orchestrator
//! call (`myca_orchestrator::desktop::Desktop`, see docs/desktop-ipc.md).

use std::sync::Arc;

use myca_orchestrator::desktop::{Desktop, DesktopError, GeneratedKey, HostDraft, HostEntry};
use myca_orchestrator::hosts::{HostReport, SshConfigEntry};
use myca_orchestrator::service::{AgentsOnRemoval, JoinedHost};
use tauri::State;

type Fleet<'a> = State<'a, Arc<Desktop>>;
type Answer<T> = Result<T, DesktopError>;

#[tauri::command]
pub fn host_entries(fleet: Fleet<'_>) -> Answer<Vec<HostEntry>> {
    fleet.host_entries()
}

#[tauri::command]
pub async fn ssh_config_entries(fleet: Fleet<'_>) -> Answer<Vec<SshConfigEntry>> {
    fleet.ssh_config_entries().await
}

#[tauri::command]
pub async fn generate_host_key(fleet: Fleet<'_>, name: String) -> Answer<GeneratedKey> {
    fleet.generate_host_key(&name).await
}

#[tauri::command]
pub async fn read_host_key(fleet: Fleet<'_>, draft: HostDraft) -> Answer<String> {
    fleet.read_host_key(&draft).await
}

#[tauri::command]
pub async fn test_host(fleet: Fleet<'_>, draft: HostDraft) -> Answer<HostReport> {
    fleet.test_host(&draft).await
}

#[tauri::command]
pub async fn save_host(fleet: Fleet<'_>, draft: HostDraft) -> Answer<JoinedHost> {
    fleet.save_host(&draft).await
}

#[tauri::command]
pub async fn set_host_enabled(fleet: Fleet<'_>, name: String, enabled: bool) -> Answer<JoinedHost> {
    fleet.set_host_enabled(&name, enabled).await
}

#[tauri::command]
pub async fn repin_host_key(
    fleet: Fleet<'_>,
    name: String,
    fingerprint: String,
) -> Answer<JoinedHost> {
    fleet.repin_host_key(&name, &fingerprint).await
}

#[tauri::command]
pub async fn remove_host(
    fleet: Fleet<'_>,
    name: String,
    agents: AgentsOnRemoval,
) -> Answer<Vec<String>> {
    fleet.remove_host(&name, agents).await
}
