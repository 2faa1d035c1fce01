//! Infrastructure kinds: the machines and engines the fleet runs on.

pub(super) mod docker;
mod docker_engine;
pub(super) mod monitoring;
pub(super) mod proxmox;
