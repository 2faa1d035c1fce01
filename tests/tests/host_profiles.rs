//! What the Hosts view relies on, against the CI's remote VM (a network
//! namespace with its own dockerd and sshd): the connection test's report
//! with the disk the engine keeps its data on, a key pair the app generates
//! signing in from the OS keyring once its public line is in
//! `authorized_keys`, and a changed host key refused until the operator
//! re-pins exactly the key the host presents.

use std::io::Write;
use std::process::Command;

use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fleet_api::{managed_fleet_config, wait_for_host, JOINING, PATIENCE};
use myca_e2e::locks::vm_link_shared;
use myca_e2e::vms::Vm;
use myca_e2e::{service_env, unique_name};
use myca_orchestrator::hosts::{test_profile, HostError, HostKind, HostProfile};
use myca_orchestrator::pool::broker_container;
use myca_orchestrator::secrets::SecretStore;
use myca_orchestrator::service::{AgentsOnRemoval, HostsError};
use myca_orchestrator::ssh::{generate_into_keyring, SshAuth, SshError};

fn vm_profile(vm: &Vm, name: &str, auth: SshAuth) -> HostProfile {
    HostProfile::new(
        name,
        HostKind::Ssh {
            host: vm.ssh_host.clone(),
            port: 22,
            user: "root".into(),
            auth,
            docker_socket: vm.docker_socket.clone(),
            host_key_fingerprint: vm.fingerprint(),
        },
    )
}

fn test_key() -> SshAuth {
    SshAuth::KeyFile {
        path: service_env("MYCA_TEST_SSH_KEY", "sshd").into(),
    }
}

