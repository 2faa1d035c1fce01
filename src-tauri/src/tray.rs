//! The tray icon and the notifications: draws what
//! `myca_orchestrator::desktop::tray` decides.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use myca_orchestrator::desktop::{BulkAction, Desktop, Notice, Notifier, TraySummary};
use tauri::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};
use tauri_plugin_notification::NotificationExt;

/// How often the tray looks at the fleet.
const REFRESH_EVERY: Duration = Duration::from_secs(3);

/// The menu items whose text follows the fleet.
struct Lines([MenuItem<Wry>; 3]);

/// Builds the tray and starts following the fleet.
pub fn install(app: &AppHandle, desktop: Arc<Desktop>) -> tauri::Result<()> {
    let [running, errors, unreachable] = TraySummary::starting_lines();
    // Disabled: they inform, a click does nothing.
    let line = |text: String| MenuItem::new(app, text, false, None::<&str>);
    let lines = Lines([line(running)?, line(errors)?, line(unreachable)?]);
    let open = MenuItem::with_id(app, "open", "Open window", true, None::<&str>)?;
    let pause = CheckMenuItem::with_id(
        app,
        "pause",
        "Pause notifications",
        true,
        false,
        None::<&str>,
    )?;
    // Leaving the agents running is the first choice: the next start adopts them.
    let quit = Submenu::with_items(
        app,
        "Quit",
        true,
        &[
            &MenuItem::with_id(app, "quit", "Quit, agents keep running", true, None::<&str>)?,
            &MenuItem::with_id(
                app,
                "quit-stop",
                "Quit and stop all agents",
                true,
                None::<&str>,
            )?,
        ],
    )?;
    let [running, errors, unreachable] = &lines.0;
    let menu = Menu::with_items(
        app,
        &[
            running,
            errors,
            unreachable,
            &PredefinedMenuItem::separator(app)?,
            &open,
            &pause,
            &PredefinedMenuItem::separator(app)?,
            &quit,
        ],
    )?;
    let notifier = Arc::new(Mutex::new(Notifier::default()));
    let (on_menu, menu_desktop) = (Arc::clone(&notifier), Arc::clone(&desktop));
    let mut tray = TrayIconBuilder::with_id("main")
        .menu(&menu)
        .on_menu_event(move |app, event| on_menu_event(app, &event, &on_menu, &menu_desktop));
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    let tray = tray.build(app)?;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            refresh(&app, &tray, &lines, &notifier, &desktop).await;
            tokio::time::sleep(REFRESH_EVERY).await;
        }
    });
    Ok(())
}

async fn refresh(
    app: &AppHandle,
    tray: &TrayIcon,
    lines: &Lines,
    notifier: &Mutex<Notifier>,
    desktop: &Desktop,
) {
    // Until the fleet runs there is nothing to count; the window says why.
    let Ok(snapshot) = desktop.fleet_snapshot().await else {
        return;
    };
    let summary = snapshot.summary();
    for (item, text) in lines.0.iter().zip(summary.lines()) {
        if let Err(error) = item.set_text(text) {
            tracing::warn!(%error, "tray menu not updated");
        }
    }
    if let Err(error) = tray.set_tooltip(Some(summary.tooltip())) {
        tracing::warn!(%error, "tray tooltip not updated");
    }
    let notices = notifier
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .observe(&snapshot);
    for notice in notices {
        notify(app, &notice);
    }
}

fn notify(app: &AppHandle, notice: &Notice) {
    let shown = app
        .notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show();
    // No notification service on this desktop: the tray and window still tell.
    if let Err(error) = shown {
        tracing::warn!(%error, title = %notice.title, "notification not shown");
    }
}

fn on_menu_event(
    app: &AppHandle,
    event: &MenuEvent,
    notifier: &Mutex<Notifier>,
    desktop: &Arc<Desktop>,
) {
    match event.id().as_ref() {
        "open" => show_window(app),
        "pause" => {
            let mut notifier = notifier.lock().unwrap_or_else(|p| p.into_inner());
            let paused = !notifier.paused();
            notifier.set_paused(paused);
            tracing::info!(paused, "notifications");
        }
        "quit" => app.exit(0),
        "quit-stop" => {
            let (app, desktop) = (app.clone(), Arc::clone(desktop));
            tauri::async_runtime::spawn(async move {
                stop_all(&desktop).await;
                app.exit(0);
            });
        }
        _ => {}
    }
}

async fn stop_all(desktop: &Desktop) {
    let ids = match desktop.agent_ids().await {
        Ok(ids) => ids,
        Err(error) => {
            tracing::warn!(%error, "agents not stopped: the fleet is not running");
            return;
        }
    };
    match desktop.agents_action(&ids, BulkAction::Stop).await {
        Ok(outcomes) => {
            for failed in outcomes.iter().filter(|o| !o.ok) {
                tracing::warn!(agent_id = %failed.agent_id, message = %failed.message, "not stopped");
            }
        }
        Err(error) => tracing::warn!(%error, "agents not stopped"),
    }
}

/// Brings the main window up: from the tray, or when a second launch asks.
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let shown = window
            .unminimize()
            .and_then(|()| window.show())
            .and_then(|()| window.set_focus());
        if let Err(error) = shown {
            tracing::warn!(%error, "the window could not be brought up");
        }
    }
}
