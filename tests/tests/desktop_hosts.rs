//! The Hosts view through the real window (WebDriver under Xvfb, the app's
//! embedded fleet on this machine's engine): the CI's remote VM imported
//! from the operator's `~/.ssh/config`, its SHA256 host key shown on first
//! contact and confirmed against what `ssh-keygen` prints, a connection
//! test's report, the VM joining the fleet and shown up with its gauges; a
//! host whose pinned key does not match shown refused with both
//! fingerprints; the VM disabled, enabled again, and removed through the
//! dialog; the changed key re-confirmed explicitly, after which that host
//! joins. Screenshots go to
//! tests/screenshots/.

use fantoccini::Client;
use myca_e2e::agent::fresh_redis_db;
use myca_e2e::desktop::{desktop_binary, save_screenshot, AppEnv};
use myca_e2e::fleet_api::JOINING;
use myca_e2e::locks::vm_link_shared;
use myca_e2e::service_env;
use myca_e2e::vms::Vm;
use myca_e2e::window::{
    click, find, open_view, testid, type_into, wait_for_text, wait_for_text_within,
};
use myca_orchestrator::hosts::{HostKind, HostProfile};
use myca_orchestrator::ssh::SshAuth;
use myca_orchestrator::store::Store;

/// An operator's home whose `~/.ssh/config` names the VM as `myca-vm`.
fn home_with_ssh_config(vm: &Vm) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join(".ssh")).unwrap();
    let config = format!(
        "Host myca-vm\n    HostName {}\n    User root\n    IdentityFile {}\n\nHost *\n    Port 22\n",
        vm.ssh_host,
        service_env("MYCA_TEST_SSH_KEY", "sshd"),
    );
    std::fs::write(home.path().join(".ssh/config"), config).unwrap();
    home
}

/// A saved host for VM 1 pinned to VM 2's key: as if VM 1 were reinstalled.
async fn save_moved_host(env: &AppEnv, vm1: &Vm, vm2: &Vm) {
    let store = Store::open_and_migrate(&env.database).await.unwrap();
    let profile = HostProfile::new(
        "vm-moved",
        HostKind::Ssh {
            host: vm1.ssh_host.clone(),
            port: 22,
            user: "root".into(),
            auth: SshAuth::KeyFile {
                path: service_env("MYCA_TEST_SSH_KEY", "sshd").into(),
            },
            docker_socket: vm1.docker_socket.clone(),
            host_key_fingerprint: vm2.fingerprint(),
        },
    );
    store.put_host(&profile).await.unwrap();
}

