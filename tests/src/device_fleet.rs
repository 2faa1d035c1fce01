//! The simulated fleets the device kinds' tests run against: a private
//! Mosquitto and simulated devices on it under a topic prefix of their own —
//! by default three MycoBrain sensor boards (two BME688, one BME690; one in
//! bad air that refuses `identify` and OTA).

use serde_json::{json, Value};

use crate::device_sim::{Behaviour, DeviceSim};
use crate::mosquitto::Mosquitto;
use crate::sim_mycobrain::{Reading, SimDevice};

pub const CLEAN: &str = "mb-001";
pub const STUFFY: &str = "mb-002";
pub const ADVANCED: &str = "mb-003";

pub struct DeviceFleet {
    pub broker: Mosquitto,
    pub sim: DeviceSim,
    pub prefix: String,
}

pub fn devices() -> Vec<SimDevice> {
    vec![
        SimDevice {
            id: CLEAN,
            model: "bme688",
            firmware: "1.4.0",
            reading: Reading {
                temperature_c: 21.5,
                humidity_pct: 40.0,
                pressure_hpa: 1013.2,
                gas_resistance_ohm: 250_000.0,
            },
            refuses: Vec::new(),
        },
        SimDevice {
            id: STUFFY,
            model: "bme688",
            firmware: "1.4.0",
            reading: Reading {
                temperature_c: 31.0,
                humidity_pct: 85.0,
                pressure_hpa: 1009.8,
                gas_resistance_ohm: 12_000.0,
            },
            refuses: vec!["identify", "ota"],
        },
        SimDevice {
            id: ADVANCED,
            model: "bme690",
            firmware: "2.0.1",
            reading: Reading {
                temperature_c: 19.0,
                humidity_pct: 55.0,
                pressure_hpa: 1020.0,
                gas_resistance_ohm: 90_000.0,
            },
            refuses: Vec::new(),
        },
    ]
}

impl DeviceFleet {
    /// The MycoBrain sensor boards of [`devices`].
    pub async fn start() -> Self {
        Self::start_with(|prefix| devices().into_iter().map(|d| d.boxed(prefix)).collect()).await
    }

    /// A private broker and the devices `devices` makes for a fresh topic prefix.
    pub async fn start_with(devices: impl FnOnce(&str) -> Vec<Box<dyn Behaviour>>) -> Self {
        let broker = Mosquitto::start();
        let prefix = format!("e2e-{}", uuid::Uuid::new_v4().simple());
        let sim = DeviceSim::start(broker.port, devices(&prefix)).await;
        Self {
            broker,
            sim,
            prefix,
        }
    }

    /// Spawn settings reaching this broker (agents share the host's network).
    pub fn settings(&self) -> Value {
        json!({"mqtt_host": "127.0.0.1", "mqtt_port": self.broker.port, "topic_prefix": self.prefix})
    }
}
