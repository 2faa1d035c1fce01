//! Device kinds: the MycoBrain fleet, reached through its MQTT broker.

pub(super) mod bme;
pub(super) mod coordinator;
mod fleet;
mod mqtt;