/// `df -Pk` total of `path` in KiB, read here (the VM shares this file system).
fn local_total_kib(path: &str) -> u64 {
    let output = Command::new("df").args(["-Pk", path]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_connection_test_reports_the_vm_engine_and_its_disk() {
    let _link = vm_link_shared();
    let vm = Vm::nth(1);
    let report = test_profile(&vm_profile(&vm, "vm-report", test_key()))
        .await
        .expect("the VM answers over SSH");
    assert!(!report.engine_version.is_empty(), "{report:?}");
    assert!(report.api_version.starts_with("1."), "{report:?}");
    assert!(!report.os.is_empty(), "{report:?}");
    assert!(report.cpus >= 1 && report.memory_bytes > 0, "{report:?}");
    assert!(
        report.latency_ms > 0.0 && report.latency_ms < 5000.0,
        "{report:?}"
    );
    assert!(report.docker_root_dir.ends_with("/vm/data"), "{report:?}");
    let disk = report
        .disk
        .clone()
        .unwrap_or_else(|| panic!("no disk: {report:?}"));
    assert_eq!(report.disk_unknown, None);
    assert!(
        disk.free_bytes > 0 && disk.free_bytes <= disk.total_bytes,
        "{disk:?}"
    );
    assert_eq!(
        disk.total_bytes,
        local_total_kib(&report.docker_root_dir) * 1024,
        "the VM's df of its data root is the file system's"
    );
}

/// The VMs' sshd reads this file: a line appended is trusted until removed.
struct AuthorizedLine {
    path: String,
    line: String,
}

impl AuthorizedLine {
    fn append(line: &str) -> Self {
        let path = format!(
            "{}/authorized_keys",
            std::path::Path::new(&service_env("MYCA_TEST_SSH_KEY", "sshd"))
                .parent()
                .unwrap()
                .display()
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        writeln!(file, "{line}").unwrap();
        Self {
            path,
            line: line.to_owned(),
        }
    }
}

impl Drop for AuthorizedLine {
    fn drop(&mut self) {
        if let Ok(text) = std::fs::read_to_string(&self.path) {
            let kept: String = text
                .lines()
                .filter(|l| *l != self.line)
                .map(|l| format!("{l}\n"))
                .collect();
            let _ = std::fs::write(&self.path, kept);
        }
    }
}

#[tokio::test]
async fn a_generated_key_pair_signs_in_from_the_keyring_once_authorized() {
    service_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "D-Bus session with gnome-keyring",
    );
    let _link = vm_link_shared();
    let vm = Vm::nth(1);
    let secrets = SecretStore::default();
    let secret = unique_name("ssh-key:test");
    let line = generate_into_keyring(&secrets, &secret, "myca@vm-generated")
        .await
        .expect("the keyring takes the private key");
    assert!(line.starts_with("ssh-ed25519 ") && line.ends_with(" myca@vm-generated"));
    // The keyring holds the private half (signing in below proves it is
    // this line's); the answer carries none of it.
    let private = secrets.get(&secret).await.unwrap().expect("stored");
    assert!(private.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    assert!(!line.contains("PRIVATE"));

    let profile = vm_profile(
        &vm,
        "vm-generated",
        SshAuth::Keyring {
            secret: secret.clone(),
        },
    );
    let refused = test_profile(&profile).await.unwrap_err();
    assert!(
        matches!(refused, HostError::Ssh(SshError::AuthRejected { .. })),
        "not yet in authorized_keys: {refused}"
    );
    let authorized = AuthorizedLine::append(&line);
    let report = test_profile(&profile)
        .await
        .expect("signs in with the generated key");
    assert!(!report.engine_version.is_empty());
    drop(authorized);
    secrets.delete(&secret).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_key_is_refused_until_the_presented_key_is_re_pinned() {
    let _link = vm_link_shared();
    let (vm1, vm2) = (Vm::nth(1), Vm::nth(2));
    let dir = tempfile::tempdir().unwrap();
    let config = managed_fleet_config(dir.path()).await;
    let instance = config.instance.clone();
    let api = ApiServer::start(config).await;
    let mut guard = ContainerGuard::new(&vm1.docker().await);
    guard.watch(broker_container(&instance));
    let service = &api.service;

    // VM 1 saved under VM 2's key: as if VM 1 had been reinstalled.
    let mut moved = vm_profile(&vm1, "vm-moved", test_key());
    if let HostKind::Ssh {
        host_key_fingerprint,
        ..
    } = &mut moved.kind
    {
        *host_key_fingerprint = vm2.fingerprint();
    }
    let joined = service.join_host(moved).await.unwrap();
    assert_eq!(joined.status, "connecting");
    let refused = wait_for_host(&api, "vm-moved", "key_changed", PATIENCE).await;
    assert_eq!(refused["pinned"], vm2.fingerprint());
    assert_eq!(refused["presented"], vm1.fingerprint());

    // Re-pinning takes only the key the host presents now.
    let wrong = service
        .repin_host("vm-moved", &vm2.fingerprint())
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong, HostsError::NotPresented { presented, .. } if *presented == vm1.fingerprint()),
        "{wrong}"
    );
    assert_eq!(
        service.host_profile("vm-moved").await.unwrap(),
        service.store.host("vm-moved").await.unwrap().unwrap()
    );
    service
        .repin_host("vm-moved", &vm1.fingerprint())
        .await
        .unwrap();
    let up = wait_for_host(&api, "vm-moved", "up", JOINING).await;
    assert!(up["engine"]["cpus"].as_f64().unwrap() >= 1.0, "{up}");
    assert_eq!(up["reserved_cpus"], 0.0);
    let saved = service.store.host("vm-moved").await.unwrap().unwrap();
    assert!(
        matches!(saved.kind, HostKind::Ssh { host_key_fingerprint, .. } if host_key_fingerprint == vm1.fingerprint())
    );

    let stopped = service
        .remove_host("vm-moved", AgentsOnRemoval::Leave)
        .await
        .unwrap();
    assert!(stopped.is_empty());
    assert!(service.store.host("vm-moved").await.unwrap().is_none());
}
