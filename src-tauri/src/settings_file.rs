//! The setup's non-secret record in the Tauri store plugin's file
//! (`settings.json` in the app's data directory).

use std::sync::Arc;

use myca_orchestrator::desktop::setup::SettingsFile;
use serde_json::Value;
use tauri::Wry;
use tauri_plugin_store::Store;

/// The document's key in the file.
const KEY: &str = "setup";
pub const FILE: &str = "settings.json";

pub struct PluginSettings(pub Arc<Store<Wry>>);

impl SettingsFile for PluginSettings {
    fn load(&self) -> Option<Value> {
        self.0.get(KEY)
    }

    fn save(&self, value: Value) -> Result<(), String> {
        self.0.set(KEY, value);
        self.0.save().map_err(|error| error.to_string())
    }
}
