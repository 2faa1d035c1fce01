//! The first-run wizard as an operator completes it through the window:
//! the local engine, the managed broker, SQLite, and one credential typed
//! once into the OS keyring; then an agent spawned from the catalog: steps
//! any story that sets a fresh app up can take.

use fantoccini::Client;

use crate::desktop::save_screenshot;
use crate::window::{click, find, open_view, testid, type_into, wait_for_text};

/// The keyring service every credential of the app is filed under.
pub const KEYRING_SERVICE: &str = "myca-control-plane";

/// Walks the wizard from its first step to the ready fleet, storing
/// `secret` as `credential` of `kind`; screenshots `{prefix}-N-step.png`.
/// The value must leave the form and never come back to the page.
pub async fn complete_wizard(
    client: &Client,
    kind: &str,
    credential: &str,
    secret: &str,
    prefix: &str,
) {
    find(client, &format!("{}[data-loaded='true']", testid("setup"))).await;
    wait_for_text(client, &testid("docker-found"), "Found Docker Engine").await;
    save_screenshot(client, &format!("{prefix}-1-docker.png")).await;
    click(client, "docker-continue").await;

    find(client, "[data-testid='setup'][data-step='broker']").await;
    save_screenshot(client, &format!("{prefix}-2-broker.png")).await;
    click(client, "broker-save").await;

    find(client, "[data-testid='setup'][data-step='store']").await;
    save_screenshot(client, &format!("{prefix}-3-store.png")).await;
    click(client, "store-save").await;

    find(client, "[data-testid='setup'][data-step='credentials']").await;
    click(client, &format!("pick-{kind}")).await;
    let state = testid(&format!("credential-state-{credential}"));
    wait_for_text(client, &state, "missing").await;
    type_into(client, &format!("credential-value-{credential}"), secret).await;
    click(client, &format!("credential-store-{credential}")).await;
    wait_for_text(client, &state, "present").await;
    let field = find(client, &testid(&format!("credential-value-{credential}"))).await;
    assert_eq!(
        field.prop("value").await.unwrap().unwrap_or_default(),
        "",
        "the field forgets the value"
    );
    let page = client.source().await.unwrap();
    assert!(
        !page.contains(secret),
        "the value never comes back to the page"
    );
    save_screenshot(client, &format!("{prefix}-4-credentials.png")).await;
    click(client, "setup-finish").await;
    find(client, "[data-testid='topbar'][data-phase='ready']").await;
}

/// Spawns `agent_id` of `kind` from the catalog with the given kind
/// settings and waits until the spawn finished without failing.
pub async fn spawn_from_catalog(
    client: &Client,
    kind: &str,
    agent_id: &str,
    settings: &[(&str, &str)],
) {
    open_view(client, "catalog").await;
    click(client, &format!("kind-{kind}")).await;
    type_into(client, "spawn-agent-id", agent_id).await;
    for (name, value) in settings {
        type_into(client, &format!("spawn-setting-{name}"), value).await;
    }
    click(client, "spawn-submit").await;
    let progress = find(
        client,
        &format!("{}[data-finished='true']", testid("spawn-progress")),
    )
    .await;
    assert_ne!(
        progress.attr("data-failed").await.unwrap().as_deref(),
        Some("true"),
        "spawn failed: {}",
        progress.text().await.unwrap()
    );
}

/// What `secret-tool` finds for the app's keyring item `username`.
pub fn secret_tool_lookup(username: &str) -> Option<String> {
    let output = std::process::Command::new("secret-tool")
        .args(["lookup", "service", KEYRING_SERVICE, "username", username])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Removes the app's keyring item `username`: one left by an earlier,
/// failed run would make the wizard's credential start "present".
pub fn clear_credential(username: &str) {
    let _ = std::process::Command::new("secret-tool")
        .args(["clear", "service", KEYRING_SERVICE, "username", username])
        .status();
}
