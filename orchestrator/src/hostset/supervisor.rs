//! Each host's supervisor: connects (again and again, backing off, until
//! it works or the host key is wrong), then pings the engine every few
//! seconds so a host whose link is cut turns `unreachable` within
//! [`NOTICED_WITHIN`], and `up` again when it answers.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::{FleetParts, HostRuntime, HostSet, HostState};
use crate::hosts::{HostError, HostProfile};
use crate::service::ServiceError;
use crate::ssh::SshError;

const PING_EVERY: Duration = Duration::from_secs(2);
const PING_WITHIN: Duration = Duration::from_secs(3);
/// A cut link is noticed within one ping interval plus its timeout.
pub const NOTICED_WITHIN: Duration = Duration::from_secs(5);
/// Connecting includes building the agent image on the engine.
const CONNECT_WITHIN: Duration = Duration::from_secs(180);
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

pub(super) fn start(hosts: HostSet, profile: HostProfile, parts: FleetParts) -> JoinHandle<()> {
    tokio::spawn(async move {
        let name = profile.name.clone();
        let mut wait = RETRY_FIRST;
        let runtime = loop {
            let starting = HostRuntime::start(profile.clone(), &parts, &|_| {});
            let failure = match tokio::time::timeout(CONNECT_WITHIN, starting).await {
                Ok(Ok(runtime)) => break Arc::new(runtime),
                Ok(Err(error)) => failure_state(&error),
                Err(_) => HostState::Unreachable {
                    reason: format!("not ready within {} s", CONNECT_WITHIN.as_secs()),
                },
            };
            let refused = matches!(failure, HostState::KeyChanged { .. });
            hosts.set_state(&name, failure);
            if refused {
                // A changed key does not fix itself: the operator must act.
                return;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(RETRY_MAX);
        };
        if hosts.set_runtime(&name, Arc::clone(&runtime)) {
            keep_watching(&hosts, &runtime).await;
        }
    })
}

/// Watches a host that is connected already.
pub(super) fn watch(hosts: HostSet, runtime: Arc<HostRuntime>) -> JoinHandle<()> {
    tokio::spawn(async move { keep_watching(&hosts, &runtime).await })
}

async fn keep_watching(hosts: &HostSet, runtime: &HostRuntime) {
    loop {
        tokio::time::sleep(PING_EVERY).await;
        let state = match runtime.answers(PING_WITHIN).await {
            Ok(()) => HostState::Up,
            Err(reason) => HostState::Unreachable { reason },
        };
        hosts.set_state(runtime.name(), state);
    }
}

/// What a failed connection says about the host.
fn failure_state(error: &ServiceError) -> HostState {
    if let ServiceError::Host(HostError::Ssh(SshError::HostKeyMismatch {
        pinned, presented, ..
    })) = error
    {
        return HostState::KeyChanged {
            pinned: pinned.clone(),
            presented: presented.clone(),
        };
    }
    HostState::Unreachable {
        reason: crate::error_chain(error),
    }
}
