//! The desktop app's tray as a desktop's tray host sees it on the session
//! bus (StatusNotifierItem + dbusmenu): find the app's menu, read it, click
//! its items, and wait until the app is gone.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::desktop::desktop_binary;

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
pub fn connections_of(instance: &str) -> Vec<String> {
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
pub fn tray_menu(instance: &str, expected: &str, within: Duration) -> (String, String, String) {
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
pub fn item_id(layout: &str, label: &str) -> String {
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
pub fn click_item(name: &str, menu_path: &str, id: &str) {
    gdbus_call(
        name,
        menu_path,
        "com.canonical.dbusmenu.Event",
        &["--", id, "clicked", "<''>", "0"],
    )
    .unwrap_or_else(|| panic!("the tray accepts a click on item {id}"));
}

/// Quits the app from its tray ("Quit, agents keep running") and waits
/// until it has exited.
pub async fn quit_from_tray(instance: &str) {
    let (name, path, menu) = tray_menu(
        instance,
        "Quit, agents keep running",
        Duration::from_secs(60),
    );
    click_item(&name, &path, &item_id(&menu, "Quit, agents keep running"));
    wait_until_gone(instance, Duration::from_secs(20)).await;
}

/// Waits until no app process of `instance` is on the session bus.
pub async fn wait_until_gone(instance: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !connections_of(instance).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the app is still running {within:?} later"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
