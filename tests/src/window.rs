//! What a WebDriver story does in the app's window: find elements by their
//! `data-testid`, click, type, and wait for what the page updates
//! asynchronously.

use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

/// The first start builds the agent image; a busy machine is slow.
pub const PATIENCE: Duration = Duration::from_secs(120);

pub fn testid(id: &str) -> String {
    format!("[data-testid='{id}']")
}

pub async fn find(client: &Client, css: &str) -> Element {
    client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("{css} never appeared: {error}"))
}

pub async fn click(client: &Client, id: &str) {
    find(client, &testid(id)).await.click().await.unwrap();
}

pub async fn type_into(client: &Client, id: &str, text: &str) {
    let field = find(client, &testid(id)).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Waits until `css` holds `text` (the page updates it asynchronously).
pub async fn wait_for_text(client: &Client, css: &str, text: &str) -> String {
    wait_for_text_within(client, css, text, PATIENCE).await
}

pub async fn wait_for_text_within(
    client: &Client,
    css: &str,
    text: &str,
    within: Duration,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            let shown = element.text().await.unwrap_or_default();
            if shown.contains(text) {
                return shown;
            }
            assert!(
                Instant::now() < deadline,
                "{css} shows {shown:?}, never {text:?}"
            );
        }
        assert!(Instant::now() < deadline, "{css} never appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Answers the confirmation dialog when the action asks for one.
pub async fn confirm_if_asked(client: &Client) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    if let Ok(ok) = client.find(Locator::Css(&testid("confirm-ok"))).await {
        ok.click().await.unwrap();
    }
}

/// Opens a view from the sidebar and waits until it has loaded.
pub async fn open_view(client: &Client, name: &str) {
    click(client, &format!("nav-{name}")).await;
    find(client, &format!("{}[data-loaded='true']", testid(name))).await;
}
