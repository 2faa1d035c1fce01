//! Simulated MycoBrain devices on a real MQTT broker. Each one, like the
//! firmware: connects with a retained last will (`{"status": "offline"}` on
//! `{prefix}/devices/{id}/presence`), announces itself online (retained),
//! publishes BME688/BME690-like telemetry (retained) every second and
//! answers each command on `…/{id}/cmd` with an ack on `…/{id}/ack`
//! (`{"id", "ok", "result"|"error"}`). A device can drop off: its
//! connection is cut without a goodbye, so the broker sends its last will.

use std::collections::HashMap;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Packet, QoS};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// Steady readings (so tests can assert them), stamped anew every second.
#[derive(Clone, Copy)]
pub struct Reading {
    pub temperature_c: f64,
    pub humidity_pct: f64,
    pub pressure_hpa: f64,
    pub gas_resistance_ohm: f64,
}

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

pub struct DeviceSim {
    running: HashMap<&'static str, JoinHandle<()>>,
}

impl DeviceSim {
    /// Every device connected to the broker on 127.0.0.1:`port`, online and
    /// with its first telemetry published.
    pub async fn start(port: u16, prefix: &str, devices: &[SimDevice]) -> Self {
        let mut running = HashMap::new();
        for device in devices {
            let (ready, started) = tokio::sync::oneshot::channel();
            let task = tokio::spawn(run(port, prefix.to_owned(), device.clone(), ready));
            tokio::time::timeout(Duration::from_secs(10), started)
                .await
                .unwrap_or_else(|_| panic!("simulated device {} did not come online", device.id))
                .unwrap();
            running.insert(device.id, task);
        }
        Self { running }
    }

    /// `id` stops publishing and loses its connection without a goodbye.
    pub async fn drop_off(&mut self, id: &str) {
        let task = self.running.remove(id).expect("no such simulated device");
        task.abort();
        let _ = task.await;
    }
}

impl Drop for DeviceSim {
    fn drop(&mut self) {
        self.running.values().for_each(JoinHandle::abort);
    }
}

fn presence(device: &SimDevice, status: &str, firmware: &str) -> String {
    json!({"status": status, "model": device.model, "firmware": firmware,
           "ts": chrono::Utc::now().to_rfc3339()})
    .to_string()
}

fn telemetry(device: &SimDevice, seq: u64) -> String {
    let r = device.reading;
    json!({"sensor": device.model, "seq": seq, "ts": chrono::Utc::now().to_rfc3339(),
           "temperature_c": r.temperature_c, "humidity_pct": r.humidity_pct,
           "pressure_hpa": r.pressure_hpa, "gas_resistance_ohm": r.gas_resistance_ohm})
    .to_string()
}

/// The device's answer to one command: its result, or why it failed.
fn answer(
    device: &SimDevice,
    firmware: &mut Vec<String>,
    command: &str,
    params: &Value,
) -> Result<Value, String> {
    if device.refuses.contains(&command) {
        return Err(format!("{command} refused by device {}", device.id));
    }
    match command {
        "ping" => Ok(json!({"pong": true})),
        "identify" => Ok(json!({"led": "blinking"})),
        "ota" => {
            let version = params["version"]
                .as_str()
                .ok_or("ota needs params.version")?;
            firmware.push(version.to_owned());
            Ok(json!({"firmware": version}))
        }
        "rollback" => {
            if firmware.len() > 1 {
                firmware.pop();
            }
            Ok(json!({"firmware": firmware.last()}))
        }
        other => Err(format!("unknown command {other}")),
    }
}

async fn run(
    port: u16,
    prefix: String,
    device: SimDevice,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let topic = |channel: &str| format!("{prefix}/devices/{}/{channel}", device.id);
    let mut options = MqttOptions::new(format!("sim-{}", device.id), "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    options.set_last_will(LastWill::new(
        topic("presence"),
        presence(&device, "offline", device.firmware),
        QoS::AtLeastOnce,
        true,
    ));
    let (client, mut events) = AsyncClient::new(options, 64);
    let mut firmware = vec![device.firmware.to_owned()];
    client
        .subscribe(topic("cmd"), QoS::AtLeastOnce)
        .await
        .unwrap();
    client
        .publish(
            topic("presence"),
            QoS::AtLeastOnce,
            true,
            presence(&device, "online", device.firmware),
        )
        .await
        .unwrap();
    let mut ready = Some(ready);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let (mut seq, mut acked) = (0, 0);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                seq += 1;
                let _ = client.publish(topic("telemetry"), QoS::AtLeastOnce, true, telemetry(&device, seq)).await;
            }
            event = events.poll() => match event {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    acked += 1;
                    // Presence and the first telemetry are on the broker (acked in order).
                    if let Some(ready) = ready.take_if(|_| acked >= 2) {
                        let _ = ready.send(());
                    }
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    let Ok(body) = serde_json::from_slice::<Value>(&publish.payload) else { continue };
                    let command = body["command"].as_str().unwrap_or_default();
                    let before = firmware.last().cloned();
                    let ack = match answer(&device, &mut firmware, command, &body["params"]) {
                        Ok(result) => json!({"id": body["id"], "ok": true, "result": result}),
                        Err(error) => json!({"id": body["id"], "ok": false, "error": error}),
                    };
                    if firmware.last() != before.as_ref() {
                        let now = firmware.last().cloned().unwrap_or_default();
                        let _ = client.publish(topic("presence"), QoS::AtLeastOnce, true, presence(&device, "online", &now)).await;
                    }
                    let _ = client.publish(topic("ack"), QoS::AtLeastOnce, false, ack.to_string()).await;
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}
