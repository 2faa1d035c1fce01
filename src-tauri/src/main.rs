//! MYCA Control Plane desktop app: a window over the embedded orchestrator.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod display;
mod host_commands;
mod webkit_memory;

use std::process::ExitCode;
use std::sync::Arc;

use myca_orchestrator::desktop::{desktop_service_config, Desktop};
use myca_orchestrator::{Orchestrator, OrchestratorConfig};
use tauri::Manager;

fn main() -> ExitCode {
    webkit_memory::apply_lean_defaults();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MYCA_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    // GTK aborts without a display; say so instead and point to the headless mode.
    if let Err(message) = display::require_display() {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    let outcome = tauri::Builder::default()
        .setup(|app| {
            // The same place `myca serve` uses: one fleet, whichever runs it.
            let data_dir = myca_orchestrator::config::default_data_dir()?;
            let config = OrchestratorConfig::from_env(Some(&data_dir))?;
            tracing::info!(data_dir = %data_dir.display(), "embedded orchestrator starting");
            app.manage(Arc::new(Orchestrator::new(config)));
            // The window opens at once; the fleet comes up behind it.
            let desktop = Desktop::new();
            match desktop_service_config(&data_dir) {
                Ok(service) => {
                    let desktop = Arc::clone(&desktop);
                    tauri::async_runtime::spawn(async move {
                        Arc::clone(&desktop).start(service).await;
                        serve_api_if_enabled(&desktop).await;
                    });
                }
                Err(error) => desktop.config_failed(error.to_string()),
            }
            app.manage(desktop);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_status,
            commands::startup_state,
            commands::list_agents,
            commands::list_hosts,
            commands::agents_action,
            commands::scale_agent,
            commands::agent_detail,
            commands::agent_metrics,
            commands::watch_fleet,
            commands::follow_logs,
            commands::unsubscribe,
            commands::save_logs,
            commands::catalog,
            commands::validate_spawn,
            commands::spawn_agent,
            commands::list_tasks,
            commands::submit_task,
            commands::cancel_task,
            commands::retry_task,
            commands::take_snapshot,
            commands::list_snapshots,
            commands::restore_snapshot,
            commands::topology,
            commands::list_gaps,
            commands::fill_gap,
            commands::list_approvals,
            commands::decide_approval,
            commands::audit,
            host_commands::host_entries,
            host_commands::ssh_config_entries,
            host_commands::generate_host_key,
            host_commands::read_host_key,
            host_commands::test_host,
            host_commands::save_host,
            host_commands::set_host_enabled,
            host_commands::repin_host_key,
            host_commands::remove_host,
        ])
        .run(tauri::generate_context!());
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("myca-desktop: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The app's HTTP API, when the operator asks for it with
/// `MYCA_DESKTOP_API=127.0.0.1:PORT`.
async fn serve_api_if_enabled(desktop: &Arc<Desktop>) {
    let Ok(wanted) = std::env::var(myca_orchestrator::desktop::DESKTOP_API_ENV) else {
        return;
    };
    match wanted.parse() {
        Ok(address) => {
            if let Err(error) = desktop.serve_api(address).await {
                tracing::warn!(%error, "the app's HTTP API is off");
            }
        }
        Err(_) => tracing::warn!(%wanted, "MYCA_DESKTOP_API is not an address like 127.0.0.1:8001"),
    }
}
