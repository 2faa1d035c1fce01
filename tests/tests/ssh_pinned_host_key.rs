//! SSH to the loopback sshd: the pinned host key is accepted, any other refused.

use std::path::PathBuf;

use myca_e2e::process::ChildGuard;
use myca_e2e::service_env;
use myca_orchestrator::ssh::{
    discover_host_fingerprint, fingerprint_of_openssh_public_key, SshAuth, SshError, SshSession,
    SshTarget,
};

fn target() -> SshTarget {
    SshTarget {
        host: service_env("MYCA_TEST_SSH_HOST", "sshd"),
        port: service_env("MYCA_TEST_SSH_PORT", "sshd")
            .parse()
            .expect("MYCA_TEST_SSH_PORT is a port number"),
        user: service_env("MYCA_TEST_SSH_USER", "sshd"),
        auth: SshAuth::KeyFile {
            path: PathBuf::from(service_env("MYCA_TEST_SSH_KEY", "sshd")),
        },
    }
}

/// The fingerprint of the key sshd really serves, read from its public key file.
fn true_fingerprint() -> String {
    let path = service_env("MYCA_TEST_SSH_HOST_PUBKEY", "sshd");
    let text = std::fs::read_to_string(&path).expect("sshd host public key readable");
    fingerprint_of_openssh_public_key(&text).unwrap()
}

#[tokio::test]
async fn first_contact_reports_the_servers_fingerprint() {
    let target = target();
    let seen = discover_host_fingerprint(&target.host, target.port)
        .await
        .expect("sshd reachable");
    assert_eq!(seen, true_fingerprint());
}

#[tokio::test]
async fn pinned_key_connects_and_runs_a_command() {
    let session = SshSession::connect(&target(), &true_fingerprint())
        .await
        .expect("pinned key accepted and client key authorised");
    let output = session.exec("echo myca-$((40 + 2))").await.unwrap();
    assert_eq!(output.exit_status, Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "myca-42\n");
    session.close().await.unwrap();
}

#[tokio::test]
async fn a_different_pinned_key_is_refused_before_authentication() {
    let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let error = match SshSession::connect(&target(), wrong).await {
        Ok(_) => panic!("connected although the host key differs from the pin"),
        Err(error) => error,
    };
    match &error {
        SshError::HostKeyMismatch {
            pinned, presented, ..
        } => {
            assert_eq!(pinned, wrong);
            assert_eq!(presented, &true_fingerprint());
        }
        other => panic!("expected a host key mismatch, got {other}"),
    }
    assert!(error.to_string().contains("refusing to connect"));
}

#[tokio::test]
async fn an_unreadable_private_key_is_reported_without_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("id_bogus");
    std::fs::write(
        &bogus,
        "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n",
    )
    .unwrap();
    let mut target = target();
    target.auth = SshAuth::KeyFile { path: bogus };
    let error = match SshSession::connect(&target, &true_fingerprint()).await {
        Ok(_) => panic!("a garbage key cannot authenticate"),
        Err(error) => error,
    };
    assert!(matches!(error, SshError::PrivateKey { .. }), "{error}");
    assert!(!error.to_string().contains("c2VjcmV0LW1hdGVyaWFs"));
}

async fn run_echo(target: &SshTarget) {
    let session = SshSession::connect(target, &true_fingerprint())
        .await
        .expect("authenticated");
    let output = session.exec("echo ok").await.unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "ok\n");
    session.close().await.unwrap();
}

#[tokio::test]
async fn a_key_held_in_the_os_keyring_authenticates() {
    myca_e2e::service_env(
        "DBUS_SESSION_BUS_ADDRESS",
        "D-Bus session with gnome-keyring",
    );
    let key_path = service_env("MYCA_TEST_SSH_KEY", "sshd");
    let secrets = myca_orchestrator::secrets::SecretStore::default();
    let name = myca_e2e::unique_name("ssh-key");
    secrets
        .set(&name, &std::fs::read_to_string(key_path).unwrap())
        .await
        .unwrap();
    let mut target = target();
    target.auth = SshAuth::Keyring {
        secret: name.clone(),
    };
    run_echo(&target).await;
    secrets.delete(&name).await.unwrap();

    let error = match SshSession::connect(&target, &true_fingerprint()).await {
        Ok(_) => panic!("a deleted key cannot authenticate"),
        Err(error) => error,
    };
    assert!(error.to_string().contains("no such secret"), "{error}");
}

#[tokio::test]
async fn keys_offered_by_an_ssh_agent_authenticate() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("agent.sock");
    let _agent = ChildGuard::new(
        std::process::Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent (openssh-client) is installed"),
    );
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let added = std::process::Command::new("ssh-add")
        .arg(service_env("MYCA_TEST_SSH_KEY", "sshd"))
        .env("SSH_AUTH_SOCK", &socket)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let mut target = target();
    target.auth = SshAuth::Agent {
        socket: Some(socket.clone()),
    };
    run_echo(&target).await;
}
