//! restic as the storage-agent runs it: the program the agent image carries
//! (`/usr/bin/restic`), the repository from the agent's settings, the
//! password only in the child's own environment (never in argv, the
//! container's environment, logs or errors), no cache (the container's
//! root is read-only), and restic's own `Fatal:` line as the task error.

use std::process::Stdio;

use serde_json::Value;
use tokio::process::Command;

use crate::integration::{Redactor, Secret};
use crate::kinds::connect::{credential, setting};
use crate::runtime::handlers::TaskContext;

/// Where the agent image puts restic when the machine that built it had it.
pub const PROGRAM: &str = "/usr/bin/restic";
pub const PASSWORD: &str = "RESTIC_PASSWORD";

pub struct Restic {
    repository: String,
    password: Secret,
    temp_dir: String,
    redactor: Redactor,
}

impl Restic {
    pub fn for_agent(context: &TaskContext) -> Result<Self, String> {
        let repository = setting(context, "repository")?;
        if repository.is_empty() {
            return Err(
                "setting \"repository\" is empty: name the restic repository (a path \
                        inside host_directories, or a rest:/s3:/sftp: address)"
                    .to_owned(),
            );
        }
        let password = credential(context, PASSWORD)?;
        let mut redactor = Redactor::default();
        redactor.learn(password.expose());
        Ok(Self {
            repository: repository.to_owned(),
            password,
            temp_dir: setting(context, "temp_dir")?.to_owned(),
            redactor,
        })
    }

    /// Runs `restic --repo REPO --no-cache ARGS…`; its standard output, or
    /// what restic said went wrong.
    pub async fn run(&self, args: &[String]) -> Result<String, String> {
        let output = Command::new(PROGRAM)
            .arg("--repo")
            .arg(&self.repository)
            .arg("--no-cache")
            .args(args)
            .env_clear()
            .env("RESTIC_PASSWORD", self.password.expose())
            .env("TMPDIR", &self.temp_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => format!(
                    "restic is not in this agent's image ({PROGRAM}): install the Debian \
                     package restic on the machine that builds the agent image"
                ),
                _ => format!("restic cannot start: {error}"),
            })?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(self
            .redactor
            .redact(&format!("restic: {}", failure(&stderr))))
    }

    /// `run` with `--json`: each line restic printed, parsed (one array for
    /// `snapshots`; progress lines, then a summary, for `backup`).
    pub async fn json(&self, args: &[String]) -> Result<Vec<Value>, String> {
        let mut with_json = vec!["--json".to_owned()];
        with_json.extend_from_slice(args);
        let stdout = self.run(&with_json).await?;
        stdout
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line)
                    .map_err(|error| format!("restic: its JSON answer is unreadable ({error})"))
            })
            .collect()
    }
}

/// restic's reason: from its `Fatal:` line on (it may add a hint line),
/// else the last lines it wrote.
fn failure(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let from = lines
        .iter()
        .position(|line| line.starts_with("Fatal:"))
        .unwrap_or(lines.len().saturating_sub(2));
    let reason = lines[from..].join(" ");
    let reason = reason.strip_prefix("Fatal: ").unwrap_or(&reason);
    if reason.is_empty() {
        "it failed without saying why".to_owned()
    } else {
        reason.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::failure;

    #[test]
    fn the_fatal_line_is_the_reason() {
        assert_eq!(
            failure("Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?\n/r\n"),
            "unable to open config file: stat /r/config: no such file or directory Is there a repository at the following location? /r"
        );
        assert_eq!(
            failure("Fatal: wrong password or no key found\n"),
            "wrong password or no key found"
        );
        assert_eq!(
            failure("a\nb\ninvalid id \"x\": no matching ID found\n"),
            "b invalid id \"x\": no matching ID found"
        );
        assert_eq!(failure(""), "it failed without saying why");
    }
}
