//! The setup wizard's library against real services: a PostgreSQL URL and
//! an external Redis are tested before they are saved (the store's
//! migrations really applied), their passwords go to the real Secret Service
//! and the settings document keeps only the URL without them; credentials
//! are stored, listed, rotated and deleted in gnome-keyring, as `secret-tool`
//! (another client) sees.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use myca_e2e::pg_schema::PgSchema;
use myca_e2e::{closed_port, postgres_url, redis_url, service_env, unique_name};
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::desktop::setup::{
    BrokerSetting, CredentialState, SettingsFile, Setup, StoreSetting,
};
use myca_orchestrator::desktop::ErrorKind;
use myca_orchestrator::secrets::SecretStore;
use myca_orchestrator::service::BrokerChoice;
use myca_orchestrator::store::{Store, StoreBackend};
use serde_json::Value;

/// The settings document, as the store plugin would keep it.
#[derive(Default)]
struct Document(Mutex<Option<Value>>);

impl SettingsFile for Document {
    fn load(&self) -> Option<Value> {
        self.0.lock().unwrap().clone()
    }
    fn save(&self, value: Value) -> Result<(), String> {
        *self.0.lock().unwrap() = Some(value);
        Ok(())
    }
}

impl Document {
    fn text(&self) -> String {
        self.load().map(|v| v.to_string()).unwrap_or_default()
    }
}

/// A setup over a keyring service of the test's own.
fn setup(data_dir: &Path) -> (Arc<Document>, Arc<Setup>, String) {
    service_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "D-Bus session with gnome-keyring",
    );
    // The fleet's configuration names the agent binary; these tests start no fleet.
    std::env::set_var("MYCA_AGENT_BINARY", "/nonexistent/myca-agent");
    let service = unique_name("myca-setup");
    let document = Arc::new(Document::default());
    let setup = Setup::with_secrets(
        document.clone(),
        data_dir,
        "0.0.0-test",
        SecretStore::new(&service),
    );
    (document, setup, service)
}

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
async fn a_postgres_store_is_tested_migrated_and_saved_without_its_password() {
    let data = tempfile::tempdir().unwrap();
    let (document, setup, service) = setup(data.path());
    let schema = PgSchema::create("setup_store").await;
    let password = reqwest::Url::parse(&schema.url)
        .unwrap()
        .password()
        .unwrap()
        .to_owned();

    let tested = setup.test_store(&schema.url).await.unwrap();
    assert_eq!(tested.backend, StoreBackend::Postgres);
    assert!(tested.migrations_available > 0);
    assert_eq!(tested.migrations_applied, tested.migrations_available);
    assert!(!tested.url.contains(&format!(":{password}@")));
    // The migrations really ran in the schema.
    let store = Store::open(&DatabaseTarget::Postgres(schema.url.clone()))
        .await
        .unwrap();
    assert!(store.migration_status().await.unwrap().up_to_date());
    store.close().await;

    let view = setup.save_store(Some(schema.url.clone())).await.unwrap();
    let StoreSetting::Postgres {
        url,
        password_in_keyring,
    } = &view.record.store
    else {
        panic!("PostgreSQL saved: {:?}", view.record.store)
    };
    assert!(password_in_keyring);
    // The test server's user and password are both "myca": look for the pair.
    let pair = format!(":{password}@");
    assert!(!url.contains(&pair), "{url}");
    assert!(
        !document.text().contains(&pair),
        "no password in the settings document"
    );
    assert_eq!(
        secret_tool_lookup(&service, "setup/store-password").as_deref(),
        Some(password.as_str())
    );
    // The next start puts it back.
    let config = setup.service_config().await.unwrap();
    assert!(
        matches!(&config.database, DatabaseTarget::Postgres(full) if full.contains(&password)),
        "{:?}",
        config.database
    );

    // Back to SQLite: the password leaves the keyring.
    setup.save_store(None).await.unwrap();
    assert_eq!(secret_tool_lookup(&service, "setup/store-password"), None);
    schema.drop().await;
}

