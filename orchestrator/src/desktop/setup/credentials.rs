//! Agents' credentials as the operator manages them: the ones the picked
//! kinds declare, entered once into the OS keyring (never anywhere else),
//! shown only as present/missing/failed, checked where the kind can check
//! them, rotated and deleted. A value goes from the form to the keyring and
//! never comes back.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use myca_agents::kinds::{catalog, find};
use myca_agents::protocol::TaskStatus;
use serde::Serialize;
use serde_json::json;

use super::endpoints::unavailable;
use super::record::CredentialCheck;
use super::{KeyringStatus, Setup, SetupView};
use crate::api::TaskRequest;
use crate::desktop::error::failed;
use crate::desktop::{Desktop, DesktopError, ErrorKind};
use crate::secrets::Credentials;
use crate::store::LedgerEntry;

/// What a present value is shown as.
pub const MASKED: &str = "••••••••";
/// How long a check task may take.
const CHECK_LIMIT: Duration = Duration::from_secs(60);
const CHECK_POLL: Duration = Duration::from_millis(250);
/// The keyring item the availability probe reads (it never exists).
const PROBE_NAME: &str = "setup/probe";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    Present,
    Missing,
    /// Present, but its last check failed.
    Failed,
    /// The keyring cannot be asked (no Secret Service).
    Unavailable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CredentialStatus {
    pub name: String,
    pub description: String,
    /// The picked kinds that need it.
    pub kinds: Vec<String>,
    pub state: CredentialState,
    /// [`MASKED`] when present; the value itself never leaves Rust.
    pub masked: Option<String>,
    pub last_check: Option<CredentialCheck>,
    /// The task type that checks it, when a kind declares one.
    pub check_task: Option<String>,
}

/// A kind that needs credentials, as the kind picker lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CredentialKind {
    pub kind: String,
    pub description: String,
    pub credentials: Vec<String>,
}

fn invalid(message: impl Into<String>) -> DesktopError {
    DesktopError::new(ErrorKind::Invalid, message)
}

/// The credential named `name` as some kind declares it.
fn declared(name: &str) -> Option<(&'static str, Option<&'static str>)> {
    catalog().iter().find_map(|kind| {
        kind.credentials
            .iter()
            .find(|c| c.name == name)
            .map(|c| (c.description, c.check))
    })
}

impl Setup {
    fn credentials(&self) -> Credentials {
        Credentials::new(self.secrets().clone())
    }

    /// Whether the OS keyring answers; without it nothing secret is stored
    /// (there is no plain-file fallback).
    pub async fn keyring_status(&self) -> KeyringStatus {
        match self.secrets().get(PROBE_NAME).await {
            Ok(_) => KeyringStatus {
                available: true,
                detail: None,
            },
            Err(error) => KeyringStatus {
                available: false,
                detail: Some(format!(
                    "No usable Secret Service on this session's D-Bus ({error}). MYCA keeps \
                     secrets only in the OS keyring and will not write them to a file: start \
                     and unlock a keyring such as gnome-keyring, then try again."
                )),
            },
        }
    }

    pub(super) async fn require_keyring(&self) -> Result<(), DesktopError> {
        let status = self.keyring_status().await;
        match status.detail {
            Some(detail) if !status.available => {
                Err(DesktopError::new(ErrorKind::Unavailable, detail))
            }
            _ => Ok(()),
        }
    }

    /// Every kind that declares credentials (the fleet need not run).
    pub fn credential_kinds(&self) -> Vec<CredentialKind> {
        catalog()
            .iter()
            .filter(|kind| !kind.credentials.is_empty())
            .map(|kind| CredentialKind {
                kind: kind.kind.to_owned(),
                description: kind.description.to_owned(),
                credentials: kind.credentials.iter().map(|c| c.name.to_owned()).collect(),
            })
            .collect()
    }

