//! Device kinds: the MycoBrain fleet, reached through its MQTT broker.

pub(super) mod bme;
pub(super) mod coordinator;
pub(super) mod firmware;
mod fleet;
mod mqtt;
pub(super) mod one;
