//! Tauri commands: each one translates to a single orchestrator call.

use std::sync::Arc;

use myca_orchestrator::{Orchestrator, SystemStatus};
use tauri::{AppHandle, Manager};

#[tauri::command]
pub async fn get_status(app: AppHandle) -> SystemStatus {
    let orchestrator = app.state::<Arc<Orchestrator>>().inner().clone();
    orchestrator.status().await
}
