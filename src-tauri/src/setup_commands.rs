//! Commands of the setup wizard, the credentials view and the settings
//! view: each one call of `myca_orchestrator::desktop::setup::Setup`.

use std::sync::Arc;

use myca_orchestrator::desktop::setup::{
    About, ApiKeyView, AppSettings, BrokerTested, CredentialKind, CredentialStatus, EngineProbe,
    Setup, SetupStep, SetupView, StepOutcome, StoreTested,
};
use myca_orchestrator::desktop::{Desktop, DesktopError};
use tauri::State;

type Wizard<'a> = State<'a, Arc<Setup>>;
type Answer<T> = Result<T, DesktopError>;

#[tauri::command]
pub async fn setup_state(setup: Wizard<'_>) -> Answer<SetupView> {
    Ok(setup.view().await)
}

#[tauri::command]
pub async fn setup_step(
    setup: Wizard<'_>,
    step: SetupStep,
    outcome: StepOutcome,
) -> Answer<SetupView> {
    setup.step_done(step, outcome).await
}

#[tauri::command]
pub async fn setup_completed(setup: Wizard<'_>, completed: bool) -> Answer<SetupView> {
    setup.set_completed(completed).await
}

#[tauri::command]
pub async fn probe_docker(setup: Wizard<'_>) -> Answer<EngineProbe> {
    Ok(setup.probe_docker().await)
}

#[tauri::command]
pub async fn test_broker(setup: Wizard<'_>, url: String) -> Answer<BrokerTested> {
    setup.test_broker(&url).await
}

#[tauri::command]
pub async fn save_broker(setup: Wizard<'_>, url: Option<String>) -> Answer<SetupView> {
    setup.save_broker(url).await
}

#[tauri::command]
pub async fn test_store(setup: Wizard<'_>, url: String) -> Answer<StoreTested> {
    setup.test_store(&url).await
}

#[tauri::command]
pub async fn save_store(setup: Wizard<'_>, url: Option<String>) -> Answer<SetupView> {
    setup.save_store(url).await
}

#[tauri::command]
pub async fn choose_kinds(setup: Wizard<'_>, kinds: Vec<String>) -> Answer<SetupView> {
    setup.choose_kinds(kinds).await
}

#[tauri::command]
pub fn credential_kinds(setup: Wizard<'_>) -> Vec<CredentialKind> {
    setup.credential_kinds()
}

#[tauri::command]
pub async fn list_credentials(setup: Wizard<'_>) -> Answer<Vec<CredentialStatus>> {
    Ok(setup.list_credentials().await)
}

#[tauri::command]
pub async fn set_credential(
    setup: Wizard<'_>,
    name: String,
    value: String,
) -> Answer<CredentialStatus> {
    setup.set_credential(&name, &value).await
}

#[tauri::command]
pub async fn delete_credential(setup: Wizard<'_>, name: String) -> Answer<CredentialStatus> {
    setup.delete_credential(&name).await
}

#[tauri::command]
pub async fn check_credential(
    setup: Wizard<'_>,
    fleet: State<'_, Arc<Desktop>>,
    name: String,
) -> Answer<CredentialStatus> {
    setup.check_credential(&fleet, &name).await
}

#[tauri::command]
pub async fn save_settings(setup: Wizard<'_>, settings: AppSettings) -> Answer<SetupView> {
    setup.save_settings(settings).await
}

#[tauri::command]
pub async fn api_key(setup: Wizard<'_>, create: bool) -> Answer<ApiKeyView> {
    setup.api_key(create).await
}

#[tauri::command]
pub async fn about(setup: Wizard<'_>) -> Answer<About> {
    Ok(setup.about().await)
}

/// Store, broker and settings apply at start: the operator restarts.
#[tauri::command]
pub fn restart_app(app: tauri::AppHandle) {
    app.restart();
}
