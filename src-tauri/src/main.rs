//! MYCA Control Plane desktop app: a window over the embedded orchestrator.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod display;

use std::process::ExitCode;
use std::sync::Arc;

use myca_orchestrator::{Orchestrator, OrchestratorConfig};
use tauri::Manager;

fn main() -> ExitCode {
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
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::get_status])
        .run(tauri::generate_context!());
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("myca-desktop: {error}");
            ExitCode::FAILURE
        }
    }
}
