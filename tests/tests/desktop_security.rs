//! The real window enforces what src-tauri/tauri.conf.json (Content Security
//! Policy) and src-tauri/capabilities/default.json say: the page runs only
//! the app's own scripts, connects to nothing but the app's IPC, and may
//! call the app's own commands but no core or plugin command.

use std::io::ErrorKind;
use std::net::TcpListener;

use fantoccini::Client;
use myca_e2e::agent::fresh_redis_db;
use myca_e2e::desktop::{window_up, AppEnv};
use serde_json::{json, Value};

/// Calls a command over the app's IPC from the page: `{"ok": …}` or
/// `{"refused": "<reason>"}`.
async fn invoke(client: &Client, command: &str, args: Value) -> Value {
    client
        .execute_async(
            "const [command, args, done] = arguments;
             window.__TAURI_INTERNALS__.invoke(command, args).then(
               (ok) => done({ ok }),
               (error) => done({ refused: String(error) }));",
            vec![json!(command), args],
        )
        .await
        .expect("the page answers")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_runs_only_its_own_scripts_and_reaches_only_the_app() {
    let env = AppEnv::new(fresh_redis_db().await);
    // The status panel loaded: its report came over the IPC the policy allows.
    let (_driver, client) = window_up(&env).await;

    let eval = client
        .execute(
            "try { eval('1 + 1'); return 'ran'; } catch (error) { return error.name; }",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(eval, json!("EvalError"), "no 'unsafe-eval'");

    let injected = client
        .execute(
            "const script = document.createElement('script');
             script.textContent = 'window.injected = true';
             document.body.appendChild(script);
             return window.injected === true;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(injected, json!(false), "an inline script does not run");

    // Even the loopback is out of reach: the request never leaves the page.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let fetched = client
        .execute_async(
            "const [url, done] = arguments;
             document.addEventListener('securitypolicyviolation',
               (event) => done('refused by ' + event.effectiveDirective));
             fetch(url).then(() => done('fetched'), () => {});
             setTimeout(() => done('no violation reported'), 5000);",
            vec![json!(url)],
        )
        .await
        .unwrap();
    assert_eq!(fetched, json!("refused by connect-src"));
    assert_eq!(
        listener.accept().map(|_| ()).map_err(|e| e.kind()),
        Err(ErrorKind::WouldBlock),
        "nothing connected to {url}"
    );

    // The app's own commands answer; core and plugin commands are not granted.
    let status = invoke(&client, "get_status", json!({})).await;
    assert!(status["ok"]["redis"].is_object(), "{status}");
    for (command, args) in [
        (
            "plugin:window|set_title",
            json!({ "label": "main", "value": "changed by the page" }),
        ),
        (
            "plugin:event|listen",
            json!({ "event": "x", "target": { "kind": "Any" }, "handler": 0 }),
        ),
        (
            "plugin:notification|notify",
            json!({ "options": { "title": "from the page" } }),
        ),
        ("plugin:store|load", json!({ "path": "settings.json" })),
        (
            "plugin:window-state|save_window_state",
            json!({ "flags": 1 }),
        ),
    ] {
        let answer = invoke(&client, command, args).await;
        let refused = answer["refused"].as_str().unwrap_or_default();
        assert!(refused.contains("not allowed"), "{command}: {answer}");
    }
    assert_eq!(client.title().await.unwrap(), "MYCA Control Plane");
    client.close().await.ok();
}