async fn text_of(client: &Client, id: &str) -> String {
    find(client, &testid(id)).await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operator_adds_a_vm_and_sees_a_changed_key_refused() {
    let _link = vm_link_shared();
    let (vm1, vm2) = (Vm::nth(1), Vm::nth(2));
    let home = home_with_ssh_config(&vm1);
    let mut env = AppEnv::new(fresh_redis_db().await);
    env.set("HOME", home.path().display().to_string());
    save_moved_host(&env, &vm1, &vm2).await;
    let driver = env.driver();
    let client = driver.launch(&desktop_binary()).await;
    find(&client, "[data-testid='topbar'][data-phase='ready']").await;

    // The host whose key changed is refused, both keys shown.
    open_view(&client, "hosts").await;
    wait_for_text(
        &client,
        &testid("host-state-vm-moved"),
        "refused: host key changed",
    )
    .await;
    assert_eq!(
        text_of(&client, "host-key-pinned-vm-moved").await,
        vm2.fingerprint()
    );
    assert_eq!(
        text_of(&client, "host-key-presented-vm-moved").await,
        vm1.fingerprint()
    );
    wait_for_text(&client, &testid("host-state-local"), "up").await;
    save_screenshot(&client, "desktop-hosts-key-changed.png").await;

    // Add the VM from ~/.ssh/config; first contact shows its key.
    click(&client, "host-add").await;
    click(&client, "host-import").await;
    click(&client, "host-import-myca-vm").await;
    type_into(&client, "host-docker-socket", &vm1.docker_socket).await;
    type_into(&client, "host-labels", "zone=ci").await;
    click(&client, "host-read-key").await;
    let shown = text_of(&client, "host-key-fingerprint").await;
    assert_eq!(
        shown,
        vm1.fingerprint(),
        "the key ssh-keygen prints for the VM"
    );
    let save = find(&client, &testid("host-save")).await;
    assert_eq!(
        save.attr("disabled").await.unwrap().as_deref(),
        Some("true")
    );
    save_screenshot(&client, "desktop-hosts-first-contact.png").await;
    click(&client, "host-key-trust").await;
    wait_for_text(&client, &testid("host-key-pinned"), &vm1.fingerprint()).await;

    // Test connection before saving: the engine's report.
    click(&client, "host-test").await;
    let docker = wait_for_text(&client, &testid("host-report-docker"), "API 1.").await;
    assert!(docker.len() > "(API 1.41)".len(), "{docker}");
    let latency = text_of(&client, "host-report-latency").await;
    assert!(latency.ends_with(" ms"), "{latency}");
    wait_for_text(&client, &testid("host-report-disk"), "free of").await;
    save_screenshot(&client, "desktop-hosts-test.png").await;

    // Saved, it joins the fleet and is shown up with its engine and gauges.
    click(&client, "host-save").await;
    wait_for_text_within(&client, &testid("host-state-myca-vm"), "up", JOINING).await;
    let engine = text_of(&client, "host-engine-myca-vm").await;
    assert!(
        engine.contains("Docker") && engine.contains("CPUs"),
        "{engine}"
    );
    assert_eq!(text_of(&client, "host-gauge-myca-vm-agents").await, "0");
    let cpu = text_of(&client, "host-gauge-myca-vm-cpu").await;
    assert!(cpu.starts_with("0 / ") && cpu.ends_with("CPUs"), "{cpu}");
    let memory = text_of(&client, "host-gauge-myca-vm-memory").await;
    assert!(memory.starts_with("0 MB / "), "{memory}");
    save_screenshot(&client, "desktop-hosts-up.png").await;

    // Disabled, it is kept but not used; enabled, it joins again.
    click(&client, "host-toggle-myca-vm").await;
    wait_for_text(&client, &testid("host-state-myca-vm"), "disabled").await;
    wait_for_text(&client, "[data-testid='toasts']", "myca-vm disabled").await;
    click(&client, "host-toggle-myca-vm").await;
    wait_for_text_within(&client, &testid("host-state-myca-vm"), "up", JOINING).await;

    // Removed through the dialog, leaving whatever runs there.
    click(&client, "host-remove-myca-vm").await;
    click(&client, "host-remove-leave").await;
    save_screenshot(&client, "desktop-hosts-remove.png").await;
    click(&client, "host-remove-ok").await;
    wait_for_text(&client, "[data-testid='toasts']", "Removed myca-vm").await;
    let store = Store::open_and_migrate(&env.database).await.unwrap();
    assert!(store.host("myca-vm").await.unwrap().is_none());

    // The moved host's new key, re-confirmed explicitly: pinned, it joins.
    click(&client, "host-repin-start-vm-moved").await;
    wait_for_text(&client, &testid("host-repin-vm-moved"), &vm1.fingerprint()).await;
    let pin = find(&client, &testid("host-repin-confirm-vm-moved")).await;
    assert_eq!(pin.attr("disabled").await.unwrap().as_deref(), Some("true"));
    click(&client, "host-repin-checked-vm-moved").await;
    click(&client, "host-repin-confirm-vm-moved").await;
    wait_for_text_within(&client, &testid("host-state-vm-moved"), "up", JOINING).await;
    let saved = store.host("vm-moved").await.unwrap().unwrap();
    assert!(
        matches!(&saved.kind, HostKind::Ssh { host_key_fingerprint, .. } if *host_key_fingerprint == vm1.fingerprint()),
        "{saved:?}"
    );
    client.close().await.unwrap();
}
