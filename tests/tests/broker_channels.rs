//! The broker's pub/sub side against real Redis: fleet channels and commands.

use std::time::Duration;

use myca_agents::protocol::names::{agent_channel, BROADCAST_CHANNEL, EVENTS_CHANNEL};
use myca_agents::protocol::AgentCommand;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::redis_url;
use myca_orchestrator::broker::{subscribe, Broker, ChannelMessage};

async fn next(receiver: &mut tokio::sync::mpsc::Receiver<ChannelMessage>) -> ChannelMessage {
    tokio::time::timeout(Duration::from_secs(5), receiver.recv())
        .await
        .expect("a message within 5 s")
        .expect("subscription open")
}

#[tokio::test]
async fn events_broadcasts_and_commands_reach_subscribers() {
    let url = redis_url();
    let broker = Broker::connect(&url).await.unwrap();
    let mut fleet = subscribe(broker.client(), &[EVENTS_CHANNEL, BROADCAST_CHANNEL])
        .await
        .unwrap();
    let id = unique_agent_id("listener");
    let mut commands = subscribe(broker.client(), &[&agent_channel(&id)])
        .await
        .unwrap();

    let mut publisher = broker
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let marker = unique_agent_id("event");
    for channel in [EVENTS_CHANNEL, BROADCAST_CHANNEL] {
        let _: i64 = redis::cmd("PUBLISH")
            .arg(channel)
            .arg(format!("{{\"marker\":\"{marker}\"}}"))
            .query_async(&mut publisher)
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let message = next(&mut fleet).await;
        // Other tests publish on the same channels; keep only ours.
        if message.payload.contains(&marker) {
            seen.push(message.channel);
        }
    }
    seen.sort();
    assert_eq!(seen, [BROADCAST_CHANNEL, EVENTS_CHANNEL]);

    assert_eq!(
        broker
            .send_command(&id, AgentCommand::Snapshot)
            .await
            .unwrap(),
        1
    );
    let command = next(&mut commands).await;
    assert_eq!(command.channel, agent_channel(&id));
    assert_eq!(command.payload, r#"{"command":"snapshot"}"#);
}
