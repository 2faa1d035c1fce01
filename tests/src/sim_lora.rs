//! A simulated LoRaWAN network as ChirpStack v4 relays it over MQTT (JSON
//! integration): gateways announce their connection state the way
//! ChirpStack Gateway Bridge does (retained `{"gatewayId", "state":
//! "ONLINE"}` on `eu868/gateway/{id}/state/conn`, `OFFLINE` as last will)
//! and publish counters on `…/event/stats`; end devices uplink every second
//! on `application/{app}/device/{devEui}/event/up` (base64 `data`, `rxInfo`
//! with RSSI/SNR) and answer a downlink on `…/command/down` with `txack`
//! and, when confirmed, `ack` (`acknowledged` false from a device that
//! does not acknowledge). Each is its own MQTT client, so either can drop off.

use base64::Engine;
use serde_json::{json, Value};

use crate::device_sim::{Behaviour, Out};

pub const REGION: &str = "eu868";
pub const APPLICATION_ROOT: &str = "application";

pub struct SimGateway {
    pub id: &'static str,
    /// Uplinks it hears per second.
    pub hears: u64,
    received: u64,
}

impl SimGateway {
    pub fn boxed(id: &'static str, hears: u64) -> Box<dyn Behaviour> {
        Box::new(Self {
            id,
            hears,
            received: 0,
        })
    }

    fn conn(&self, state: &str) -> Out {
        Out {
            topic: format!("{REGION}/gateway/{}/state/conn", self.id),
            body: json!({"gatewayId": self.id, "state": state}),
            retain: true,
        }
    }
}

impl Behaviour for SimGateway {
    fn name(&self) -> String {
        self.id.to_owned()
    }

    fn will(&self) -> Option<Out> {
        Some(self.conn("OFFLINE"))
    }

    fn subscriptions(&self) -> Vec<String> {
        Vec::new()
    }

    fn announce(&mut self) -> Vec<Out> {
        vec![self.conn("ONLINE")]
    }

    fn tick(&mut self) -> Vec<Out> {
        self.received += self.hears;
        let body = json!({"gatewayId": self.id, "time": chrono::Utc::now().to_rfc3339(),
                          "rxPacketsReceived": self.received, "rxPacketsReceivedOk": self.received,
                          "txPacketsReceived": 0, "txPacketsEmitted": 0});
        vec![Out {
            topic: format!("{REGION}/gateway/{}/event/stats", self.id),
            body,
            retain: false,
        }]
    }

    fn on_message(&mut self, _topic: &str, _body: &Value) -> Vec<Out> {
        Vec::new()
    }
}

pub struct SimEndDevice {
    pub dev_eui: &'static str,
    pub name: &'static str,
    /// The gateway that hears it, and how well.
    pub gateway: &'static str,
    pub rssi: i64,
    pub snr: f64,
    /// Its uplink's bytes.
    pub data: Vec<u8>,
    /// Whether it acknowledges confirmed downlinks.
    pub acknowledges: bool,
}

struct EndDevice {
    spec: SimEndDevice,
    application: String,
    f_cnt: u64,
    f_cnt_down: u64,
}

impl SimEndDevice {
    /// The device in application `application`.
    pub fn boxed(self, application: &str) -> Box<dyn Behaviour> {
        Box::new(EndDevice {
            spec: self,
            application: application.to_owned(),
            f_cnt: 0,
            f_cnt_down: 0,
        })
    }
}

impl EndDevice {
    fn event(&self, event: &str, mut body: Value) -> Out {
        body["time"] = json!(chrono::Utc::now().to_rfc3339());
        body["deviceInfo"] = json!({"applicationId": self.application, "deviceName": self.spec.name, "devEui": self.spec.dev_eui});
        Out {
            topic: format!(
                "{APPLICATION_ROOT}/{}/device/{}/event/{event}",
                self.application, self.spec.dev_eui
            ),
            body,
            retain: false,
        }
    }
}

impl Behaviour for EndDevice {
    fn name(&self) -> String {
        self.spec.dev_eui.to_owned()
    }

    fn will(&self) -> Option<Out> {
        None
    }

    fn subscriptions(&self) -> Vec<String> {
        vec![format!(
            "{APPLICATION_ROOT}/{}/device/{}/command/down",
            self.application, self.spec.dev_eui
        )]
    }

    fn announce(&mut self) -> Vec<Out> {
        Vec::new()
    }

    fn tick(&mut self) -> Vec<Out> {
        self.f_cnt += 1;
        let data = base64::engine::general_purpose::STANDARD.encode(&self.spec.data);
        let up = json!({"deduplicationId": uuid::Uuid::new_v4().to_string(), "devAddr": "01ab23cd", "adr": true, "dr": 5,
                        "fCnt": self.f_cnt, "fPort": 2, "confirmed": false, "data": data,
                        "rxInfo": [{"gatewayId": self.spec.gateway, "uplinkId": self.f_cnt, "rssi": self.spec.rssi, "snr": self.spec.snr, "channel": 1}],
                        "txInfo": {"frequency": 868_300_000, "modulation": {"lora": {"bandwidth": 125_000, "spreadingFactor": 7, "codeRate": "CR_4_5"}}}});
        vec![self.event("up", up)]
    }

    fn on_message(&mut self, _topic: &str, body: &Value) -> Vec<Out> {
        self.f_cnt_down += 1;
        let id = body["id"].clone();
        let mut out = vec![self.event("txack", json!({"downlinkId": self.f_cnt_down, "queueItemId": id,
                                                      "fCntDown": self.f_cnt_down, "gatewayId": self.spec.gateway}))];
        if body["confirmed"] == true {
            out.push(self.event("ack", json!({"queueItemId": id, "acknowledged": self.spec.acknowledges, "fCntDown": self.f_cnt_down})));
        }
        out
    }
}
