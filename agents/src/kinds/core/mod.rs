//! Core kinds: the fleet's own helpers.

pub(super) mod custom;
pub(super) mod event_processor;
pub(in crate::kinds) mod fleet_api;
pub(super) mod myca_core;
pub(super) mod task_router;
pub(super) mod test_agent;
