//! Hosts joining, changing and leaving the fleet while it runs — what
//! `POST/PATCH/DELETE /hosts…` and the window's Hosts view both do.
//! Profiles are kept in SQL; an SSH host is trusted only by a key
//! fingerprint the operator confirmed.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::FleetService;
use crate::hosts::{HostKind, HostProfile, InvalidProfile};
use crate::hostset::HostSetError;
use crate::pool::PoolError;
use crate::secrets::SecretStore;
use crate::ssh::{discover_host_fingerprint, SshAuth};
use crate::store::StoreError;

/// How long reading a host's key may take.
const KEY_WITHIN: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum HostsError {
    #[error(transparent)]
    Invalid(#[from] InvalidProfile),
    #[error("{0:?} is the host the service was started on; change it with the service's options")]
    FirstHost(String),
    #[error("no host {0:?}")]
    Unknown(String),
    #[error("no host {0:?} waits for confirmation")]
    NotPending(String),
    #[error("{name:?} presented {presented}, not {confirmed}; nothing was pinned")]
    NotPresented {
        name: String,
        presented: String,
        confirmed: String,
    },
    #[error("only an SSH host has a host key")]
    NotSsh,
    #[error("cannot read the host key of {address}: {reason}")]
    KeyUnreadable { address: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    HostSet(#[from] HostSetError),
    #[error(transparent)]
    Pool(#[from] PoolError),
}

/// A host saved and joining the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct JoinedHost {
    pub name: String,
    /// `connecting`, or `disabled` for a host saved switched off.
    pub status: String,
}

/// What happens to a removed host's agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AgentsOnRemoval {
    /// They keep running on the machine; the fleet forgets them.
    Leave,
    /// Stopped and removed first (the host must be up).
    Stop,
}

/// The SHA256 fingerprint of the key the SSH server at `host:port`
/// presents; nothing is sent to it beyond the key exchange.
pub async fn presented_host_key(host: &str, port: u16) -> Result<String, HostsError> {
    let unreadable = |reason: String| HostsError::KeyUnreadable {
        address: format!("{host}:{port}"),
        reason,
    };
    match tokio::time::timeout(KEY_WITHIN, discover_host_fingerprint(host, port)).await {
        Ok(Ok(fingerprint)) => Ok(fingerprint),
        Ok(Err(error)) => Err(unreadable(error.to_string())),
        Err(_) => Err(unreadable(format!(
            "no key presented within {} s",
            KEY_WITHIN.as_secs()
        ))),
    }
}

/// The keyring secret a key pair the app generated for host `name` lives in.
pub fn generated_key_secret(name: &str) -> String {
    format!("ssh-key:{name}")
}

fn pinned_key(profile: &mut HostProfile) -> Result<(&str, u16, &mut String), HostsError> {
    match &mut profile.kind {
        HostKind::Ssh {
            host,
            port,
            host_key_fingerprint,
            ..
        } => Ok((host.as_str(), *port, host_key_fingerprint)),
        HostKind::Local { .. } => Err(HostsError::NotSsh),
    }
}

impl FleetService {
    fn not_first_host(&self, name: &str) -> Result<(), HostsError> {
        match name == self.first_host {
            true => Err(HostsError::FirstHost(name.to_owned())),
            false => Ok(()),
        }
    }

    /// The saved profile of `name` (or the one the fleet holds).
    pub async fn host_profile(&self, name: &str) -> Result<HostProfile, HostsError> {
        match self.store.host(name).await? {
            Some(profile) => Ok(profile),
            None => self
                .hosts
                .profile(name)
                .ok_or_else(|| HostsError::Unknown(name.to_owned())),
        }
    }

    /// First contact: reads the key the SSH host presents, keeps the
    /// profile pinned to it until [`FleetService::confirm_host`], and
    /// answers the fingerprint for the operator to check.
    pub async fn first_contact(&self, mut profile: HostProfile) -> Result<String, HostsError> {
        profile.validate()?;
        self.not_first_host(&profile.name)?;
        let (host, port, pinned) = pinned_key(&mut profile)?;
        let presented = presented_host_key(host, port).await?;
        pinned.clone_from(&presented);
        self.hosts.await_confirmation(profile);
        Ok(presented)
    }

    /// Pins the key a first contact presented, if the operator confirms the same.
    pub async fn confirm_host(
        &self,
        name: &str,
        fingerprint: &str,
    ) -> Result<JoinedHost, HostsError> {
        let profile = self
            .hosts
            .confirmed(name, fingerprint)
            .map_err(|pending| match pending {
                None => HostsError::NotPending(name.to_owned()),
                Some(presented) => HostsError::NotPresented {
                    name: name.to_owned(),
                    presented,
                    confirmed: fingerprint.to_owned(),
                },
            })?;
        self.join_host(profile).await
    }

    /// Saves the profile (replacing one of the same name) and starts
    /// connecting to it, unless it is disabled.
    pub async fn join_host(&self, profile: HostProfile) -> Result<JoinedHost, HostsError> {
        profile.validate()?;
        self.not_first_host(&profile.name)?;
        self.store.put_host(&profile).await?;
        self.hosts.add(profile.clone(), self.parts());
        Ok(JoinedHost {
            status: if profile.enabled {
                "connecting"
            } else {
                "disabled"
            }
            .to_owned(),
            name: profile.name,
        })
    }

    /// Enables, disables or relabels a host; it reconnects with the change.
    pub async fn change_host(
        &self,
        name: &str,
        enabled: Option<bool>,
        labels: Option<BTreeMap<String, String>>,
    ) -> Result<JoinedHost, HostsError> {
        self.not_first_host(name)?;
        let mut profile = self
            .store
            .host(name)
            .await?
            .ok_or_else(|| HostsError::Unknown(name.to_owned()))?;
        if let Some(enabled) = enabled {
            profile.enabled = enabled;
        }
        if let Some(labels) = labels {
            profile.labels = labels;
        }
        self.join_host(profile).await
    }

    /// Forgets the key pinned for `name` and pins `fingerprint` instead —
    /// only when it is the key the host presents right now, so the operator
    /// confirms exactly what they were shown.
    pub async fn repin_host(
        &self,
        name: &str,
        fingerprint: &str,
    ) -> Result<JoinedHost, HostsError> {
        self.not_first_host(name)?;
        let mut profile = self
            .store
            .host(name)
            .await?
            .ok_or_else(|| HostsError::Unknown(name.to_owned()))?;
        let (host, port, pinned) = pinned_key(&mut profile)?;
        let presented = presented_host_key(host, port).await?;
        if presented != fingerprint {
            return Err(HostsError::NotPresented {
                name: name.to_owned(),
                presented,
                confirmed: fingerprint.to_owned(),
            });
        }
        tracing::warn!(host = %name, old = %pinned, new = %presented, "host key re-pinned by the operator");
        *pinned = presented;
        self.join_host(profile).await
    }

    /// Removes a host; its agents are stopped first or left running, as
    /// asked. Answers the agents stopped.
    pub async fn remove_host(
        &self,
        name: &str,
        agents: AgentsOnRemoval,
    ) -> Result<Vec<String>, HostsError> {
        self.not_first_host(name)?;
        let profile = self.host_profile(name).await?;
        let mut stopped = Vec::new();
        if agents == AgentsOnRemoval::Stop {
            let host = self.hosts.host(name)?;
            for agent in host.agents().await? {
                host.pool.stop(&agent.agent_id, false).await?;
                host.pool.remove(&agent.agent_id).await?;
                stopped.push(agent.agent_id);
            }
        }
        self.store.delete_host(name).await?;
        self.hosts.remove(name);
        forget_generated_key(&profile).await;
        Ok(stopped)
    }
}

/// A key pair the app made for this host is of no use once it is gone.
async fn forget_generated_key(profile: &HostProfile) {
    let HostKind::Ssh {
        auth: SshAuth::Keyring { secret },
        ..
    } = &profile.kind
    else {
        return;
    };
    if *secret != generated_key_secret(&profile.name) {
        return;
    }
    if let Err(error) = SecretStore::default().delete(secret).await {
        tracing::warn!(host = %profile.name, %error, "cannot delete the host's generated key");
    }
}
