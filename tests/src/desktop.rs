//! Drives the real desktop binary through tauri-driver and WebKitWebDriver.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::process::ChildGuard;
use crate::{free_port, service_env};

/// The app binary `cargo build -p myca-desktop` produced.
pub fn desktop_binary() -> PathBuf {
    let path = std::env::var_os("MYCA_DESKTOP_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
            target.join("debug/myca-desktop")
        });
    assert!(
        path.is_file(),
        "desktop app binary {} not found: build it first with `cargo build -p myca-desktop` \
         (or set MYCA_DESKTOP_BIN)",
        path.display()
    );
    path
}

/// Where end-to-end screenshots go (named in the README).
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots")
}

/// A tauri-driver on its own ports, stopped with SIGTERM on drop (SIGKILL
/// would leak its WebKitWebDriver child, which keeps the port).
pub struct TauriDriver {
    child: ChildGuard,
    port: u16,
    _one_window_at_a_time: std::fs::File,
}

/// The variable that marks, in their environment, the processes a driver
/// started: tauri-driver passes its environment on to WebKitWebDriver and
/// the app.
const DRIVER_MARK: &str = "MYCA_E2E_TAURI_DRIVER";

impl Drop for TauriDriver {
    /// WebKitWebDriver ends the app when its session is deleted, but not
    /// always when it is itself stopped (a test that failed, a session that
    /// did not close): an app left behind would cover the next test's window
    /// on the shared display. Its processes go before the driver.
    fn drop(&mut self) {
        let mark = format!("{DRIVER_MARK}={}", self.port);
        let driver = self.child.id().to_string();
        let left = marked_processes(&mark, &driver);
        for pid in &left {
            let _ = Command::new("kill").args(["-TERM", pid]).status();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while !marked_processes(&mark, &driver).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The live processes (not `except`) whose environment holds `mark`; an
/// exited one awaiting its parent shows an empty environment.
fn marked_processes(mark: &str, except: &str) -> Vec<String> {
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    processes
        .flatten()
        .map(|process| process.file_name().to_string_lossy().into_owned())
        .filter(|pid| pid != except && pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|environ| environ.split(|b| *b == 0).any(|var| var == mark.as_bytes()))
        })
        .collect()
}

/// Windows on one X display overlap, and WebKit does not repaint a covered
/// one, so its screenshots go stale: tests take turns, across test
/// processes too (nextest runs each test in its own).
fn lock_display() -> std::fs::File {
    let path = std::env::temp_dir().join("myca-desktop-e2e.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|error| panic!("cannot open {}: {error}", path.display()));
    file.lock()
        .unwrap_or_else(|error| panic!("cannot lock {}: {error}", path.display()));
    file
}

impl TauriDriver {
    /// The process of `application` this driver launched, once it runs.
    pub fn app_pid(&self, application: &Path) -> Option<u32> {
        crate::rss::find_process(application, DRIVER_MARK, &self.port.to_string())
    }

    /// Starts the driver; `app_env` is what the app process will see.
    pub fn start(app_env: &[(&str, &str)], removed_env: &[&str]) -> Self {
        let driver = service_env("MYCA_TEST_TAURI_DRIVER", "tauri-driver");
        let webkit = service_env("MYCA_TEST_WEBKIT_DRIVER", "WebKitWebDriver");
        service_env("DISPLAY", "Xvfb (an X display)");
        let display_lock = lock_display();
        let port = free_port();
        let native_port = free_port();
        // Its WebKitWebDriver child may outlive it by a moment: sharing the
        // test's stderr would keep the test's output open (a "leaky" test).
        let log_path = std::env::temp_dir().join(format!("myca-tauri-driver-{port}.log"));
        let log = std::fs::File::create(&log_path)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", log_path.display()));
        let mut command = Command::new(&driver);
        command
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .args(["--native-driver", &webkit])
            .env(DRIVER_MARK, port.to_string())
            .stdout(Stdio::null())
            .stderr(log);
        for (name, value) in app_env {
            command.env(name, value);
        }
        for name in removed_env {
            command.env_remove(name);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start tauri-driver {driver}: {error}"));
        let driver = Self {
            child: ChildGuard::terminated(child, Duration::from_secs(10)),
            port,
            _one_window_at_a_time: display_lock,
        };
        driver.wait_until_listening(Duration::from_secs(20));
        driver
    }

    fn wait_until_listening(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Opens a WebDriver session, which launches the app binary.
    pub async fn launch(&self, application: &Path) -> Client {
        // Already installed by an earlier launch in this process: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("wry"));
        capabilities.insert(
            "tauri:options".into(),
            json!({ "application": application.display().to_string() }),
        );
        ClientBuilder::rustls()
            .expect("TLS roots for the WebDriver client")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("tauri-driver starts a session with the desktop app")
    }
}

/// Lets the page paint what its DOM holds: a screenshot is the last frame
/// WebKit painted, which lags the DOM, so one taken right after an assertion
/// on the DOM can still show the state before it.
async fn wait_for_paint(client: &Client) {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await
        .expect("the page paints a frame");
}

/// Saves a screenshot of what the window shows once the page has painted
/// its current DOM; call it only after asserting the state it is named for.
pub async fn save_screenshot(client: &Client, name: &str) {
    wait_for_paint(client).await;
    let png = client.screenshot().await.expect("screenshot of the window");
    assert!(png.starts_with(b"\x89PNG"), "WebDriver returned a PNG");
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

/// Launches the app in `env` and waits until its window shows the first
/// status report; the driver holds the display until it is dropped.
pub async fn window_up(env: &AppEnv) -> (TauriDriver, Client) {
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    crate::window::find(&client, "#status-panel[data-loaded='true']").await;
    (driver, client)
}

/// The app's view of the world: its own data directories (never the
/// user's), a Redis, and an embedded fleet of its own instance on the host
/// network.
pub struct AppEnv {
    home: tempfile::TempDir,
    pub instance: String,
    /// The Redis database the app's fleet uses.
    pub redis_url: String,
    /// The app's SQL store (a test may read or seed it).
    pub database: myca_orchestrator::config::DatabaseTarget,
    vars: Vec<(&'static str, String)>,
}

impl AppEnv {
    pub fn new(redis_url: String) -> Self {
        let home = tempfile::tempdir().unwrap();
        let dir = |name: &str| home.path().join(name).display().to_string();
        let instance = crate::unique_instance().as_str().to_owned();
        let database_path = home.path().join("myca.db");
        let vars = vec![
            (
                "MYCA_DATABASE_URL",
                format!("sqlite:{}", database_path.display()),
            ),
            ("XDG_DATA_HOME", dir("data")),
            ("XDG_CONFIG_HOME", dir("config")),
            ("XDG_CACHE_HOME", dir("cache")),
            ("XDG_DOWNLOAD_DIR", dir("downloads")),
            ("MYCA_REDIS_URL", redis_url.clone()),
            ("MYCA_INSTANCE", instance.clone()),
            ("MYCA_AGENT_NETWORK", "host".into()),
            ("MYCA_FIRST_AGENT_PORT", crate::free_port().to_string()),
            (
                "MYCA_AGENT_BINARY",
                crate::agent::agent_binary().display().to_string(),
            ),
        ];
        Self {
            home,
            instance,
            redis_url,
            database: myca_orchestrator::config::DatabaseTarget::Sqlite(database_path),
            vars,
        }
    }

    /// A service of the test's own in the app's fleet instance and Redis
    /// (its store in `data_dir`): agents it spawns are the app's agents.
    pub async fn join_fleet(
        &self,
        data_dir: &Path,
    ) -> std::sync::Arc<myca_orchestrator::service::FleetService> {
        let mut config = crate::api::test_service_config(
            myca_orchestrator::config::DatabaseTarget::sqlite_in(data_dir),
        )
        .await;
        config.broker = myca_orchestrator::service::BrokerChoice::External(self.redis_url.clone());
        config.instance = myca_orchestrator::pool::FleetInstance::parse(&self.instance)
            .expect("the app's instance name is valid");
        myca_orchestrator::service::FleetService::start(config)
            .await
            .expect("a service joins the app's fleet")
    }

    /// Sets (or replaces) a variable the app will see.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.vars.retain(|(k, _)| *k != name);
        self.vars.push((name, value.into()));
    }

    /// Takes a variable out of what the app will see.
    pub fn remove(&mut self, name: &str) {
        self.vars.retain(|(k, _)| *k != name);
    }

    /// Marks the first-run wizard as done, so the app opens on the fleet
    /// overview (what an operator sees every day) instead of the wizard.
    pub fn skip_setup(&self) {
        let dir = self.home().join("data/dev.myca.controlplane");
        std::fs::create_dir_all(&dir).unwrap();
        let record = serde_json::json!({ "setup": { "completed": true } });
        std::fs::write(dir.join("settings.json"), record.to_string()).unwrap();
    }

    /// The app's private home: its data, config and cache directories and its store.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Gives `command` this environment.
    pub fn apply(&self, command: &mut Command) {
        command.envs(self.vars.iter().map(|(k, v)| (*k, v.as_str())));
    }

    /// A driver whose app sees this environment.
    pub fn driver(&self) -> TauriDriver {
        let vars: Vec<(&str, &str)> = self.vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        TauriDriver::start(&vars, &[])
    }
}
