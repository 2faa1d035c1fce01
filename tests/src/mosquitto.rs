//! Debian's Mosquitto, started privately on a free loopback port: anonymous
//! clients, nothing persisted, so each test starts with an empty broker.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;
use crate::process::ChildGuard;

pub struct Mosquitto {
    pub port: u16,
    child: Option<ChildGuard>,
    _dir: tempfile::TempDir,
}

impl Mosquitto {
    /// Running and accepting connections.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("mosquitto.conf");
        std::fs::write(
            &config,
            format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
        )
        .unwrap();
        let child = Command::new("mosquitto")
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("mosquitto cannot start ({error}): apt-get install mosquitto")
            });
        let broker = Self {
            port,
            child: Some(ChildGuard::terminated(child, Duration::from_secs(5))),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        broker
    }

    /// Stops it: the broker is down from now on.
    pub fn stop(&mut self) {
        self.child = None;
    }
}
