//! Data kinds: what the fleet measures and keeps.

mod page;
mod probe;
pub(super) mod route_monitor;
pub(super) mod website;
