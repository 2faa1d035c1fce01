//! The installed package as an operator meets it: the app started from its
//! installed path (`MYCA_INSTALLED_APP`, which `.ci/test` sets after
//! `apt-get install` of the .deb) with no toolchain and no agent binary
//! named, so it builds the agent image from the runtime it ships; the
//! wizard completed through the window (local engine, SQLite, one
//! credential into the keyring) and one agent spawned from the catalog.
//! Screenshots: tests/screenshots/installed-*.png.
//!
//! Ignored unless asked for: only `.ci/test`'s "installed app" phase has
//! the package installed, and runs it with the ignored tests; there a
//! missing package fails it.

use std::path::PathBuf;

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::{fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::desktop::{save_screenshot, AppEnv};
use myca_e2e::fake_openai::FakeOpenAi;
use myca_e2e::setup_wizard::{
    clear_credential, complete_wizard, secret_tool_lookup, spawn_from_catalog,
};
use myca_e2e::{docker_socket, service_env};
use myca_orchestrator::agent_image::tag_for;

const CREDENTIAL: &str = "OPENAI_API_KEY";

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the installed .deb: run by .ci/test's installed-app phase"]
async fn the_installed_app_sets_up_and_spawns_from_what_its_package_holds() {
    let app = PathBuf::from(service_env(
        "MYCA_INSTALLED_APP",
        "the installed package (.ci/test's package_install phase installs it)",
    ));
    assert!(app.is_file(), "the package installs {}", app.display());
    let shipped_runtime = app.with_file_name("myca-agent");
    assert!(
        shipped_runtime.is_file(),
        "the package ships {}",
        shipped_runtime.display()
    );
    assert!(
        app.with_file_name("myca").is_file(),
        "the package ships the myca CLI"
    );

    let secret = format!("sk-proj-installed-{}", uuid::Uuid::new_v4().simple());
    let openai = FakeOpenAi::start(&secret).await;
    let mut env = AppEnv::new(fresh_redis_db().await);
    // The installed app finds the runtime beside itself.
    env.remove("MYCA_AGENT_BINARY");
    let docker = myca_orchestrator::docker::connect_local(&docker_socket())
        .await
        .unwrap();
    let mut guard = ContainerGuard::new(&docker);
    let agent = unique_agent_id("installed-gpt");
    guard.watch(container_name(&agent));
    clear_credential(&format!("credential:{CREDENTIAL}"));

    let driver = env.driver();
    let client = driver.launch(&app).await;
    complete_wizard(&client, "openai-agent", CREDENTIAL, &secret, "installed").await;
    assert_eq!(
        secret_tool_lookup(&format!("credential:{CREDENTIAL}")).as_deref(),
        Some(secret.as_str())
    );
    spawn_from_catalog(
        &client,
        "openai-agent",
        &agent,
        &[("base_url", &openai.url())],
    )
    .await;
    save_screenshot(&client, "installed-5-spawned.png").await;

    // Its container runs the image made from the packaged runtime.
    let container = docker
        .inspect_container(&container_name(&agent), None)
        .await
        .unwrap();
    let expected = tag_for(&std::fs::read(&shipped_runtime).unwrap())
        .await
        .unwrap();
    assert_eq!(
        container.config.and_then(|c| c.image).as_deref(),
        Some(expected.as_str()),
        "the agent image is built from {}",
        shipped_runtime.display()
    );
    client.close().await.unwrap();
    clear_credential(&format!("credential:{CREDENTIAL}"));
}
