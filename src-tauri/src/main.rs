//! MYCA Control Plane desktop app: a window over the embedded orchestrator.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod display;
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
            let data_dir = app.path().app_data_dir()?;
            let config = OrchestratorConfig::from_env(Some(&data_dir))?;
            tracing::info!(data_dir = %data_dir.display(), "embedded orchestrator starting");
            app.manage(Arc::new(Orchestrator::new(config)));
            // The window opens at once; the fleet comes up behind it.
            let desktop = Desktop::new();
            match desktop_service_config(&data_dir) {
                Ok(service) => {
                    tauri::async_runtime::spawn(Arc::clone(&desktop).start(service));
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
