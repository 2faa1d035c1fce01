//! The Hosts view: the fleet's hosts with their state and load, and the
//! remote VM profiles an operator adds, tests, edits, disables and removes.
//! An SSH host is saved only with a key fingerprint the operator confirmed
//! after seeing it; a key pair the app makes goes into the keyring at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::failed;
use super::{Desktop, DesktopError, ErrorKind, FieldError};
use crate::config::DEFAULT_DOCKER_SOCKET;
use crate::hosts::{
    placeholder_fingerprint, read_ssh_config, test_profile, HostKind, HostProfile, HostReport,
    InvalidProfile, SshConfigEntry,
};
use crate::hostset::HostView;
use crate::secrets::SecretStore;
use crate::service::{
    generated_key_secret, presented_host_key, AgentsOnRemoval, HostsError, JoinedHost,
};
use crate::ssh::{generate_into_keyring, SshAuth};

/// A remote VM's connection profile as the form edits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct HostDraft {
    pub name: String,
    /// A DNS name or an IP address.
    pub address: String,
    pub port: u16,
    pub user: String,
    pub auth: SshAuth,
    /// The engine's socket on the VM; default /var/run/docker.sock.
    #[serde(default)]
    pub docker_socket: Option<String>,
    /// The key fingerprint the operator confirmed; none before first contact.
    #[serde(default)]
    pub host_key_fingerprint: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub enabled: bool,
}

/// One row of the Hosts view.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HostEntry {
    #[serde(flatten)]
    pub view: HostView,
    /// The saved profile of a remote VM; none for a local engine.
    pub profile: Option<HostDraft>,
    /// The host the app was started on: changed with its settings, not here.
    pub fixed: bool,
}

/// A key pair made for a host: where its private half is, and the line to
/// append to `authorized_keys` on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct GeneratedKey {
    pub secret: String,
    pub public_key: String,
}

impl HostDraft {
    fn from_profile(profile: &HostProfile) -> Option<Self> {
        let HostKind::Ssh {
            host,
            port,
            user,
            auth,
            docker_socket,
            host_key_fingerprint,
        } = &profile.kind
        else {
            return None;
        };
        Some(Self {
            name: profile.name.clone(),
            address: host.clone(),
            port: *port,
            user: user.clone(),
            auth: auth.clone(),
            docker_socket: Some(docker_socket.clone()),
            host_key_fingerprint: Some(host_key_fingerprint.clone()),
            labels: profile.labels.clone(),
            enabled: profile.enabled,
        })
    }

    /// The profile pinned to `fingerprint`, checked field by field.
    fn profile_pinned_to(&self, fingerprint: &str) -> Result<HostProfile, DesktopError> {
        let profile = HostProfile {
            name: self.name.trim().to_owned(),
            kind: HostKind::Ssh {
                host: self.address.trim().to_owned(),
                port: self.port,
                user: self.user.trim().to_owned(),
                auth: self.auth.clone(),
                docker_socket: self
                    .docker_socket
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| DEFAULT_DOCKER_SOCKET.to_owned()),
                host_key_fingerprint: fingerprint.to_owned(),
            },
            enabled: self.enabled,
            labels: self.labels.clone(),
        };
        profile.validate().map_err(invalid)?;
        Ok(profile)
    }

    /// The profile, which must carry a confirmed key.
    fn profile(&self) -> Result<HostProfile, DesktopError> {
        match &self.host_key_fingerprint {
            Some(fingerprint) => self.profile_pinned_to(fingerprint),
            None => Err(DesktopError::invalid_fields(vec![FieldError {
                field: "host_key_fingerprint".into(),
                message: "read the host's key and confirm it first".into(),
            }])),
        }
    }
}

/// A profile's fault, named as the form's field.
fn invalid(error: InvalidProfile) -> DesktopError {
    let field = match error.field {
        "host" => "address",
        "auth.path" | "auth.secret" | "auth.socket" => "auth",
        other => other,
    };
    DesktopError::invalid_fields(vec![FieldError {
        field: field.to_owned(),
        message: error.reason,
    }])
}

fn hosts_failed(error: HostsError) -> DesktopError {
    match error {
        HostsError::Invalid(error) => invalid(error),
        other => failed(other),
    }
}

impl Desktop {
    /// Every host with its state, load and (for a remote VM) its profile.
    pub fn host_entries(&self) -> Result<Vec<HostEntry>, DesktopError> {
        let service = self.service()?;
        Ok(service
            .hosts
            .views()
            .into_iter()
            .map(|view| HostEntry {
                profile: service
                    .hosts
                    .profile(&view.name)
                    .as_ref()
                    .and_then(HostDraft::from_profile),
                fixed: view.name == service.first_host,
                view,
            })
            .collect())
    }

    /// The hosts of the operator's `~/.ssh/config`, to fill the form from.
    pub async fn ssh_config_entries(&self) -> Result<Vec<SshConfigEntry>, DesktopError> {
        read_ssh_config()
            .await
            .map_err(|error| DesktopError::new(ErrorKind::Unavailable, error.to_string()))
    }

