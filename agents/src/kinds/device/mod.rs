//! Device kinds: the MycoBrain fleet (drones and spectrometers included)
//! and LoRaWAN devices through ChirpStack, reached through MQTT brokers.

pub(super) mod bme;
pub(super) mod coordinator;
pub(super) mod drone;
pub(super) mod firmware;
mod fleet;
pub(super) mod lora;
mod mqtt;
pub(super) mod one;
pub(super) mod spectrometer;
