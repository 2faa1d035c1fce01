//! Simulated MycoDrone drones (MycoBrain protocol): telemetry with flight
//! state, battery, position and home; `takeoff`, `goto`, `land` and
//! `return_home` (which lands at home) change the state at once and are
//! acked with it. The drone's own firmware refuses what it cannot do
//! (takeoff while flying or below 10 % battery, goto on the ground); a
//! drone can ignore commands (a lossy link: never acked).

use serde_json::{json, Value};

use crate::device_sim::Behaviour;
use crate::sim_mycobrain::{App, MycoBrain};

pub struct SimDrone {
    pub id: &'static str,
    pub battery_pct: f64,
    /// Where it stands, landed, and returns to.
    pub home: (f64, f64),
    /// Commands it never answers.
    pub ignores: Vec<&'static str>,
}

struct Drone {
    spec: SimDrone,
    state: &'static str,
    position: (f64, f64, f64),
}

impl SimDrone {
    pub fn boxed(self, prefix: &str) -> Box<dyn Behaviour> {
        let id = self.id;
        let position = (self.home.0, self.home.1, 0.0);
        MycoBrain::boxed(
            prefix,
            id,
            Drone {
                spec: self,
                state: "landed",
                position,
            },
        )
    }
}

impl Drone {
    fn flight(&self) -> Value {
        let (lat, lon, alt_m) = self.position;
        json!({"state": self.state, "position": {"lat": lat, "lon": lon, "alt_m": alt_m}})
    }
}

impl App for Drone {
    fn model(&self) -> &str {
        "mycodrone-x1"
    }

    fn firmware(&self) -> String {
        "0.9.2".to_owned()
    }

    fn telemetry(&mut self) -> Value {
        let mut telemetry = self.flight();
        telemetry["type"] = json!("drone");
        telemetry["battery_pct"] = json!(self.spec.battery_pct);
        telemetry["home"] = json!({"lat": self.spec.home.0, "lon": self.spec.home.1});
        telemetry
    }

    fn answer(&mut self, command: &str, params: &Value) -> Option<Result<Value, String>> {
        if self.spec.ignores.contains(&command) {
            return None;
        }
        let alt = params["alt_m"].as_f64().unwrap_or(10.0);
        let (lat, lon, _) = self.position;
        let done = match (command, self.state) {
            ("takeoff", "landed") if self.spec.battery_pct < 10.0 => {
                Err("battery critical".to_owned())
            }
            ("takeoff", "landed") => Ok(("flying", (lat, lon, alt))),
            ("goto", "flying") => match (params["lat"].as_f64(), params["lon"].as_f64()) {
                (Some(lat), Some(lon)) => Ok(("flying", (lat, lon, alt))),
                _ => Err("goto needs lat and lon".to_owned()),
            },
            ("land", "flying") => Ok(("landed", (lat, lon, 0.0))),
            ("return_home", "flying") => Ok(("landed", (self.spec.home.0, self.spec.home.1, 0.0))),
            ("takeoff" | "goto" | "land" | "return_home", state) => {
                Err(format!("cannot {command} while {state}"))
            }
            (other, _) => Err(format!("unknown command {other}")),
        };
        Some(done.map(|(state, position)| {
            (self.state, self.position) = (state, position);
            self.flight()
        }))
    }
}
