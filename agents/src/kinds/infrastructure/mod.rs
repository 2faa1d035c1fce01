//! Infrastructure kinds: the machines and engines the fleet runs on.

pub(super) mod cloudflare;
pub(super) mod monitoring;
pub(super) mod network;
pub(super) mod proxmox;
pub(super) mod storage;
