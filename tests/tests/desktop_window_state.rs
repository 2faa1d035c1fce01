//! The real desktop app under Xvfb comes back at the size and place its
//! window was left at: after the operator quits it from the tray, and after
//! it was ended without quitting (a logout, a kill), which never lets it
//! save anything on the way out.
//!
//! Xvfb runs no window manager, so X places a window exactly where the app
//! asks: the position is honoured here as a desktop's manager honours it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::Client;
use myca_e2e::agent::fresh_redis_db;
use myca_e2e::desktop::{window_up, AppEnv};
use myca_e2e::tray::{connections_of, quit_from_tray, wait_until_gone};

/// Where the window is put: away from the default 1100×720 at the origin.
const MOVED: (u64, u64, u64, u64) = (64, 48, 900, 600);

/// Moves and resizes the window as the operator would by hand, and checks
/// the display did it.
async fn move_and_resize(client: &Client) {
    let (x, y, width, height) = MOVED;
    client
        .set_window_rect(x as u32, y as u32, width as u32, height as u32)
        .await
        .expect("the window takes a new place and size");
    assert_eq!(client.get_window_rect().await.unwrap(), MOVED);
}

/// The window-state plugin's file in the app's config directory.
fn state_file(env: &AppEnv) -> PathBuf {
    env.home()
        .join("config/dev.myca.controlplane/.window-state.json")
}

/// Waits until the app has written the window's new size to its file.
async fn saved(env: &AppEnv) {
    let (_, _, width, height) = MOVED;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state: Option<serde_json::Value> = std::fs::read(state_file(env))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let main = state.as_ref().map(|state| &state["main"]);
        if main.is_some_and(|main| main["width"] == width && main["height"] == height) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the new size never reached {}: {state:?}",
            state_file(env).display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Starts the app again over the same data and config directories.
async fn relaunched_rect(env: &AppEnv) -> (u64, u64, u64, u64) {
    let (driver, client) = window_up(env).await;
    let rect = client.get_window_rect().await.unwrap();
    // No session close, as when a test fails: the driver still ends the app.
    drop(driver);
    assert_eq!(
        connections_of(&env.instance),
        Vec::<String>::new(),
        "the app outlived its driver"
    );
    rect
}

#[tokio::test(flavor = "multi_thread")]
async fn quit_from_the_tray_the_window_comes_back_where_it_was() {
    let env = AppEnv::new(fresh_redis_db().await);
    {
        let (_driver, client) = window_up(&env).await;
        assert_eq!(
            client.get_window_rect().await.unwrap(),
            (0, 0, 1100, 720),
            "a first start opens at the configured size"
        );
        move_and_resize(&client).await;
        quit_from_tray(&env.instance).await;
    }
    assert_eq!(relaunched_rect(&env).await, MOVED);
}

#[tokio::test(flavor = "multi_thread")]
async fn ended_without_quitting_the_window_still_comes_back_where_it_was() {
    let env = AppEnv::new(fresh_redis_db().await);
    {
        let (_driver, client) = window_up(&env).await;
        move_and_resize(&client).await;
        saved(&env).await;
        // Ending the WebDriver session kills the app: no exit handler runs.
        client.close().await.unwrap();
        wait_until_gone(&env.instance, Duration::from_secs(20)).await;
    }
    assert_eq!(relaunched_rect(&env).await, MOVED);
}
