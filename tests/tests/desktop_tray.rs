//! The real desktop app under Xvfb: a second launch over the same fleet
//! hands over to the first and exits, and the tray's menu is published on
//! the session bus (StatusNotifierItem + dbusmenu) with the fleet summary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use myca_e2e::agent::fresh_redis_db;
use myca_e2e::desktop::{desktop_binary, save_screenshot, window_up, AppEnv};
use myca_e2e::service_env;
use myca_e2e::tray::{click_item, item_id, tray_menu, wait_until_gone};
use myca_e2e::window::find;

#[tokio::test(flavor = "multi_thread")]
async fn a_second_launch_brings_up_the_first_window_and_exits() {
    service_env("DBUS_SESSION_BUS_ADDRESS", "a D-Bus session bus");
    let env = AppEnv::new(fresh_redis_db().await);
    let (_driver, client) = window_up(&env).await;
    let handle = client.window().await.expect("the first window");

    let mut second = Command::new(desktop_binary());
    env.apply(&mut second);
    let started = Instant::now();
    let mut second = second
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("a second launch starts");
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            second.kill().ok();
            panic!("the second launch did not exit: it should hand over to the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second launch exits with 0: {status}");

    // The first window is still the app's one window, shown and focused.
    assert_eq!(client.windows().await.unwrap(), vec![handle]);
    find(&client, "#status-panel[data-loaded='true']").await;
    let focused = client
        .execute("return document.hasFocus() && !document.hidden;", vec![])
        .await
        .unwrap();
    assert_eq!(
        focused,
        serde_json::json!(true),
        "the first window has focus"
    );
    save_screenshot(&client, "desktop-single-instance.png").await;
    client.close().await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tray_menu_is_on_the_session_bus() {
    service_env("DBUS_SESSION_BUS_ADDRESS", "a D-Bus session bus");
    let env = AppEnv::new(fresh_redis_db().await);
    let (_driver, client) = window_up(&env).await;

    // The summary is the fleet's once it runs ("Fleet starting…" before):
    // no agents, no lost hosts.
    let (name, path, menu) = tray_menu(&env.instance, "0 agents running", Duration::from_secs(60));
    for item in [
        "0 agents in error",
        "0 hosts unreachable",
        "Open window",
        "Pause notifications",
        "Quit",
        "Quit, agents keep running",
        "Quit and stop all agents",
    ] {
        assert!(menu.contains(item), "tray menu has {item:?}: {menu}");
    }
    assert!(
        menu.contains("'toggle-state': <0>"),
        "notifications on: {menu}"
    );

    click_item(&name, &path, &item_id(&menu, "Pause notifications"));
    let paused = tray_menu(
        &env.instance,
        "'toggle-state': <1>",
        Duration::from_secs(10),
    )
    .2;
    assert!(paused.contains("Pause notifications"), "{paused}");

    // Quitting from the tray ends the app (its agents would keep running).
    click_item(&name, &path, &item_id(&menu, "Quit, agents keep running"));
    wait_until_gone(&env.instance, Duration::from_secs(20)).await;
    drop(client);
}
