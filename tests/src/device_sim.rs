//! Simulated devices on a real MQTT broker, each its own MQTT client like
//! real hardware: it connects (with its last will, if it has one),
//! announces itself, publishes every second and answers what arrives on
//! the topics it subscribes to. What a device publishes and answers is its
//! [`Behaviour`] (MycoBrain devices: `sim_mycobrain`; LoRaWAN: `sim_lora`).
//! A device can drop off: its connection is cut without a goodbye, so the
//! broker publishes its last will and it falls silent.

use std::collections::HashMap;
use std::time::Duration;

use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, Packet, QoS};
use serde_json::Value;
use tokio::task::JoinHandle;

/// One message a simulated device publishes (QoS 1).
pub struct Out {
    pub topic: String,
    pub body: Value,
    pub retain: bool,
}

/// What one simulated device does on the broker.
pub trait Behaviour: Send + 'static {
    /// Its name in the simulation (device id, DevEUI, gateway id).
    fn name(&self) -> String;
    /// Published by the broker when the device drops off.
    fn will(&self) -> Option<Out>;
    fn subscriptions(&self) -> Vec<String>;
    /// Published once connected.
    fn announce(&mut self) -> Vec<Out>;
    /// Published every second.
    fn tick(&mut self) -> Vec<Out>;
    /// Its answer to a JSON message on one of its subscriptions.
    fn on_message(&mut self, topic: &str, body: &Value) -> Vec<Out>;
}

pub struct DeviceSim {
    running: HashMap<String, JoinHandle<()>>,
}

impl DeviceSim {
    /// Every device connected to the broker on 127.0.0.1:`port`, with its
    /// announcement and first periodic messages on the broker.
    pub async fn start(port: u16, devices: Vec<Box<dyn Behaviour>>) -> Self {
        let mut running = HashMap::new();
        for device in devices {
            let name = device.name();
            let (ready, started) = tokio::sync::oneshot::channel();
            let task = tokio::spawn(run(port, device, ready));
            tokio::time::timeout(Duration::from_secs(10), started)
                .await
                .unwrap_or_else(|_| panic!("simulated device {name} did not come online"))
                .unwrap();
            running.insert(name, task);
        }
        Self { running }
    }

    /// `name` stops publishing and loses its connection without a goodbye.
    pub async fn drop_off(&mut self, name: &str) {
        let task = self.running.remove(name).expect("no such simulated device");
        task.abort();
        let _ = task.await;
    }
}

impl Drop for DeviceSim {
    fn drop(&mut self) {
        self.running.values().for_each(JoinHandle::abort);
    }
}

async fn publish_all(client: &AsyncClient, messages: Vec<Out>) {
    for out in messages {
        let _ = client
            .publish(
                out.topic,
                QoS::AtLeastOnce,
                out.retain,
                out.body.to_string(),
            )
            .await;
    }
}

async fn run(port: u16, mut device: Box<dyn Behaviour>, ready: tokio::sync::oneshot::Sender<()>) {
    let mut options = MqttOptions::new(format!("sim-{}", device.name()), "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    if let Some(will) = device.will() {
        options.set_last_will(LastWill::new(
            will.topic,
            will.body.to_string(),
            QoS::AtLeastOnce,
            will.retain,
        ));
    }
    let (client, mut events) = AsyncClient::new(options, 64);
    for filter in device.subscriptions() {
        client.subscribe(filter, QoS::AtLeastOnce).await.unwrap();
    }
    let announcement = device.announce();
    // Ready once the announcement and the first tick are on the broker
    // (acknowledged in order, after the subscriptions).
    let mut expected = announcement.len();
    publish_all(&client, announcement).await;
    let mut ready = Some(ready);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let (mut ticked, mut acked) = (false, 0);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let messages = device.tick();
                if !ticked {
                    expected += messages.len();
                    ticked = true;
                }
                publish_all(&client, messages).await;
            }
            event = events.poll() => match event {
                Ok(Event::Incoming(Packet::PubAck(_))) => acked += 1,
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    let Ok(body) = serde_json::from_slice::<Value>(&publish.payload) else { continue };
                    let answer = device.on_message(&publish.topic, &body);
                    publish_all(&client, answer).await;
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        if let Some(ready) = ready.take_if(|_| ticked && acked >= expected) {
            let _ = ready.send(());
        }
    }
}
