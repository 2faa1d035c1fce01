//! Core kinds: the fleet's own helpers.

pub(super) mod custom;
pub(super) mod test_agent;