    /// Makes an ed25519 key pair for host `name`, its private half in the
    /// OS keyring; answers the public line for the host's `authorized_keys`.
    pub async fn generate_host_key(&self, name: &str) -> Result<GeneratedKey, DesktopError> {
        let name = name.trim();
        // The name is checked as the profile will check it.
        HostProfile::new(
            name,
            HostKind::Local {
                socket: DEFAULT_DOCKER_SOCKET.into(),
            },
        )
        .validate()
        .map_err(invalid)?;
        let secret = generated_key_secret(name);
        let public_key =
            generate_into_keyring(&SecretStore::default(), &secret, &format!("myca@{name}"))
                .await
                .map_err(|error| DesktopError::new(ErrorKind::Unavailable, error.to_string()))?;
        Ok(GeneratedKey { secret, public_key })
    }

    /// The SHA256 fingerprint of the key the draft's host presents, for the
    /// operator to compare with the machine's own before trusting it.
    pub async fn read_host_key(&self, draft: &HostDraft) -> Result<String, DesktopError> {
        let profile = draft.profile_pinned_to(&placeholder_fingerprint())?;
        let HostKind::Ssh { host, port, .. } = &profile.kind else {
            return Err(DesktopError::new(ErrorKind::Invalid, "not an SSH host"));
        };
        presented_host_key(host, *port).await.map_err(hosts_failed)
    }

    /// Test connection: reaches the draft's engine through its confirmed key.
    pub async fn test_host(&self, draft: &HostDraft) -> Result<HostReport, DesktopError> {
        let profile = draft.profile()?;
        test_profile(&profile)
            .await
            .map_err(|error| DesktopError::new(ErrorKind::Unavailable, crate::error_chain(&error)))
    }

    /// Saves the profile (replacing the host of the same name) and lets it join.
    pub async fn save_host(&self, draft: &HostDraft) -> Result<JoinedHost, DesktopError> {
        let profile = draft.profile()?;
        self.service()?
            .join_host(profile)
            .await
            .map_err(hosts_failed)
    }

    pub async fn set_host_enabled(
        &self,
        name: &str,
        enabled: bool,
    ) -> Result<JoinedHost, DesktopError> {
        self.service()?
            .change_host(name, Some(enabled), None)
            .await
            .map_err(hosts_failed)
    }

    /// Forgets a changed host's pinned key for the one it presents now,
    /// which the operator confirms by its fingerprint.
    pub async fn repin_host_key(
        &self,
        name: &str,
        fingerprint: &str,
    ) -> Result<JoinedHost, DesktopError> {
        self.service()?
            .repin_host(name, fingerprint)
            .await
            .map_err(hosts_failed)
    }

    /// Removes a host; answers the agents stopped with it.
    pub async fn remove_host(
        &self,
        name: &str,
        agents: AgentsOnRemoval,
    ) -> Result<Vec<String>, DesktopError> {
        self.service()?
            .remove_host(name, agents)
            .await
            .map_err(hosts_failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINT: &str = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

    fn draft() -> HostDraft {
        HostDraft {
            name: " vm-one ".into(),
            address: "10.0.0.5".into(),
            port: 22,
            user: "root".into(),
            auth: SshAuth::Agent { socket: None },
            docker_socket: Some(String::new()),
            host_key_fingerprint: Some(PRINT.into()),
            labels: BTreeMap::from([("zone".into(), "eu".into())]),
            enabled: true,
        }
    }

    #[test]
    fn a_draft_is_a_profile_pinned_to_its_confirmed_key() {
        let profile = draft().profile().unwrap();
        assert_eq!(profile.name, "vm-one");
        assert_eq!(profile.address(), "ssh://root@10.0.0.5:22");
        let HostKind::Ssh {
            docker_socket,
            host_key_fingerprint,
            ..
        } = &profile.kind
        else {
            panic!("an SSH profile");
        };
        assert_eq!(docker_socket, DEFAULT_DOCKER_SOCKET);
        assert_eq!(host_key_fingerprint, PRINT);
        let back = HostDraft::from_profile(&profile).unwrap();
        assert_eq!(back.labels, draft().labels);
        assert_eq!(back.host_key_fingerprint.as_deref(), Some(PRINT));
    }

    #[test]
    fn faults_name_the_form_fields() {
        let field = |draft: HostDraft| draft.profile().unwrap_err().fields[0].field.clone();
        let unconfirmed = HostDraft {
            host_key_fingerprint: None,
            ..draft()
        };
        assert_eq!(field(unconfirmed), "host_key_fingerprint");
        let spaced = HostDraft {
            address: "bad host".into(),
            ..draft()
        };
        assert_eq!(field(spaced), "address");
        let relative = HostDraft {
            auth: SshAuth::KeyFile {
                path: "id_ed25519".into(),
            },
            ..draft()
        };
        assert_eq!(field(relative), "auth");
        let local = HostProfile::new(
            "here",
            HostKind::Local {
                socket: DEFAULT_DOCKER_SOCKET.into(),
            },
        );
        assert_eq!(HostDraft::from_profile(&local), None);
    }
}
