//! Simulated spectrometers (MycoBrain protocol): calibration (when the dark
//! and white references were taken) in their telemetry; `calibrate`
//! retakes a reference; `scan` is acked at once and its reading follows on
//! `…/{id}/spectrum` with the command's id: counts from 380 to 780 nm in
//! 1 nm steps, a flat baseline with a Gaussian line (σ 3 nm) for each of
//! the device's emission lines. A stalled device acks scans but never
//! sends the reading.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::device_sim::Behaviour;
use crate::sim_mycobrain::{App, MycoBrain};

pub const START_NM: f64 = 380.0;
pub const POINTS: usize = 401;
pub const BASELINE: f64 = 100.0;

pub struct SimSpectrometer {
    pub id: &'static str,
    /// Emission lines in view: (wavelength nm, height in counts above the baseline).
    pub lines: Vec<(f64, f64)>,
    /// How old its dark and white references are (`None`: never taken).
    pub dark_age_h: Option<i64>,
    pub white_age_h: Option<i64>,
    pub stalls: bool,
}

struct Spectrometer {
    spec: SimSpectrometer,
    dark_at: Option<DateTime<Utc>>,
    white_at: Option<DateTime<Utc>>,
    /// The integration time of the scan last asked for.
    integration_ms: Value,
}

impl SimSpectrometer {
    pub fn boxed(self, prefix: &str) -> Box<dyn Behaviour> {
        let id = self.id;
        let ago = |hours: Option<i64>| hours.map(|h| Utc::now() - Duration::hours(h));
        let (dark_at, white_at) = (ago(self.dark_age_h), ago(self.white_age_h));
        MycoBrain::boxed(
            prefix,
            id,
            Spectrometer {
                spec: self,
                dark_at,
                white_at,
                integration_ms: Value::Null,
            },
        )
    }
}

impl Spectrometer {
    fn calibration(&self) -> Value {
        let at = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
        json!({"dark_at": at(self.dark_at), "white_at": at(self.white_at)})
    }

    fn counts(&self) -> Vec<f64> {
        (0..POINTS)
            .map(|i| {
                let nm = START_NM + i as f64;
                let lines: f64 = self
                    .spec
                    .lines
                    .iter()
                    .map(|(centre, height)| height * (-(nm - centre).powi(2) / (2.0 * 9.0)).exp())
                    .sum();
                ((BASELINE + lines) * 10.0).round() / 10.0
            })
            .collect()
    }
}

impl App for Spectrometer {
    fn model(&self) -> &str {
        "myco-spec-1"
    }

    fn firmware(&self) -> String {
        "1.1.0".to_owned()
    }

    fn telemetry(&mut self) -> Value {
        json!({"type": "spectrometer", "detector_temp_c": 24.5, "calibration": self.calibration()})
    }

    fn answer(&mut self, command: &str, params: &Value) -> Option<Result<Value, String>> {
        Some(match command {
            "scan" => {
                self.integration_ms = params["integration_ms"].clone();
                Ok(json!({"accepted": true, "integration_ms": params["integration_ms"]}))
            }
            "calibrate" => match params["reference"].as_str() {
                Some("dark") => {
                    self.dark_at = Some(Utc::now());
                    Ok(json!({"calibration": self.calibration()}))
                }
                Some("white") => {
                    self.white_at = Some(Utc::now());
                    Ok(json!({"calibration": self.calibration()}))
                }
                other => Err(format!("unknown reference {other:?}")),
            },
            other => Err(format!("unknown command {other}")),
        })
    }

    fn follow_up(&mut self, command: &str, request_id: &Value) -> Vec<(&'static str, Value)> {
        if command != "scan" || self.spec.stalls {
            return Vec::new();
        }
        vec![(
            "spectrum",
            json!({"id": request_id, "ts": Utc::now().to_rfc3339(), "integration_ms": self.integration_ms,
                                  "wavelength_start_nm": START_NM, "wavelength_step_nm": 1.0, "counts": self.counts()}),
        )]
    }
}
