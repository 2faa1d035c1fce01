//! The first-run wizard through the real window (WebDriver under Xvfb):
//! a fresh app sets itself up on the local engine with SQLite and one
//! credential, which lands in gnome-keyring (as `secret-tool` sees) and
//! nowhere else — not the SQL store, the settings file, the logs, nor the
//! `docker inspect` of the agent it is delivered to; a bad PostgreSQL URL is
//! refused with its reason; without a Secret Service nothing is stored.
//! Every step is saved to tests/screenshots/.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use fantoccini::Client;
use myca_agents::protocol::names::container_name;
use myca_e2e::agent::{fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::desktop::{desktop_binary, save_screenshot, AppEnv};
use myca_e2e::fake_openai::FakeOpenAi;
use myca_e2e::process::ChildGuard;
use myca_e2e::setup_wizard::{
    clear_credential, complete_wizard, secret_tool_lookup, spawn_from_catalog,
};
use myca_e2e::window::{
    click, confirm_if_asked, find, open_view, testid, type_into, wait_for_text,
};
use myca_e2e::{docker_socket, postgres_url, service_env};

const CREDENTIAL: &str = "OPENAI_API_KEY";
/// Every file under `dir` whose bytes contain `secret`.
fn files_holding(dir: &Path, secret: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, secret));
        } else if std::fs::read(&path)
            .is_ok_and(|bytes| bytes.windows(secret.len()).any(|w| w == secret.as_bytes()))
        {
            found.push(path);
        }
    }
    found
}

/// The app's output: tauri-driver's log files written since `since`.
fn app_logs_since(since: SystemTime) -> Vec<PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("myca-tauri-driver-"))
        })
        .filter(|p| {
            p.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since)
        })
        .collect()
}

async fn wizard_opens(client: &Client) {
    find(client, &format!("{}[data-loaded='true']", testid("setup"))).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fresh_app_is_set_up_and_its_credential_reaches_only_the_keyring_and_its_agent() {
    service_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "D-Bus session with gnome-keyring",
    );
    let started = SystemTime::now();
    let secret = format!("sk-proj-wizard-{}", uuid::Uuid::new_v4().simple());
    let openai = FakeOpenAi::start(&secret).await;
    let env = AppEnv::new(fresh_redis_db().await);
    let docker = myca_orchestrator::docker::connect_local(&docker_socket())
        .await
        .unwrap();
    let mut guard = ContainerGuard::new(&docker);
    let agent = unique_agent_id("wizard-gpt");
    guard.watch(container_name(&agent));
    clear_credential(&format!("credential:{CREDENTIAL}"));

    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;

    // The first start opens the wizard: the local engine, the managed
    // broker, SQLite, the key typed once; then the agent from the catalog.
    complete_wizard(&client, "openai-agent", CREDENTIAL, &secret, "setup").await;
    assert_eq!(
        secret_tool_lookup(&format!("credential:{CREDENTIAL}")).as_deref(),
        Some(secret.as_str()),
        "secret-tool sees the value in the Secret Service"
    );
    // An agent of the kind, spawned from the catalog, gets the key delivered.
    spawn_from_catalog(
        &client,
        "openai-agent",
        &agent,
        &[("base_url", &openai.url())],
    )
    .await;

    // Checked against the service by that agent, from the Credentials view.
    open_view(&client, "credentials").await;
    click(&client, &format!("credential-check-{CREDENTIAL}")).await;
    let checked = wait_for_text(
        &client,
        &testid(&format!("credential-checked-{CREDENTIAL}")),
        "— ok",
    )
    .await;
    assert!(
        checked.contains(&format!("list_models on {agent} succeeded")),
        "{checked}"
    );
    save_screenshot(&client, "credentials-view.png").await;

    // Nowhere else: the container's configuration, its log, the app's
    // files (SQL store, settings file) and its output.
    let inspect = docker
        .inspect_container(&container_name(&agent), None)
        .await
        .unwrap();
    let inspect = serde_json::to_string(&inspect).unwrap();
    assert!(inspect.contains(&agent), "inspected the agent's container");
    assert!(
        !inspect.contains(&secret),
        "docker inspect shows no credential"
    );
    let container_log = Command::new("docker")
        .args(["logs", &container_name(&agent)])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&container_log.stdout).contains(&secret));
    assert!(!String::from_utf8_lossy(&container_log.stderr).contains(&secret));
    let settings_file = env.home().join("data/dev.myca.controlplane/settings.json");
    let settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_file).unwrap()).unwrap();
    assert_eq!(settings["setup"]["completed"], true, "{settings}");
    assert_eq!(settings["setup"]["kinds"][0], "openai-agent", "{settings}");
    assert_eq!(
        settings["setup"]["store"]["backend"], "sqlite",
        "{settings}"
    );
    assert!(
        env.home().join("myca.db").is_file(),
        "the SQL store is in the app's home"
    );
    assert_eq!(files_holding(env.home(), &secret), Vec::<PathBuf>::new());
    let logs = app_logs_since(started);
    assert!(!logs.is_empty(), "the app's output was captured");
    for log in logs {
        assert!(
            !std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(&secret),
            "{} holds the credential",
            log.display()
        );
    }

    // Settings and About.
    open_view(&client, "settings").await;
    wait_for_text(&client, &testid("about-docker"), ".").await;
    save_screenshot(&client, "settings-view.png").await;

    // Deleted from the Credentials view: gone from the keyring.
    open_view(&client, "credentials").await;
    click(&client, &format!("credential-delete-{CREDENTIAL}")).await;
    confirm_if_asked(&client).await;
    wait_for_text(
        &client,
        &testid(&format!("credential-state-{CREDENTIAL}")),
        "missing",
    )
    .await;
    assert_eq!(
        secret_tool_lookup(&format!("credential:{CREDENTIAL}")),
        None
    );

    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_postgres_url_is_refused_with_its_reason() {
    let env = AppEnv::new(fresh_redis_db().await);
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    wizard_opens(&client).await;
    click(&client, "wizard-step-store").await;
    find(&client, "[data-testid='setup'][data-step='store']").await;
    click(&client, "store-postgres").await;

    let mut wrong = reqwest::Url::parse(&postgres_url()).unwrap();
    wrong.set_password(Some("not-the-password")).unwrap();
    type_into(&client, "store-url", wrong.as_str()).await;
    click(&client, "store-test").await;
    let problem = wait_for_text(
        &client,
        &testid("setup-problem"),
        "password authentication failed",
    )
    .await;
    assert!(
        problem.contains("PostgreSQL at postgres://myca:***@127.0.0.1"),
        "{problem}"
    );
    assert!(!problem.contains("not-the-password"), "{problem}");

    // Saving tests first: nothing is saved, the wizard stays on the step.
    click(&client, "store-save").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    wait_for_text(
        &client,
        &testid("setup-problem"),
        "password authentication failed",
    )
    .await;
    find(&client, "[data-testid='setup'][data-step='store']").await;
    save_screenshot(&client, "setup-store-bad-url.png").await;
    let settings_file = env.home().join("data/dev.myca.controlplane/settings.json");
    let settings = std::fs::read_to_string(&settings_file).unwrap_or_default();
    assert!(!settings.contains("postgres"), "nothing saved: {settings}");
    client.close().await.unwrap();
}

