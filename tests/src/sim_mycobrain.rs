//! The MycoBrain device protocol, once for every simulated MycoBrain
//! device: a retained last will (`{"status": "offline"}` on
//! `{prefix}/devices/{id}/presence`), presence online (retained, with
//! model and firmware), telemetry (retained) every second and after every
//! command, and each command on `…/{id}/cmd` answered by an ack on
//! `…/{id}/ack` (`{"id", "ok", "result"|"error"}`). What a device measures
//! and how it answers is its [`App`]: BME688/BME690 sensors here, drones
//! in `sim_drone`, spectrometers in `sim_spectrometer`.

use serde_json::{json, Value};

use crate::device_sim::{Behaviour, Out};

/// One kind of MycoBrain device, behind the shared protocol.
pub trait App: Send + 'static {
    fn model(&self) -> &str;
    fn firmware(&self) -> String;
    /// Its telemetry now (the protocol adds `ts`).
    fn telemetry(&mut self) -> Value;
    /// The ack's result or error; `None` leaves the command unanswered.
    fn answer(&mut self, command: &str, params: &Value) -> Option<Result<Value, String>>;
    /// Messages `(channel, body)` that follow an acked command (a reading).
    fn follow_up(&mut self, _command: &str, _request_id: &Value) -> Vec<(&'static str, Value)> {
        Vec::new()
    }
}

pub struct MycoBrain<A> {
    prefix: String,
    id: String,
    app: A,
}

impl<A: App> MycoBrain<A> {
    pub fn boxed(prefix: &str, id: &str, app: A) -> Box<dyn Behaviour> {
        Box::new(Self {
            prefix: prefix.to_owned(),
            id: id.to_owned(),
            app,
        })
    }

    fn out(&self, channel: &str, body: Value, retain: bool) -> Out {
        Out {
            topic: format!("{}/devices/{}/{channel}", self.prefix, self.id),
            body,
            retain,
        }
    }

    fn presence(&self, status: &str) -> Out {
        let body = json!({"status": status, "model": self.app.model(), "firmware": self.app.firmware(),
                          "ts": chrono::Utc::now().to_rfc3339()});
        self.out("presence", body, true)
    }

    fn telemetry(&mut self) -> Out {
        let mut body = self.app.telemetry();
        body["ts"] = json!(chrono::Utc::now().to_rfc3339());
        self.out("telemetry", body, true)
    }
}

impl<A: App> Behaviour for MycoBrain<A> {
    fn name(&self) -> String {
        self.id.clone()
    }

    fn will(&self) -> Option<Out> {
        Some(self.presence("offline"))
    }

    fn subscriptions(&self) -> Vec<String> {
        vec![format!("{}/devices/{}/cmd", self.prefix, self.id)]
    }

    fn announce(&mut self) -> Vec<Out> {
        vec![self.presence("online")]
    }

    fn tick(&mut self) -> Vec<Out> {
        vec![self.telemetry()]
    }

    fn on_message(&mut self, _topic: &str, body: &Value) -> Vec<Out> {
        let command = body["command"].as_str().unwrap_or_default();
        let firmware = self.app.firmware();
        let Some(answer) = self.app.answer(command, &body["params"]) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if self.app.firmware() != firmware {
            out.push(self.presence("online"));
        }
        out.push(self.telemetry());
        let ok = answer.is_ok();
        out.push(self.out(
            "ack",
            match answer {
                Ok(result) => json!({"id": body["id"], "ok": true, "result": result}),
                Err(error) => json!({"id": body["id"], "ok": false, "error": error}),
            },
            false,
        ));
        if ok {
            for (channel, reading) in self.app.follow_up(command, &body["id"]) {
                out.push(self.out(channel, reading, false));
            }
        }
        out
    }
}

/// Steady readings (so tests can assert them).
#[derive(Clone, Copy)]
pub struct Reading {
    pub temperature_c: f64,
    pub humidity_pct: f64,
    pub pressure_hpa: f64,
    pub gas_resistance_ohm: f64,
}

/// A MycoBrain board with a BME688 or BME690 sensor.
#[derive(Clone)]
pub struct SimDevice {
    pub id: &'static str,
    /// `bme688` or `bme690`.
    pub model: &'static str,
    pub firmware: &'static str,
    pub reading: Reading,
    /// Commands this device answers with a failed ack.
    pub refuses: Vec<&'static str>,
}

/// A sensor board's running state: its firmware history and readings sent.
struct Sensor {
    device: SimDevice,
    firmware: Vec<String>,
    seq: u64,
}

impl SimDevice {
    pub fn boxed(self, prefix: &str) -> Box<dyn Behaviour> {
        let id = self.id;
        let firmware = vec![self.firmware.to_owned()];
        MycoBrain::boxed(
            prefix,
            id,
            Sensor {
                device: self,
                firmware,
                seq: 0,
            },
        )
    }
}

impl App for Sensor {
    fn model(&self) -> &str {
        self.device.model
    }

    fn firmware(&self) -> String {
        self.firmware.last().cloned().unwrap_or_default()
    }

    fn telemetry(&mut self) -> Value {
        self.seq += 1;
        let r = self.device.reading;
        json!({"sensor": self.device.model, "seq": self.seq,
               "temperature_c": r.temperature_c, "humidity_pct": r.humidity_pct,
               "pressure_hpa": r.pressure_hpa, "gas_resistance_ohm": r.gas_resistance_ohm})
    }

    fn answer(&mut self, command: &str, params: &Value) -> Option<Result<Value, String>> {
        if self.device.refuses.contains(&command) {
            return Some(Err(format!(
                "{command} refused by device {}",
                self.device.id
            )));
        }
        Some(match command {
            "ping" => Ok(json!({"pong": true})),
            "identify" => Ok(json!({"led": "blinking"})),
            "ota" => match params["version"].as_str() {
                Some(version) => {
                    self.firmware.push(version.to_owned());
                    Ok(json!({"firmware": version}))
                }
                None => Err("ota needs params.version".to_owned()),
            },
            "rollback" => {
                if self.firmware.len() > 1 {
                    self.firmware.pop();
                }
                Ok(json!({"firmware": self.firmware.last()}))
            }
            other => Err(format!("unknown command {other}")),
        })
    }
}
