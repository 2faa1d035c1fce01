//! MYCA Control Plane desktop app: a window over the embedded orchestrator.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod display;
mod host_commands;
mod settings_file;
mod setup_commands;
mod tray;
mod webkit_memory;
mod window_gl;
mod window_memory;

use std::process::ExitCode;
use std::sync::Arc;

use myca_orchestrator::desktop::setup::Setup;
use myca_orchestrator::desktop::{instance_id, Desktop};
use myca_orchestrator::{Orchestrator, OrchestratorConfig};
use settings_file::PluginSettings;
use tauri::Manager;
use tauri_plugin_store::StoreExt;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    webkit_memory::apply_lean_defaults();
    // The saved log level is known once the settings file is open.
    let logging = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("MYCA_LOG").unwrap_or_else(|_| "info".into()))
        .with_filter_reloading();
    let log_filter = logging.reload_handle();
    logging.init();
    // GTK aborts without a display; say so instead and point to the headless mode.
    if let Err(message) = display::require_display() {
        eprintln!("{message}");
        return ExitCode::from(2);
    }
    let data_dir = match myca_orchestrator::config::default_data_dir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("myca-desktop: {error}");
            return ExitCode::FAILURE;
        }
    };
    let context = tauri::generate_context!();
    let instance = instance_id(&context.config().identifier, &data_dir);
    let outcome = tauri::Builder::default()
        // First, so a second launch over the same fleet stops here.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(|app, _argv, _cwd| tray::show_window(app))
                .build(),
        )
        .plugin(window_memory::plugin())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_store::Builder::default().build())
        .setup(move |app| {
            // The same place `myca serve` uses: one fleet, whichever runs it.
            let config = OrchestratorConfig::from_env(Some(&data_dir))?;
            tracing::info!(data_dir = %data_dir.display(), "embedded orchestrator starting");
            app.manage(Arc::new(Orchestrator::new(config)));
            let settings = PluginSettings(app.store(settings_file::FILE)?);
            let version = app.package_info().version.to_string();
            let setup = Setup::new(Arc::new(settings), &data_dir, &version);
            if let Err(error) = log_filter.reload(EnvFilter::new(setup.log_filter())) {
                tracing::warn!(%error, "the saved log level is not applied");
            }
            // The window opens at once; the fleet comes up behind it.
            let desktop = Desktop::new();
            let (starting, starter) = (Arc::clone(&desktop), Arc::clone(&setup));
            tauri::async_runtime::spawn(async move {
                match starter.service_config().await {
                    Ok(service) => {
                        Arc::clone(&starting).start(service).await;
                        serve_api_if_enabled(&starting, &starter).await;
                    }
                    Err(error) => starting.config_failed(error),
                }
            });
            tray::install(app.handle(), Arc::clone(&desktop))?;
            window_memory::save_when_settled(app);
            app.manage(desktop);
            app.manage(setup);
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
            commands::save_artifact,
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
            setup_commands::setup_state,
            setup_commands::setup_step,
            setup_commands::setup_completed,
            setup_commands::probe_docker,
            setup_commands::test_broker,
            setup_commands::save_broker,
            setup_commands::test_store,
            setup_commands::save_store,
            setup_commands::choose_kinds,
            setup_commands::credential_kinds,
            setup_commands::list_credentials,
            setup_commands::set_credential,
            setup_commands::delete_credential,
            setup_commands::check_credential,
            setup_commands::save_settings,
            setup_commands::api_key,
            setup_commands::about,
            setup_commands::restart_app,
        ])
        .run(context);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("myca-desktop: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The app's HTTP API, when the operator turned it on in Settings or asks
/// for it with `MYCA_DESKTOP_API=127.0.0.1:PORT`.
async fn serve_api_if_enabled(desktop: &Arc<Desktop>, setup: &Setup) {
    if let Some(address) = setup.api_address() {
        if let Err(error) = desktop.serve_api(address).await {
            tracing::warn!(%error, "the app's HTTP API is off");
        }
    }
}