/// A private session bus that can start no service: no Secret Service.
fn bus_without_secret_service(dir: &Path) -> (ChildGuard, String) {
    let socket = dir.join("bus.sock");
    let config = dir.join("session.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
            socket.display()
        ),
    )
    .unwrap();
    let child = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .arg("--nofork")
        .stdout(Stdio::null())
        .spawn()
        .expect("dbus-daemon is installed");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "dbus-daemon did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (
        ChildGuard::new(child),
        format!("unix:path={}", socket.display()),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_secret_service_the_wizard_refuses_to_store() {
    let bus_dir = tempfile::tempdir().unwrap();
    let (_bus, address) = bus_without_secret_service(bus_dir.path());
    let mut env = AppEnv::new(fresh_redis_db().await);
    env.set("DBUS_SESSION_BUS_ADDRESS", address);
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    wizard_opens(&client).await;
    click(&client, "wizard-step-credentials").await;
    let banner = wait_for_text(&client, &testid("keyring-missing"), "cannot be stored").await;
    assert!(banner.contains("will not write them to a file"), "{banner}");
    click(&client, "pick-openai-agent").await;
    wait_for_text(
        &client,
        &testid(&format!("credential-state-{CREDENTIAL}")),
        "keyring unavailable",
    )
    .await;
    let store = find(&client, &testid(&format!("credential-store-{CREDENTIAL}"))).await;
    assert!(!store.is_enabled().await.unwrap(), "nothing to press");
    save_screenshot(&client, "setup-keyring-missing.png").await;

    // The command itself refuses too, whatever the page does.
    let refused = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('set_credential', {name: 'OPENAI_API_KEY', value: 'sk-no-keyring-0001'})
               .then(() => done('stored'), (e) => done(e));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(refused["kind"], "unavailable", "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("No usable Secret Service"),
        "{refused}"
    );
    assert_eq!(
        files_holding(env.home(), "sk-no-keyring-0001"),
        Vec::<PathBuf>::new()
    );
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_local_engine_the_wizard_says_what_is_missing() {
    let mut env = AppEnv::new(fresh_redis_db().await);
    env.set("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    wizard_opens(&client).await;
    let missing = wait_for_text(&client, &testid("docker-missing"), "does not exist").await;
    assert!(missing.contains("/nonexistent/docker.sock"), "{missing}");
    assert!(
        missing.contains("sudo apt-get install docker.io"),
        "{missing}"
    );
    assert!(missing.contains("remote VM"), "{missing}");
    let next = find(&client, &testid("docker-continue")).await;
    assert!(!next.is_enabled().await.unwrap(), "no engine, no Continue");
    save_screenshot(&client, "setup-docker-missing.png").await;
    // The operator goes on with a remote VM instead: the step is skipped.
    click(&client, "docker-remote").await;
    find(
        &client,
        "[data-testid='wizard-step-docker'][data-mark='skipped']",
    )
    .await;
    client.close().await.unwrap();
}
