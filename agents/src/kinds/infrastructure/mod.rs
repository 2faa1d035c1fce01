//! Infrastructure kinds: the machines and engines the fleet runs on.

pub(super) mod cloudflare;
pub(super) mod deployment;
pub(super) mod docker;
mod docker_engine;
pub(super) mod github_actions;
pub(super) mod monitoring;
pub(super) mod network;
pub(super) mod proxmox;
mod redeploy;
pub(super) mod storage;
