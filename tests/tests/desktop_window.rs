//! The real desktop app under Xvfb, driven through WebDriver: the status
//! panel reports live services, refreshes, and shows a dead one as down.

use std::time::Duration;

use fantoccini::{Client, Locator};
use myca_e2e::agent::fresh_redis_db;
use myca_e2e::closed_port;
use myca_e2e::desktop::{desktop_binary, save_screenshot, AppEnv};
use myca_e2e::rss::find_process;

const FIRST_LOAD: Duration = Duration::from_secs(60);

async fn wait_for_loaded_panel(client: &Client) {
    client
        .wait()
        .at_most(FIRST_LOAD)
        .for_element(Locator::Css("#status-panel[data-loaded='true']"))
        .await
        .expect("the status panel loads the first report");
}

async fn row_state(client: &Client, service: &str) -> String {
    let row = client
        .find(Locator::Css(&format!("[data-service='{service}']")))
        .await
        .unwrap_or_else(|_| panic!("row for {service}"));
    row.attr("data-state").await.unwrap().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn window_reports_live_services_and_refreshes() {
    let env = AppEnv::new(fresh_redis_db().await);
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    wait_for_loaded_panel(&client).await;

    for service in ["docker", "redis", "store"] {
        assert_eq!(row_state(&client, service).await, "up", "{service}");
    }
    // The chips in the top bar carry the details in their tooltip.
    let details = |service: &'static str| {
        let client = client.clone();
        async move {
            client
                .find(Locator::Css(&format!("[data-service='{service}']")))
                .await
                .unwrap()
                .attr("title")
                .await
                .unwrap()
                .unwrap_or_default()
        }
    };
    let redis = details("redis").await;
    assert!(redis.contains("PONG"), "Redis ping reply shown: {redis}");
    let store = details("store").await;
    assert!(
        store.to_lowercase().contains("sqlite"),
        "store backend shown: {store}"
    );

    let checked_at = client.find(Locator::Id("checked-at")).await.unwrap();
    let before = checked_at.text().await.unwrap();
    // The report's clock has one-second resolution on screen.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client
        .find(Locator::Id("refresh-status"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut after = before.clone();
    for _ in 0..50 {
        after = checked_at.text().await.unwrap();
        if after != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(after, before, "refresh produced a new report");

    save_screenshot(&client, "desktop-status.png").await;
    assert_window_process_loads_no_gl_driver(&env);
    client.close().await.unwrap();
}

/// Without compositing the window's process draws with cairo: a Mesa
/// driver (and its libLLVM, 20 MiB of relocated pages) mapped there is
/// memory spent for nothing (see src-tauri/src/webkit_memory.rs).
fn assert_window_process_loads_no_gl_driver(env: &AppEnv) {
    let app = find_process(&desktop_binary(), "MYCA_INSTANCE", &env.instance)
        .expect("the app's process is found by its instance");
    let maps = std::fs::read_to_string(format!("/proc/{app}/maps")).unwrap();
    for driver in ["/dri/", "libLLVM", "libEGL_mesa", "libGLX_mesa"] {
        assert!(!maps.contains(driver), "the window's process maps {driver}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn window_shows_an_unreachable_redis_as_down_with_its_reason() {
    let env = AppEnv::new(format!("redis://127.0.0.1:{}/0", closed_port()));
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    wait_for_loaded_panel(&client).await;

    assert_eq!(row_state(&client, "redis").await, "down");
    assert_eq!(row_state(&client, "docker").await, "up");
    assert_eq!(row_state(&client, "store").await, "up");
    let reason = client
        .find(Locator::Css("[data-service='redis'] .reason"))
        .await
        .expect("the reason is shown")
        .text()
        .await
        .unwrap();
    assert!(!reason.trim().is_empty(), "reason text is empty");

    save_screenshot(&client, "desktop-status-redis-down.png").await;
    client.close().await.unwrap();
}