    /// Picks the kinds whose credentials are managed (unknown ones refused).
    pub async fn choose_kinds(&self, kinds: Vec<String>) -> Result<SetupView, DesktopError> {
        let mut chosen = Vec::new();
        for name in kinds {
            let kind = find(&name).ok_or_else(|| invalid(format!("no agent kind {name:?}")))?;
            if !chosen.iter().any(|k| k == kind.kind) {
                chosen.push(kind.kind.to_owned());
            }
        }
        self.update(|record| record.kinds = chosen)?;
        Ok(self.view().await)
    }

    /// Every credential the picked kinds declare, with its state.
    pub async fn list_credentials(&self) -> Vec<CredentialStatus> {
        let record = self.record();
        let mut by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for kind in record.kinds.iter().filter_map(|k| find(k)) {
            for credential in &kind.credentials {
                by_name
                    .entry(credential.name)
                    .or_default()
                    .push(kind.kind.to_owned());
            }
        }
        let mut statuses = Vec::with_capacity(by_name.len());
        for (name, kinds) in by_name {
            statuses.push(self.status_of(name, kinds, &record.checks).await);
        }
        statuses
    }

    async fn status_of(
        &self,
        name: &str,
        kinds: Vec<String>,
        checks: &BTreeMap<String, CredentialCheck>,
    ) -> CredentialStatus {
        let (description, check_task) = declared(name).unwrap_or(("", None));
        // Without a keyring the list still shows what the kinds need.
        let present = self.credentials().present(name).await.ok();
        let last_check = checks.get(name).cloned();
        let state = match (&last_check, present) {
            (_, None) => CredentialState::Unavailable,
            (_, Some(false)) => CredentialState::Missing,
            (Some(check), Some(true)) if !check.ok => CredentialState::Failed,
            _ => CredentialState::Present,
        };
        let present = present.unwrap_or(false);
        CredentialStatus {
            name: name.to_owned(),
            description: description.to_owned(),
            kinds,
            state,
            masked: present.then(|| MASKED.to_owned()),
            last_check,
            check_task: check_task.map(str::to_owned),
        }
    }

    async fn status_by_name(&self, name: &str) -> CredentialStatus {
        let record = self.record();
        let kinds = catalog()
            .iter()
            .filter(|k| record.kinds.iter().any(|picked| picked == k.kind))
            .filter(|k| k.credentials.iter().any(|c| c.name == name))
            .map(|k| k.kind.to_owned())
            .collect();
        self.status_of(name, kinds, &record.checks).await
    }

    /// Stores (or rotates) a declared credential's value in the keyring.
    pub async fn set_credential(
        &self,
        name: &str,
        value: &str,
    ) -> Result<CredentialStatus, DesktopError> {
        if declared(name).is_none() {
            return Err(invalid(format!(
                "no agent kind declares a credential {name:?}"
            )));
        }
        if value.trim().is_empty() {
            return Err(invalid(format!("{name}: the value is empty")));
        }
        self.require_keyring().await?;
        self.credentials()
            .set(name, value)
            .await
            .map_err(unavailable)?;
        // A new value has not been checked yet.
        self.update(|record| {
            record.checks.remove(name);
        })?;
        tracing::info!(credential = name, "credential stored in the OS keyring");
        Ok(self.status_by_name(name).await)
    }

    pub async fn delete_credential(&self, name: &str) -> Result<CredentialStatus, DesktopError> {
        self.require_keyring().await?;
        self.credentials().delete(name).await.map_err(unavailable)?;
        self.update(|record| {
            record.checks.remove(name);
        })?;
        tracing::info!(credential = name, "credential deleted from the OS keyring");
        Ok(self.status_by_name(name).await)
    }

