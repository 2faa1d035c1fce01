//! The window comes back at the size and place the operator left it.
//!
//! The window-state plugin restores what its file holds when the window
//! opens, but writes the file only on a clean exit. An app ended by a
//! logout, a kill or a lost display never gets there, so the file is also
//! written once the window has settled after each move or resize.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{App, Manager, WindowEvent, Wry};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// Where and how big, not whether: the window always opens shown.
const REMEMBERED: StateFlags = StateFlags::all().difference(StateFlags::VISIBLE);

/// A drag or a resize sends a burst of events; one write once it stops.
const SETTLED_AFTER: Duration = Duration::from_millis(500);

pub fn plugin() -> TauriPlugin<Wry> {
    tauri_plugin_window_state::Builder::default()
        .with_state_flags(REMEMBERED)
        .build()
}

/// Writes the window state once the main window stops moving or resizing.
pub fn save_when_settled(app: &App) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let handle = app.handle().clone();
    // Each event bumps it; a write goes ahead only if no later event came.
    let latest = Arc::new(AtomicU64::new(0));
    window.on_window_event(move |event| {
        if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
            return;
        }
        let this = latest.fetch_add(1, Ordering::SeqCst) + 1;
        let (latest, app) = (Arc::clone(&latest), handle.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(SETTLED_AFTER).await;
            if latest.load(Ordering::SeqCst) != this {
                return;
            }
            if let Err(error) = app.save_window_state(REMEMBERED) {
                tracing::warn!(%error, "the window's size and place are not saved");
            }
        });
    });
}
