//! A private redis-server the test can crash and restart.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;
use crate::process::ChildGuard;

pub struct RedisServer {
    child: Option<ChildGuard>,
    pub address: String,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// On loopback.
    pub fn start() -> Self {
        Self::start_on("127.0.0.1")
    }

    /// On a given local address, e.g. the host's end of a test VM's link.
    pub fn start_on(address: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Self {
            child: None,
            address: address.to_owned(),
            port: free_port(),
            dir,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("redis://{}:{}/0", self.address, self.port)
    }

    /// Starts it (again) on the same port, empty: no persistence.
    pub fn restart(&mut self) {
        let binary = which_redis();
        let child = Command::new(&binary)
            .args(["--port", &self.port.to_string(), "--bind", &self.address])
            // Reached from a test VM's network namespace, not from loopback.
            .args(["--protected-mode", "no"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("Redis: cannot start {}: {error}", binary.display()));
        self.child = Some(ChildGuard::new(child));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect((self.address.as_str(), self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills it the hard way, as a crash would.
    pub fn crash(&mut self) {
        // Dropping the guard kills and reaps it.
        self.child = None;
    }
}

pub fn which_redis() -> PathBuf {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
        .expect("Redis: redis-server is not on PATH (run .ci/setup)")
}