    /// Runs the declaring kind's check task on a running agent of that kind
    /// which uses the credential, and records the outcome.
    pub async fn check_credential(
        &self,
        desktop: &Desktop,
        name: &str,
    ) -> Result<CredentialStatus, DesktopError> {
        let kinds: Vec<_> = catalog()
            .iter()
            .filter_map(|kind| {
                let spec = kind.credentials.iter().find(|c| c.name == name)?;
                spec.check.map(|task| (kind.kind, task))
            })
            .collect();
        if kinds.is_empty() {
            return Err(invalid(format!("no agent kind can check {name}")));
        }
        let agent = self.agent_using(desktop, name, &kinds).await?;
        let check = match agent {
            Some((agent_id, task_type)) => run_check(desktop, &agent_id, task_type).await?,
            None => {
                let kinds: Vec<_> = kinds.iter().map(|(kind, _)| *kind).collect();
                return Err(DesktopError::new(
                    ErrorKind::Conflict,
                    format!(
                        "{name} is checked by a running agent that uses it: spawn one of {} \
                         from the Catalog, then check again",
                        kinds.join(", ")
                    ),
                ));
            }
        };
        self.update(|record| {
            record.checks.insert(name.to_owned(), check);
        })?;
        Ok(self.status_by_name(name).await)
    }

    /// A running agent of one of `kinds` whose spawn references `name`.
    async fn agent_using(
        &self,
        desktop: &Desktop,
        name: &str,
        kinds: &[(&'static str, &'static str)],
    ) -> Result<Option<(String, &'static str)>, DesktopError> {
        for agent in desktop.list_agents().await? {
            let Some((_, task)) = kinds.iter().find(|(k, _)| *k == agent.agent.agent_type) else {
                continue;
            };
            if agent.agent.container_state != "running" {
                continue;
            }
            let detail = desktop.agent_detail(&agent.agent.agent_id).await?;
            let uses = detail
                .config
                .is_some_and(|config| config.credentials.iter().any(|c| c.source() == name));
            if uses {
                return Ok(Some((agent.agent.agent_id, task)));
            }
        }
        Ok(None)
    }
}

/// Submits the check task and waits for its outcome.
async fn run_check(
    desktop: &Desktop,
    agent_id: &str,
    task_type: &str,
) -> Result<CredentialCheck, DesktopError> {
    let request: TaskRequest = serde_json::from_value(json!({
        "agent_id": agent_id,
        "task_type": task_type,
        "payload": {},
        "max_retries": 0,
    }))
    .map_err(|error| DesktopError::new(ErrorKind::Internal, error.to_string()))?;
    let submitted = desktop.submit_task(request).await?;
    let deadline = tokio::time::Instant::now() + CHECK_LIMIT;
    loop {
        let entry = task(desktop, submitted.task.id).await?;
        let detail = match entry.task.status {
            TaskStatus::Completed => Some((true, format!("{task_type} on {agent_id} succeeded"))),
            TaskStatus::Failed
            | TaskStatus::TimedOut
            | TaskStatus::Cancelled
            | TaskStatus::DeadLettered => Some((
                false,
                format!(
                    "{task_type} on {agent_id}: {}",
                    entry.task.error.unwrap_or_else(|| "failed".into())
                ),
            )),
            _ => None,
        };
        if let Some((ok, detail)) = detail {
            return Ok(CredentialCheck {
                at: Utc::now(),
                ok,
                detail,
            });
        }
        if tokio::time::Instant::now() > deadline {
            return Ok(CredentialCheck {
                at: Utc::now(),
                ok: false,
                detail: format!(
                    "{task_type} on {agent_id} did not finish within {} s",
                    CHECK_LIMIT.as_secs()
                ),
            });
        }
        tokio::time::sleep(CHECK_POLL).await;
    }
}

async fn task(desktop: &Desktop, id: uuid::Uuid) -> Result<LedgerEntry, DesktopError> {
    let service = desktop
        .fleet()
        .ok_or_else(|| DesktopError::new(ErrorKind::NotReady, "the fleet is not running yet"))?;
    service
        .ledger
        .task(id)
        .await
        .map_err(failed)?
        .ok_or_else(|| DesktopError::new(ErrorKind::NotFound, format!("no task {id}")))
}
