//! Agent-to-agent requests a handler makes: sent through the orchestrator
//! like every message, answered by the recipient's `response` (same
//! correlation), which the inbox hands back here. A handler never holds
//! another kind's credentials: it asks the agent that does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use redis::aio::ConnectionManager;
use serde_json::{json, Value};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::inbox::send;
use crate::protocol::{AgentMessage, MessageType};

type Waiting = HashMap<Uuid, oneshot::Sender<Value>>;

#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("the broker is not reached yet")]
    NotConnected,
    #[error("the request could not be sent: {0}")]
    NotSent(String),
    #[error("{agent} did not answer within {seconds} s")]
    NoAnswer { agent: String, seconds: u64 },
    #[error("{agent} could not answer: {error}")]
    Failed { agent: String, error: String },
}

/// Requests on their way to other agents and the answers they wait for.
#[derive(Clone)]
pub struct Peers {
    agent_id: String,
    waiting: Arc<Mutex<Waiting>>,
    outgoing: Arc<OnceLock<ConnectionManager>>,
}

/// Forgets a request once its asker stops waiting (answered, timed out or
/// aborted with its task), so a late answer finds nobody.
struct Forget<'a>(&'a Peers, Uuid);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.waiting().remove(&self.1);
    }
}

impl Peers {
    pub fn new(agent_id: &str) -> Self {
        Self {
            agent_id: agent_id.to_owned(),
            waiting: Arc::default(),
            outgoing: Arc::default(),
        }
    }

    fn waiting(&self) -> MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Requests can be sent once the broker is reached.
    pub(super) fn connect(&self, redis: ConnectionManager) {
        let _ = self.outgoing.set(redis);
    }

    /// Asks `agent` to run `task_type` with `payload` and waits up to
    /// `within` for its result. The request expires with the wait, so an
    /// agent that comes back later does not answer a question nobody asks.
    pub async fn ask(
        &self,
        agent: &str,
        task_type: &str,
        mut payload: Value,
        within: Duration,
    ) -> Result<Value, AskError> {
        let mut redis = self.outgoing.get().cloned().ok_or(AskError::NotConnected)?;
        payload["task_type"] = json!(task_type);
        let mut request = AgentMessage::new(&self.agent_id, agent, MessageType::Request, payload);
        request.ttl = within.as_secs().max(1);
        let (answered, answer) = oneshot::channel();
        self.waiting().insert(request.id, answered);
        let _forget = Forget(self, request.id);
        send(&mut redis, &request)
            .await
            .map_err(|error| AskError::NotSent(error.to_string()))?;
        let no_answer = || AskError::NoAnswer {
            agent: agent.to_owned(),
            seconds: within.as_secs(),
        };
        let payload = match tokio::time::timeout(within, answer).await {
            Ok(Ok(payload)) => payload,
            _ => return Err(no_answer()),
        };
        match (payload.get("result"), payload.get("error")) {
            (Some(result), _) => Ok(result.clone()),
            (None, error) => Err(AskError::Failed {
                agent: agent.to_owned(),
                error: error
                    .and_then(Value::as_str)
                    .unwrap_or("an answer without a result")
                    .to_owned(),
            }),
        }
    }

    /// Hands `response` to the request waiting for it; false when none
    /// waits (not ours, or given up on).
    pub(super) fn answered(&self, response: &AgentMessage) -> bool {
        let waiting = response
            .correlation_id
            .and_then(|id| self.waiting().remove(&id));
        match waiting {
            Some(asker) => asker.send(response.payload.clone()).is_ok(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_ask_before_the_broker_is_reached_fails_at_once() {
        let peers = Peers::new("ceo-1");
        let asked = peers
            .ask("llm-1", "chat", json!({}), Duration::from_secs(5))
            .await;
        assert!(matches!(asked, Err(AskError::NotConnected)));
    }

    #[test]
    fn a_response_reaches_only_the_request_it_answers() {
        let peers = Peers::new("ceo-1");
        let request = AgentMessage::new("ceo-1", "llm-1", MessageType::Request, json!({}));
        let (answered, mut answer) = oneshot::channel();
        peers.waiting().insert(request.id, answered);
        let stranger = AgentMessage::new("x", "ceo-1", MessageType::Response, json!({}));
        assert!(!peers.answered(&stranger));
        assert!(peers.answered(&request.reply(json!({"result": {"text": "fine"}}))));
        assert_eq!(
            answer.try_recv().expect("delivered"),
            json!({"result": {"text": "fine"}})
        );
        assert!(!peers.answered(&request.reply(json!({}))), "answered once");
    }
}
