//! Secrets go to the real Secret Service (gnome-keyring), not a mock store:
//! `secret-tool`, a separate client, must see what the keyring crate wrote.

use std::process::Command;

use myca_e2e::{service_env, unique_name};
use myca_orchestrator::secrets::SecretStore;

fn secret_tool_lookup(service: &str, name: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", name])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn store_read_and_delete_through_the_secret_service() {
    service_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "D-Bus session with gnome-keyring",
    );
    let service = unique_name("myca-test");
    let store = SecretStore::new(&service);
    let name = "openai-agent/OPENAI_API_KEY";
    let secret = "sk-test-7f3a9c";

    assert_eq!(store.get(name).await.unwrap(), None);
    store
        .set(name, secret)
        .await
        .expect("Secret Service accepts the secret");
    assert_eq!(store.get(name).await.unwrap().as_deref(), Some(secret));
    assert_eq!(secret_tool_lookup(&service, name).as_deref(), Some(secret));

    store.set(name, "rotated").await.unwrap();
    assert_eq!(store.get(name).await.unwrap().as_deref(), Some("rotated"));

    assert!(store.delete(name).await.unwrap());
    assert_eq!(store.get(name).await.unwrap(), None);
    assert_eq!(secret_tool_lookup(&service, name), None);
    assert!(
        !store.delete(name).await.unwrap(),
        "deleting twice reports nothing was there"
    );
}