#[tokio::test]
async fn a_bad_postgres_url_is_refused_with_a_clear_reason_and_nothing_saved() {
    let data = tempfile::tempdir().unwrap();
    let (document, setup, _) = setup(data.path());
    let url = format!(
        "postgres://myca:hunter22@127.0.0.1:{}/nowhere",
        closed_port()
    );
    let error = setup.save_store(Some(url)).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(
        error
            .message
            .starts_with("PostgreSQL at postgres://myca:***@127.0.0.1:"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("hunter22"), "{}", error.message);
    assert_eq!(setup.record().store, StoreSetting::Sqlite);
    assert!(!document.text().contains("hunter22"));

    let mut wrong_login = reqwest::Url::parse(&postgres_url()).unwrap();
    wrong_login.set_password(Some("wrong-pass")).unwrap();
    let wrong_login = wrong_login.to_string();
    let error = setup.test_store(&wrong_login).await.unwrap_err();
    assert!(
        error.message.contains("password authentication failed"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("wrong-pass"), "{}", error.message);

    let error = setup.test_store("mysql://x@y/z").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Invalid);
}

#[tokio::test]
async fn an_external_redis_is_tested_before_it_is_saved() {
    let data = tempfile::tempdir().unwrap();
    let (document, setup, _) = setup(data.path());
    let tested = setup.test_broker(&redis_url()).await.unwrap();
    assert!(tested.version.starts_with('7'), "{}", tested.version);

    let dead = format!("redis://:s3cret-pw@127.0.0.1:{}/0", closed_port());
    let error = setup.save_broker(Some(dead)).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(
        error.message.contains("did not answer"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("s3cret-pw"));
    assert_eq!(setup.record().broker, BrokerSetting::Managed);

    setup.save_broker(Some(redis_url())).await.unwrap();
    assert_eq!(
        setup.record().broker,
        BrokerSetting::External {
            url: redis_url(),
            password_in_keyring: false
        }
    );
    assert!(document.text().contains(&redis_url()));
    if std::env::var_os("MYCA_REDIS_URL").is_none() {
        let config = setup.service_config().await.unwrap();
        assert!(matches!(config.broker, BrokerChoice::External(url) if url == redis_url()));
    }
}

#[tokio::test]
async fn credentials_of_picked_kinds_live_in_the_keyring_only() {
    let data = tempfile::tempdir().unwrap();
    let (document, setup, service) = setup(data.path());
    assert!(setup.keyring_status().await.available);
    setup
        .choose_kinds(vec!["openai-agent".into(), "proxmox-agent".into()])
        .await
        .unwrap();
    let listed = setup.list_credentials().await;
    let names: Vec<_> = listed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["OPENAI_API_KEY", "PROXMOX_TOKEN_SECRET"]);
    assert!(listed
        .iter()
        .all(|c| c.state == CredentialState::Missing && c.masked.is_none()));
    assert_eq!(listed[0].kinds, ["openai-agent"]);
    assert_eq!(listed[0].check_task.as_deref(), Some("list_models"));

    let secret = "sk-setup-4f1d9a7c";
    let stored = setup
        .set_credential("OPENAI_API_KEY", secret)
        .await
        .unwrap();
    assert_eq!(stored.state, CredentialState::Present);
    assert_eq!(stored.masked.as_deref(), Some("••••••••"));
    assert!(!serde_json::to_string(&stored).unwrap().contains(secret));
    assert_eq!(
        secret_tool_lookup(&service, "credential:OPENAI_API_KEY").as_deref(),
        Some(secret)
    );
    assert!(!document.text().contains(secret));

    setup
        .set_credential("OPENAI_API_KEY", "sk-rotated-99b2")
        .await
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&service, "credential:OPENAI_API_KEY").as_deref(),
        Some("sk-rotated-99b2")
    );
    // Nothing to check it on: the operator is told how.
    let refused = setup
        .check_credential(
            &myca_orchestrator::desktop::Desktop::new(),
            "OPENAI_API_KEY",
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::NotReady);

    let error = setup
        .set_credential("NOT_DECLARED", "x-value")
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Invalid);
    let error = setup
        .set_credential("PROXMOX_TOKEN_SECRET", "  ")
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Invalid);

    let deleted = setup.delete_credential("OPENAI_API_KEY").await.unwrap();
    assert_eq!(deleted.state, CredentialState::Missing);
    assert_eq!(
        secret_tool_lookup(&service, "credential:OPENAI_API_KEY"),
        None
    );
}
