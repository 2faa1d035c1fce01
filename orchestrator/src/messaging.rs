//! Agent-to-agent messages through the orchestrator: each is stored in
//! `agent_messages` (secrets masked), acknowledgements mark the original,
//! expired ones are kept but not delivered, the rest reach the recipient's
//! inbox (`mas:inbox:{id}`) on the broker of the recipient's host — the
//! orchestrator relays between hosts — or, for broadcasts, `mas:broadcast`
//! on every broker.

use chrono::Utc;
use myca_agents::protocol::names::{
    inbox_stream, BROADCAST_CHANNEL, MESSAGES_STREAM, MESSAGE_FIELD,
};
use myca_agents::protocol::{AgentMessage, Decision, MessageType};
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::broker::{consume_forever, Broker, BrokerError};
use crate::events::{Event, EventBus};
use crate::hostset::HostSet;
use crate::ledger::DecisionRecord;
use crate::pool::PoolError;
use crate::scrub::Scrubber;
use crate::store::{Store, StoreError};

/// Where a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Sent,
    Broadcast,
    Acknowledged,
    Expired,
}

#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error("no host is up to deliver the message on")]
    NoHostUp,
}

#[derive(Clone)]
pub struct MessageRouter {
    hosts: HostSet,
    store: Store,
    bus: EventBus,
    scrubber: Scrubber,
}

impl MessageRouter {
    pub fn new(hosts: HostSet, store: Store, bus: EventBus, scrubber: Scrubber) -> Self {
        Self {
            hosts,
            store,
            bus,
            scrubber,
        }
    }

    /// The broker `agent_id` reads its inbox on: where it heartbeats, else
    /// its container's host, else the first broker (where it will look
    /// once it runs there).
    async fn broker_for(&self, agent_id: &str) -> Result<Broker, MessagingError> {
        let brokers = self.hosts.brokers();
        if let Some(beating) = brokers
            .iter()
            .find(|b| b.heartbeats.get(agent_id).is_some())
        {
            return Ok(beating.broker.clone());
        }
        if let Some((host, _)) = self.hosts.locate(agent_id).await? {
            return Ok(host.broker.broker.clone());
        }
        brokers
            .first()
            .map(|b| b.broker.clone())
            .ok_or(MessagingError::NoHostUp)
    }

    /// Stores the message, then delivers it. Stored first and directly (not
    /// through the batched history writer) so an acknowledgement never
    /// arrives before the row it marks.
    pub async fn route(&self, message: AgentMessage) -> Result<Delivery, MessagingError> {
        let mut stored = message.clone();
        stored.payload = self.scrubber.value(&message.payload);
        self.store
            .insert_messages(std::slice::from_ref(&stored))
            .await?;
        self.audit_decision(&stored).await;
        self.bus.publish(Event::Message { message: stored });
        if message.is_expired(Utc::now()) {
            tracing::info!(message_id = %message.id, "message expired before delivery");
            return Ok(Delivery::Expired);
        }
        if message.message_type == MessageType::Ack {
            if let Some(original) = message.correlation_id {
                self.store.acknowledge_message(original).await?;
            }
            return Ok(Delivery::Acknowledged);
        }
        let json = serde_json::to_string(&message).map_err(BrokerError::from)?;
        if message.message_type == MessageType::Broadcast || message.to_agent == "*" {
            for broker in self.hosts.brokers() {
                redis::cmd("PUBLISH")
                    .arg(BROADCAST_CHANNEL)
                    .arg(&json)
                    .query_async::<i64>(&mut broker.broker.connection())
                    .await
                    .map_err(BrokerError::from)?;
            }
            return Ok(Delivery::Broadcast);
        }
        let mut redis = self.broker_for(&message.to_agent).await?.connection();
        redis::cmd("XADD")
            .arg(inbox_stream(&message.to_agent))
            .arg("*")
            .arg(MESSAGE_FIELD)
            .arg(json)
            .query_async::<String>(&mut redis)
            .await
            .map_err(BrokerError::from)?;
        Ok(Delivery::Sent)
    }

    /// Records in the audit trail the decision a response carries, if any
    /// (an agent approving or refusing what another agent asked). The
    /// message is already stored: a failed write is logged, not retried.
    async fn audit_decision(&self, response: &AgentMessage) {
        if response.message_type != MessageType::Response {
            return;
        }
        // Only a decision is worth looking the request up for.
        let Some(result) = response.payload.get("result") else {
            return;
        };
        if Decision::of_result(result).is_none() {
            return;
        }
        let request = match response.correlation_id {
            Some(id) => self.store.message(id).await.ok().flatten(),
            None => None,
        };
        let Some(record) =
            DecisionRecord::of_response(response, request.as_ref().map(|r| &r.message))
        else {
            return;
        };
        let audit = record.audit();
        if let Err(error) = self
            .store
            .record_audit(&audit.actor, &audit.action, &audit.subject, &audit.detail)
            .await
        {
            tracing::warn!(%error, message_id = %response.id, "decision not audited");
        }
    }

    /// Routes what agents send on `broker`'s `mas:messages` until the task
    /// is aborted.
    pub fn start(self, broker: Broker, consumer: String) -> JoinHandle<()> {
        tokio::spawn(async move {
            let client = broker.client().clone();
            let router = &self;
            consume_forever(client, MESSAGES_STREAM, &consumer, |entry| async move {
                let Some(message) = entry
                    .get::<String>(MESSAGE_FIELD)
                    .and_then(|raw| serde_json::from_str::<AgentMessage>(&raw).ok())
                else {
                    tracing::warn!(entry_id = %entry.id, "dropping a malformed message");
                    return;
                };
                if let Err(error) = router.route(message).await {
                    tracing::warn!(%error, "message not routed");
                }
            })
            .await;
        })
    }
}
