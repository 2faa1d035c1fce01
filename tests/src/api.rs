//! The orchestrator service behind its HTTP API on a loopback port, wired to
//! the test services, for tests that talk to it as any HTTP client would.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use myca_orchestrator::config::DatabaseTarget;
use myca_orchestrator::health::DEFAULT_RESTART_RECOVERY;
use myca_orchestrator::history::HistorySettings;
use myca_orchestrator::hosts::{HostKind, HostProfile};
use myca_orchestrator::pool::AgentNetwork;
use myca_orchestrator::serve::serve;
use myca_orchestrator::service::{BrokerChoice, FleetService, ServiceConfig};
use myca_orchestrator::StoredAction;
use tokio::sync::oneshot;

use crate::agent::{agent_binary, fresh_redis_db};
use crate::{docker_socket, free_port, unique_instance};

pub const API_KEY: &str = "test-api-key-0123456789";

pub struct ApiServer {
    pub address: SocketAddr,
    pub service: Arc<FleetService>,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// Ports one test's agents may use on the host network.
const AGENT_PORTS: u16 = 20;

/// A service configuration on the test engine and Redis, agents on the
/// host network (the test Redis listens on loopback), in a fleet instance of
/// its own.
pub async fn test_service_config(database: DatabaseTarget) -> ServiceConfig {
    ServiceConfig {
        database,
        broker: BrokerChoice::External(fresh_redis_db().await),
        host: HostProfile::new(
            "local",
            HostKind::Local {
                socket: docker_socket(),
            },
        ),
        agent_network: AgentNetwork::Host,
        agent_binary: agent_binary(),
        // Below the ephemeral range: an outgoing connection (SSH forwards,
        // Redis clients…) can take an ephemeral port before the agent binds it.
        first_agent_port: crate::pool::quiet_port_block(AGENT_PORTS).unwrap_or_else(free_port),
        stop_grace: Duration::from_secs(10),
        stats_interval: Duration::from_secs(2),
        health_interval: Duration::from_secs(1),
        restart_recovery: DEFAULT_RESTART_RECOVERY,
        instance: unique_instance(),
        history: HistorySettings::default(),
    }
}

impl ApiServer {
    pub async fn start(config: ServiceConfig) -> Self {
        let service = FleetService::start(config)
            .await
            .expect("orchestrator service starts");
        let (bound_tx, bound_rx) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = Arc::clone(&service);
        let server = tokio::spawn(async move {
            serve(
                served,
                API_KEY,
                "127.0.0.1:0".parse().unwrap(),
                move |address| {
                    let _ = bound_tx.send(address);
                },
                async move {
                    let _ = stopped.await;
                },
            )
            .await
            .expect("API serves");
        });
        let address = bound_rx.await.expect("API bound");
        Self {
            address,
            service,
            client: crate::http_client(),
            stop: Some(stop),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A request with the API key.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("X-API-Key", API_KEY)
    }

    /// Sends a request with the key (and a JSON body when given); the status
    /// and the JSON answer (null when the answer is not JSON).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the API answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Waits until the agent's history holds an action of `action_type`
    /// (history is written in batches, a moment after the event).
    pub async fn wait_for_action(&self, agent_id: &str, action_type: &str) -> StoredAction {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let actions = self.service.store.actions(agent_id, 1000).await.unwrap();
            if let Some(found) = actions
                .into_iter()
                .find(|a| a.action.action_type == action_type)
            {
                return found;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no {action_type} in the history of {agent_id}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops serving and waits until the server is down.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}
