//! The real desktop app under Xvfb: a second launch over the same fleet
//! hands over to the first and exits, and the tray's menu is published on
//! the session bus (StatusNotifierItem + dbusmenu) with the fleet summary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Client;
use myca_e2e::agent::fresh_redis_db;
use myca_e2e::desktop::{desktop_binary, save_screenshot, AppEnv};
use myca_e2e::service_env;
use myca_e2e::window::find;

/// Runs `gdbus call` on the session bus; None when the call failed.
fn gdbus_call(dest: &str, path: &str, method: &str, args: &[&str]) -> Option<String> {
    let output = Command::new("gdbus")
        .args(["call", "--session", "--dest", dest, "--object-path", path])
        .args(["--method", method])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("gdbus runs (package libglib2.0-bin)");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The unique bus names of the app processes started with
/// `MYCA_INSTANCE=instance` (tauri-driver and WebKitWebDriver see it too).
fn connections_of(instance: &str) -> Vec<String> {
    let bus = "org.freedesktop.DBus";
    let names = gdbus_call(
        bus,
        "/org/freedesktop/DBus",
        &format!("{bus}.ListNames"),
        &[],
    )
    .expect("the session bus lists its names");
    let wanted = format!("MYCA_INSTANCE={instance}");
    names
        .split(['\'', '"'])
        .filter(|name| name.starts_with(':'))
        .filter(|name| {
            let pid = gdbus_call(
                bus,
                "/org/freedesktop/DBus",
                &format!("{bus}.GetConnectionUnixProcessID"),
                &[name],
            );
            // `(uint32 8327,)`
            let pid = pid.and_then(|reply| {
                let number = reply.split_whitespace().nth(1)?;
                number
                    .trim_end_matches([',', ')', '\n'])
                    .parse::<u32>()
                    .ok()
            });
            let app = std::fs::canonicalize(desktop_binary()).ok();
            pid.filter(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok() == app)
                .and_then(|pid| std::fs::read(format!("/proc/{pid}/environ")).ok())
                .is_some_and(|environ| {
                    environ
                        .split(|b| *b == 0)
                        .any(|var| var == wanted.as_bytes())
                })
        })
        .map(str::to_owned)
        .collect()
}

/// Where the app's tray menu is (bus name, object path) and its layout,
/// once the layout shows `expected`.
fn tray_menu(instance: &str, expected: &str, within: Duration) -> (String, String, String) {
    let deadline = Instant::now() + within;
    let mut seen = String::new();
    while Instant::now() < deadline {
        for name in connections_of(instance) {
            let Some(tree) = gdbus_call(
                &name,
                "/org/ayatana/NotificationItem",
                "org.freedesktop.DBus.Introspectable.Introspect",
                &[],
            ) else {
                continue;
            };
            for node in tree.split("<node name=\"").skip(1) {
                let Some(item) = node.split('"').next() else {
                    continue;
                };
                let menu_path = format!("/org/ayatana/NotificationItem/{item}/Menu");
                if let Some(layout) = layout(&name, &menu_path) {
                    if layout.contains(expected) {
                        return (name, menu_path, layout);
                    }
                    seen = layout;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("no tray menu with {expected:?} on the session bus; last seen: {seen}");
}

fn layout(name: &str, menu_path: &str) -> Option<String> {
    // `--` so gdbus takes -1 (all levels) as an argument, not an option.
    gdbus_call(
        name,
        menu_path,
        "com.canonical.dbusmenu.GetLayout",
        &["--", "0", "-1", "[]"],
    )
}

/// The dbusmenu id of the item labelled `label`: `<(7, {… 'label': <'…'>`.
fn item_id(layout: &str, label: &str) -> String {
    let at = layout
        .find(&format!("'label': <'{label}'>"))
        .unwrap_or_else(|| panic!("no item {label:?} in {layout}"));
    let start = layout[..at]
        .rfind("<(")
        .expect("an item starts before its label")
        + 2;
    let id: String = layout[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!id.is_empty(), "item {label:?} has an id in {layout}");
    id
}

/// Clicks item `id` as a desktop's tray host does.
fn click_item(name: &str, menu_path: &str, id: &str) {
    gdbus_call(
        name,
        menu_path,
        "com.canonical.dbusmenu.Event",
        &["--", id, "clicked", "<''>", "0"],
    )
    .unwrap_or_else(|| panic!("the tray accepts a click on item {id}"));
}

async fn window_up(env: &AppEnv) -> (myca_e2e::desktop::TauriDriver, Client) {
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    find(&client, "#status-panel[data-loaded='true']").await;
    (driver, client)
}

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
    let deadline = Instant::now() + Duration::from_secs(20);
    while !connections_of(&env.instance).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the app is still running after Quit"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(client);
}
