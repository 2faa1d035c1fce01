//! One MQTT session per task with the fleet's broker: the devices keep
//! their presence and latest telemetry as retained messages, so a fresh
//! subscription reads the fleet's state at once; commands go out on
//! `{prefix}/devices/{id}/cmd` and come back on `…/{id}/ack`.

use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use serde_json::{json, Value};
use tokio::time::{timeout_at, Instant};

use crate::kinds::connect::setting;
use crate::runtime::handlers::TaskContext;

/// How long a connect, subscribe or publish may take before the broker counts as unreachable.
const STEP: Duration = Duration::from_secs(5);

/// The settings every device kind reads to reach the broker.
pub fn broker_settings() -> Value {
    json!({
        "mqtt_host": {"type": "string", "default": "localhost", "description": "The MQTT broker's host"},
        "mqtt_port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 1883,
                      "description": "The MQTT broker's port"},
        "topic_prefix": {"type": "string", "minLength": 1, "default": "mycobrain",
                         "description": "Topics are {topic_prefix}/devices/{id}/presence|telemetry|cmd|ack"},
    })
}

/// Anything the broker delivered with a JSON body, by its full topic.
pub struct Published {
    pub topic: String,
    pub body: Value,
}

/// A message on a device topic: its topic's device id and its JSON body.
pub struct Message {
    pub device_id: String,
    /// The topic's last part (`presence`, `telemetry`, `ack`, …).
    pub channel: String,
    pub body: Value,
}

pub struct Session {
    client: AsyncClient,
    events: EventLoop,
    prefix: String,
    broker: String,
    /// Messages that arrived while waiting for the broker's own answer.
    early: Vec<Published>,
}

impl Session {
    /// Connected to the agent's broker (`mqtt_host`, `mqtt_port`).
    pub async fn connect(context: &TaskContext) -> Result<Self, String> {
        let host = setting(context, "mqtt_host")?.to_owned();
        let port = context
            .settings
            .get("mqtt_port")
            .and_then(Value::as_u64)
            .and_then(|port| u16::try_from(port).ok())
            .ok_or("setting \"mqtt_port\" is not a port")?;
        let prefix = setting(context, "topic_prefix")?.to_owned();
        // Wildcards in the prefix would read or command other fleets.
        for part in prefix.split('/') {
            topic_name("setting \"topic_prefix\"", part).map_err(|_| {
                format!("setting \"topic_prefix\" {prefix:?} must be '/'-separated names of letters, digits, '_', '-' or '.'")
            })?;
        }
        let id = format!(
            "myca-{}-{}",
            context.agent.agent_id,
            uuid::Uuid::new_v4().simple()
        );
        let mut options = MqttOptions::new(id, host.clone(), port);
        options.set_keep_alive(Duration::from_secs(30));
        let (client, events) = AsyncClient::new(options, 64);
        let mut session = Self {
            client,
            events,
            prefix,
            broker: format!("{host}:{port}"),
            early: Vec::new(),
        };
        session
            .until(|packet| matches!(packet, Packet::ConnAck(_)))
            .await?;
        Ok(session)
    }

    /// The topic root from the setting `topic_prefix`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `{prefix}/devices/{device}/{channel}`.
    pub fn topic(&self, device: &str, channel: &str) -> String {
        format!("{}/devices/{device}/{channel}", self.prefix)
    }

    /// Subscribed to `filter`, acknowledged by the broker.
    pub async fn subscribe(&mut self, filter: &str) -> Result<(), String> {
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .map_err(|e| format!("mqtt: cannot subscribe to {filter}: {e}"))?;
        self.until(|packet| matches!(packet, Packet::SubAck(_)))
            .await
    }

    /// `body` published to `topic` and acknowledged by the broker (QoS 1).
    pub async fn publish(&mut self, topic: &str, body: &Value, retain: bool) -> Result<(), String> {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, body.to_string())
            .await
            .map_err(|e| format!("mqtt: cannot publish to {topic}: {e}"))?;
        self.until(|packet| matches!(packet, Packet::PubAck(_)))
            .await
    }

    /// Every JSON message on the device topics until `deadline`, or until
    /// `keep` says it has seen enough (returns false).
    pub async fn collect(
        &mut self,
        deadline: Instant,
        mut keep: impl FnMut(Message) -> bool,
    ) -> Result<(), String> {
        let devices = format!("{}/devices/", self.prefix);
        self.collect_published(deadline, |published| {
            device_message(&devices, published).is_none_or(&mut keep)
        })
        .await
    }

    /// Every JSON message on any subscribed topic until `deadline`, or
    /// until `keep` says it has seen enough (returns false).
    pub async fn collect_published(
        &mut self,
        deadline: Instant,
        mut keep: impl FnMut(Published) -> bool,
    ) -> Result<(), String> {
        for published in std::mem::take(&mut self.early) {
            if !keep(published) {
                return Ok(());
            }
        }
        loop {
            let Ok(event) = timeout_at(deadline, self.events.poll()).await else {
                return Ok(());
            };
            let event = event.map_err(|e| self.unreachable(e))?;
            if let Event::Incoming(Packet::Publish(publish)) = event {
                if let Some(published) = json_body(&publish) {
                    if !keep(published) {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Polls the connection until the broker sends a packet `wanted` accepts.
    async fn until(&mut self, wanted: impl Fn(&Packet) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + STEP;
        loop {
            let event = timeout_at(deadline, self.events.poll())
                .await
                .map_err(|_| {
                    format!(
                        "mqtt: the broker at {} did not answer within {}s",
                        self.broker,
                        STEP.as_secs()
                    )
                })?
                .map_err(|e| self.unreachable(e))?;
            match event {
                Event::Incoming(Packet::Publish(publish)) => {
                    self.early.extend(json_body(&publish));
                }
                Event::Incoming(packet) if wanted(&packet) => return Ok(()),
                _ => {}
            }
        }
    }

    fn unreachable(&self, error: rumqttc::ConnectionError) -> String {
        format!("mqtt: cannot reach the broker at {}: {error}", self.broker)
    }

    /// Disconnects cleanly, so the broker does not treat it as a lost client.
    pub async fn close(mut self) {
        if self.client.disconnect().await.is_ok() {
            let _ = timeout_at(
                Instant::now() + Duration::from_millis(500),
                self.events.poll(),
            )
            .await;
        }
    }
}

/// A publish whose body is JSON; anything else on the broker is skipped.
fn json_body(publish: &rumqttc::Publish) -> Option<Published> {
    let body = serde_json::from_slice(&publish.payload).ok()?;
    Some(Published {
        topic: publish.topic.clone(),
        body,
    })
}

/// A message on `{devices}{id}/{channel}` (`devices` = `{prefix}/devices/`).
fn device_message(devices: &str, published: Published) -> Option<Message> {
    let rest = published.topic.strip_prefix(devices)?;
    let (device_id, channel) = rest.split_once('/')?;
    Some(Message {
        device_id: device_id.to_owned(),
        channel: channel.to_owned(),
        body: published.body,
    })
}

/// One level of a topic: no wildcards or separators.
pub fn topic_name<'a>(what: &str, value: &'a str) -> Result<&'a str, String> {
    if !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        Ok(value)
    } else {
        Err(format!(
            "invalid payload: {what} {value:?} must be letters, digits, '_', '-' or '.'"
        ))
    }
}

/// A device id as it goes into a topic.
pub fn device_id(value: &str) -> Result<&str, String> {
    topic_name("device id", value)
}
