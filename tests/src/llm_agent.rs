//! What an LLM kind's test reads back from its agent besides task results:
//! the usage counters in the agent's `/metrics`, and the exchanges kept in
//! its conversation memory (the broker's list, as snapshots take it).

use myca_agents::protocol::names::conversation_key;
use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::service::{BrokerChoice, ServiceConfig};
use serde_json::Value;

use crate::api::test_service_config;

/// A test service configuration and the Redis URL its agents use.
pub async fn service_config(database: DatabaseTarget) -> (ServiceConfig, String) {
    let config = test_service_config(database).await;
    let BrokerChoice::External(redis) = &config.broker else {
        panic!("the test configuration uses an external Redis");
    };
    let redis = redis.clone();
    (config, redis)
}

/// The agent's usage counters, from its `/metrics` on `port`.
pub async fn usage(port: u16) -> Value {
    let metrics: Value = crate::http_client()
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    metrics["usage"].clone()
}

/// The agent's kept conversation entries, oldest first.
pub async fn conversation(redis: &str, agent_id: &str) -> Vec<Value> {
    let client = redis::Client::open(redis).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let entries: Vec<String> = redis::cmd("LRANGE")
        .arg(conversation_key(agent_id))
        .arg(0)
        .arg(-1)
        .query_async(&mut connection)
        .await
        .unwrap();
    entries
        .iter()
        .rev()
        .map(|entry| serde_json::from_str(entry).unwrap())
        .collect()
}
