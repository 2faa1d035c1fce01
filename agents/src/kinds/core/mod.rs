//! Core kinds: the fleet's own helpers.

pub(super) mod custom;
mod fleet_api;
pub(super) mod myca_core;
pub(super) mod test_agent;
