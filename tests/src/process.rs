//! Child processes a test started (`myca serve`, `ssh-agent`,
//! tauri-driver…), stopped and reaped when the guard drops: after a failed
//! assertion too, so a panicking test leaves no process behind.

use std::ops::{Deref, DerefMut};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct ChildGuard {
    child: Child,
    /// SIGTERM first and this long to exit, for children that must clean up
    /// their own children; `None`: SIGKILL at once.
    grace: Option<Duration>,
}

impl ChildGuard {
    /// Killed with SIGKILL on drop.
    pub fn new(child: Child) -> Self {
        Self { child, grace: None }
    }

    /// Sent SIGTERM on drop, then SIGKILL if it is still there after `grace`.
    pub fn terminated(child: Child, grace: Duration) -> Self {
        Self {
            child,
            grace: Some(grace),
        }
    }

    /// Sends `signal` (e.g. `INT`, `STOP`) to the child.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(
            status.success(),
            "kill -{signal} {} failed",
            self.child.id()
        );
    }

    fn exited_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Deref for ChildGuard {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.child
    }
}

impl DerefMut for ChildGuard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return;
        }
        if let Some(grace) = self.grace {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            if self.exited_within(grace) {
                return;
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
