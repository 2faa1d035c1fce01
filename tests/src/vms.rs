//! The test "remote VMs" `.ci/services` starts (network namespaces with a
//! dockerd and an sshd each), as a fleet reaches them: SSH host profiles.

use std::path::PathBuf;
use std::process::Command;

use bollard::Docker;
use serde_json::{json, Value};

use crate::service_env;

pub struct Vm {
    /// 1 or 2.
    pub number: u8,
    pub ssh_host: String,
    /// The VM engine's socket, reachable from this machine's filesystem
    /// (for cleanup; the fleet itself goes through SSH).
    pub docker_socket: String,
    pub host_key_pub: PathBuf,
    /// This machine's end of the VM's veth pair: down cuts the VM off.
    pub link: String,
}

impl Vm {
    pub fn nth(number: u8) -> Self {
        let prefix = match number {
            1 => "MYCA_TEST_VM".to_owned(),
            n => format!("MYCA_TEST_VM{n}"),
        };
        let what = format!("remote VM {number} (netns + dockerd + sshd)");
        let env = |suffix: &str| service_env(&format!("{prefix}_{suffix}"), &what);
        Self {
            number,
            ssh_host: env("SSH_HOST"),
            docker_socket: env("DOCKER_SOCKET"),
            host_key_pub: PathBuf::from(env("HOST_PUBKEY")),
            link: env("LINK"),
        }
    }

    /// A host profile for `POST /hosts`, without a pinned key (first contact).
    pub fn profile(&self, name: &str) -> Value {
        json!({
            "name": name, "kind": "ssh", "host": self.ssh_host, "port": 22, "user": "root",
            "auth": {"method": "key_file", "path": service_env("MYCA_TEST_SSH_KEY", "sshd")},
            "docker_socket": self.docker_socket,
        })
    }

    /// The VM's SSH host key fingerprint as `ssh-keygen -l -E sha256` prints it.
    pub fn fingerprint(&self) -> String {
        let output = Command::new("ssh-keygen")
            .args(["-l", "-E", "sha256", "-f"])
            .arg(&self.host_key_pub)
            .output()
            .expect("ssh-keygen runs");
        let text = String::from_utf8_lossy(&output.stdout);
        text.split_whitespace()
            .nth(1)
            .unwrap_or_else(|| panic!("ssh-keygen printed no fingerprint: {text}"))
            .to_owned()
    }

    pub async fn docker(&self) -> Docker {
        myca_orchestrator::docker::connect_local(std::path::Path::new(&self.docker_socket))
            .await
            .expect("the VM's dockerd answers on its socket")
    }

    /// Cuts (false) or restores (true) the VM's only link.
    pub fn set_link(&self, up: bool) {
        let state = if up { "up" } else { "down" };
        let status = Command::new("ip")
            .args(["link", "set", &self.link, state])
            .status()
            .expect("ip runs");
        assert!(status.success(), "ip link set {} {state}", self.link);
    }
}
