//! Debian's CrowdSec Local API, started privately on loopback: its own
//! configuration directory and SQLite database in a temporary directory,
//! no Central API and no log processing (`-no-cs`), one bouncer and one
//! machine registered with `cscli` before it starts.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;
use crate::process::ChildGuard;

pub const MACHINE_ID: &str = "myca-e2e";

pub struct CrowdSec {
    pub url: String,
    pub bouncer_key: String,
    pub machine_password: String,
    config: String,
    _process: ChildGuard,
    _dir: tempfile::TempDir,
}

fn config_yaml(dir: &Path, port: u16) -> String {
    let path = |name: &str| dir.join(name).display().to_string();
    format!(
        "common:\n  daemonize: false\n  log_media: stdout\n  log_level: warning\n  working_dir: .\n\
         config_paths:\n  config_dir: {etc}/\n  data_dir: {data}/\n  simulation_path: {etc}/simulation.yaml\n  \
         hub_dir: {hub}/\n  index_path: {hub}/.index.json\n\
         cscli:\n  output: json\n\
         db_config:\n  type: sqlite\n  db_path: {data}/crowdsec.db\n  use_wal: false\n\
         api:\n  client:\n    credentials_path: {etc}/local_api_credentials.yaml\n  \
         server:\n    log_level: warning\n    listen_uri: 127.0.0.1:{port}\n    profiles_path: {etc}/profiles.yaml\n\
         prometheus:\n  enabled: false\n",
        etc = path("etc"),
        data = path("data"),
        hub = path("hub"),
    )
}

/// What the Debian package's default profile does: a remediation alert on an IP bans it for 4h.
const PROFILES: &str = "name: default_ip_remediation\nfilters:\n - Alert.Remediation == true && Alert.GetScope() == \"Ip\"\n\
decisions:\n - type: ban\n   duration: 4h\non_success: break\n";

/// `cscli` on the private configuration; it opens the SQLite database itself.
fn cscli(config: &str, args: &[&str]) -> String {
    let output = Command::new("cscli")
        .arg("-c")
        .arg(config)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cscli cannot start ({error}): apt-get install crowdsec"));
    assert!(
        output.status.success(),
        "cscli {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl CrowdSec {
    fn cscli(&self, args: &[&str]) -> String {
        cscli(&self.config, args)
    }

    /// The Local API answering, with a bouncer and the machine `MACHINE_ID` registered.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["etc", "data", "hub"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let port = free_port();
        let config = dir.path().join("config.yaml").display().to_string();
        std::fs::write(&config, config_yaml(dir.path(), port)).unwrap();
        std::fs::write(dir.path().join("etc/profiles.yaml"), PROFILES).unwrap();
        std::fs::write(
            dir.path().join("etc/simulation.yaml"),
            "simulation: false\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("etc/local_api_credentials.yaml"), "").unwrap();
        // Registered before the Local API starts: both create the database
        // schema on first use, and SQLite refuses the second ("database is locked").
        let key = cscli(
            &config,
            &["bouncers", "add", "myca-e2e-bouncer", "-o", "json"],
        );
        let bouncer_key = serde_json::from_str::<String>(key.trim())
            .unwrap_or_else(|_| panic!("bouncer key: {key}"));
        let machine_password = uuid::Uuid::new_v4().simple().to_string();
        cscli(
            &config,
            &[
                "machines",
                "add",
                MACHINE_ID,
                "--password",
                &machine_password,
                "--force",
            ],
        );
        let child = Command::new("crowdsec")
            .args(["-c", &config, "-no-cs"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("crowdsec cannot start ({error}): apt-get install crowdsec")
            });
        let lapi = Self {
            url: format!("http://127.0.0.1:{port}"),
            bouncer_key,
            machine_password,
            config,
            _process: ChildGuard::terminated(child, Duration::from_secs(5)),
            _dir: dir,
        };
        lapi.wait_ready().await;
        lapi
    }

    async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = crate::http_client();
        loop {
            let answer = client
                .get(format!("{}/v1/decisions", self.url))
                .header("X-Api-Key", &self.bouncer_key)
                .send()
                .await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the CrowdSec Local API never answered on {}",
                self.url
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The version the machine `MACHINE_ID` last logged in with (from its User-Agent).
    pub fn machine_version(&self) -> serde_json::Value {
        let listed: serde_json::Value =
            serde_json::from_str(self.cscli(&["machines", "list", "-o", "json"]).trim()).unwrap();
        listed
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m["machineId"] == MACHINE_ID)
            .map(|m| m["version"].clone())
            .unwrap_or_default()
    }

    /// The decisions `cscli decisions list` shows (its own view of the database).
    pub fn cscli_decisions(&self) -> serde_json::Value {
        let listed = self.cscli(&["decisions", "list", "-o", "json"]);
        serde_json::from_str(listed.trim()).unwrap_or_else(|_| panic!("cscli decisions: {listed}"))
    }
}
