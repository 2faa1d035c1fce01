//! The fleet's hosts at runtime: the local engine and every enabled SSH
//! profile, each connected and watched by its own supervisor, added,
//! changed and removed while the service runs. Everything that acts on an
//! agent finds its host here.

mod broker_runtime;
mod host_runtime;
pub mod placement;
mod reservations;
mod state;
mod supervisor;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use myca_agents::protocol::AgentConfig;
use tokio::task::JoinHandle;

use crate::broker::Broker;
use crate::events::EventBus;
use crate::hosts::HostProfile;
use crate::ledger::TaskLedger;
use crate::messaging::MessageRouter;
use crate::pool::{AgentPool, PoolError, PooledAgent};
use crate::scrub::Scrubber;
use crate::snapshots::SnapshotManager;
use crate::store::Store;

pub use broker_runtime::BrokerRuntime;
pub use host_runtime::{BrokerChoice, HostRuntime, HostSettings, SHARED_BROKER};
pub use placement::{Demand, HostLoad, PlacementError};
pub use reservations::Placed;
use reservations::Reservations;
pub use state::{EngineFacts, HostState, HostView};
pub use supervisor::NOTICED_WITHIN;

/// How long listing one host's agents may take before its last listing
/// stands in for it.
const LISTING_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

/// What every host's background work feeds: one store, one ledger.
#[derive(Clone)]
pub struct FleetParts {
    pub store: Store,
    pub bus: EventBus,
    pub ledger: TaskLedger,
    pub messages: MessageRouter,
    pub snapshots: SnapshotManager,
    pub scrubber: Scrubber,
    pub hosts: HostSet,
    pub settings: HostSettings,
}

impl FleetParts {
    /// The fleet's shared work over `store`, with no host yet.
    pub fn new(store: Store, bus: EventBus, settings: HostSettings) -> Self {
        let hosts = HostSet::default();
        let scrubber = Scrubber::default();
        Self {
            ledger: TaskLedger::new(store.clone(), hosts.clone(), bus.clone()),
            messages: MessageRouter::new(
                hosts.clone(),
                store.clone(),
                bus.clone(),
                scrubber.clone(),
            ),
            snapshots: SnapshotManager::new(store.clone(), hosts.clone(), scrubber.clone()),
            store,
            bus,
            scrubber,
            hosts,
            settings,
        }
    }
}

struct Slot {
    profile: HostProfile,
    state: HostState,
    runtime: Option<Arc<HostRuntime>>,
    supervisor: Option<JoinHandle<()>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(supervisor) = &self.supervisor {
            supervisor.abort();
        }
    }
}

#[derive(Clone, Default)]
pub struct HostSet {
    slots: Arc<RwLock<BTreeMap<String, Slot>>>,
    /// The one broker of a fleet configured with a shared Redis URL: the
    /// orchestrator reaches it directly, whichever hosts are up.
    shared: Arc<RwLock<Option<Arc<BrokerRuntime>>>>,
    /// SSH hosts seen for the first time, with the key they presented,
    /// until the operator confirms it.
    pending: Arc<std::sync::Mutex<BTreeMap<String, HostProfile>>>,
    reservations: Arc<Reservations>,
}

/// An agent and the host it runs on.
#[derive(Debug, Clone)]
pub struct PlacedAgent {
    pub host: String,
    /// False when its host is away: `agent` is as it was last seen.
    pub reachable: bool,
    pub agent: PooledAgent,
}

/// Why an agent could not be placed or found.
#[derive(Debug, thiserror::Error)]
pub enum HostSetError {
    #[error("no host {name:?} in this fleet (hosts: {known})")]
    UnknownHost { name: String, known: String },
    #[error("host {name:?} is not up: {state}")]
    HostNotUp { name: String, state: String },
    #[error(transparent)]
    Placement(#[from] PlacementError),
    #[error(transparent)]
    Pool(#[from] PoolError),
}

impl HostSet {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Slot>> {
        self.slots.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Slot>> {
        self.slots.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds the host (replacing one of the same name, whose connection is
    /// dropped) and starts connecting to it unless it is disabled.
    pub fn add(&self, profile: HostProfile, parts: &FleetParts) {
        let name = profile.name.clone();
        let state = if profile.enabled {
            HostState::Connecting
        } else {
            HostState::Disabled
        };
        let supervisor = profile
            .enabled
            .then(|| supervisor::start(self.clone(), profile.clone(), parts.clone()));
        let old = self.write().insert(
            name,
            Slot {
                profile,
                state,
                runtime: None,
                supervisor,
            },
        );
        drop(old);
    }

    /// Connects to `profile` now and adds it as up: the fleet's first host,
    /// whose failure to connect is the service's failure to start.
    pub async fn add_connected(
        &self,
        profile: HostProfile,
        parts: &FleetParts,
        reached: &(dyn Fn(crate::service::StartStage) + Sync),
    ) -> Result<(), crate::service::ServiceError> {
        let runtime = Arc::new(HostRuntime::start(profile.clone(), parts, reached).await?);
        let supervisor = supervisor::watch(self.clone(), Arc::clone(&runtime));
        self.write().insert(
            profile.name.clone(),
            Slot {
                profile,
                state: HostState::Up,
                runtime: Some(runtime),
                supervisor: Some(supervisor),
            },
        );
        Ok(())
    }

    /// Keeps a first-contact profile (pinned to the key its server
    /// presented) until [`HostSet::confirmed`].
    pub fn await_confirmation(&self, profile: HostProfile) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(profile.name.clone(), profile);
    }

    /// The pending profile of `name` when `fingerprint` is the key its
    /// server presented; else the presented key (none: nothing pending).
    pub fn confirmed(&self, name: &str, fingerprint: &str) -> Result<HostProfile, Option<String>> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let presented = match pending.get(name).map(|p| &p.kind) {
            Some(crate::hosts::HostKind::Ssh {
                host_key_fingerprint,
                ..
            }) => host_key_fingerprint.clone(),
            _ => return Err(None),
        };
        if presented != fingerprint {
            return Err(Some(presented));
        }
        pending.remove(name).ok_or(None)
    }

    /// Drops the host and its connection; false when there was none.
    pub fn remove(&self, name: &str) -> bool {
        let removed = self.write().remove(name);
        removed.is_some()
    }

    /// Drops every host and the shared broker (their background work stops).
    pub fn clear(&self) {
        let all = std::mem::take(&mut *self.write());
        drop(all);
        self.shared
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    /// Makes `broker` the one every host's agents use.
    pub fn use_shared_broker(&self, broker: Arc<BrokerRuntime>) {
        *self.shared.write().unwrap_or_else(|p| p.into_inner()) = Some(broker);
    }

    pub fn shared_broker(&self) -> Option<Arc<BrokerRuntime>> {
        self.shared
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_state(&self, name: &str, state: HostState) {
        if let Some(slot) = self.write().get_mut(name) {
            if slot.state != state {
                tracing::info!(host = %name, ?state, "host state");
            }
            slot.state = state;
        }
    }

    /// Takes the connected host in, unless another host of the fleet
    /// already is its engine; returns whether it was taken.
    fn set_runtime(&self, name: &str, runtime: Arc<HostRuntime>) -> bool {
        let mut slots = self.write();
        let twin = slots
            .iter()
            .filter(|(other, _)| other.as_str() != name)
            .find(|(_, slot)| {
                slot.runtime.as_ref().is_some_and(|r| {
                    !runtime.engine.id.is_empty() && r.engine.id == runtime.engine.id
                })
            })
            .map(|(other, _)| other.clone());
        let Some(slot) = slots.get_mut(name) else {
            return false;
        };
        match twin {
            Some(twin) => {
                slot.state = HostState::Refused {
                    reason: format!("its Docker engine is host {twin:?}'s: one engine is one host"),
                };
                tracing::warn!(host = %name, %twin, "host refused: the same engine as another host");
                false
            }
            None => {
                slot.runtime = Some(runtime);
                slot.state = HostState::Up;
                true
            }
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    pub fn profile(&self, name: &str) -> Option<HostProfile> {
        self.read().get(name).map(|slot| slot.profile.clone())
    }

    pub fn state(&self, name: &str) -> Option<HostState> {
        self.read().get(name).map(|slot| slot.state.clone())
    }

    /// Hosts that are up now.
    pub fn up(&self) -> Vec<Arc<HostRuntime>> {
        self.read()
            .values()
            .filter(|slot| slot.state.is_up())
            .filter_map(|slot| slot.runtime.clone())
            .collect()
    }

    /// Hosts that were connected once, up or not: their last inventory stands for them.
    pub fn connected(&self) -> Vec<(Arc<HostRuntime>, HostState)> {
        self.read()
            .values()
            .filter_map(|slot| slot.runtime.clone().map(|r| (r, slot.state.clone())))
            .collect()
    }

    /// The host named `name` once it was connected, up or not.
    pub fn runtime(&self, name: &str) -> Option<Arc<HostRuntime>> {
        self.read().get(name).and_then(|slot| slot.runtime.clone())
    }

    /// The host named `name`, when it is up.
    pub fn host(&self, name: &str) -> Result<Arc<HostRuntime>, HostSetError> {
        let slots = self.read();
        let Some(slot) = slots.get(name) else {
            return Err(HostSetError::UnknownHost {
                name: name.to_owned(),
                known: slots.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        match (&slot.state, &slot.runtime) {
            (HostState::Up, Some(runtime)) => Ok(Arc::clone(runtime)),
            (state, _) => Err(HostSetError::HostNotUp {
                name: name.to_owned(),
                state: describe(state),
            }),
        }
    }

    /// The brokers of the hosts that are up, and the shared one, once each.
    pub fn brokers(&self) -> Vec<Arc<BrokerRuntime>> {
        let mut seen = BTreeMap::new();
        if let Some(shared) = self.shared_broker() {
            seen.insert(shared.key.clone(), shared);
        }
        for host in self.up() {
            seen.entry(host.broker.key.clone())
                .or_insert_with(|| Arc::clone(&host.broker));
        }
        seen.into_values().collect()
    }

    /// The broker recorded as `key` (a host's name, or `shared`), when its
    /// host is up.
    pub fn broker(&self, key: &str) -> Option<Broker> {
        self.brokers()
            .into_iter()
            .find(|b| b.key == key)
            .map(|b| b.broker.clone())
    }

    /// The host whose engine runs `agent_id`, asking every host that is up.
    pub async fn locate(
        &self,
        agent_id: &str,
    ) -> Result<Option<(Arc<HostRuntime>, PooledAgent)>, PoolError> {
        let hosts = self.up();
        let lookups = hosts.iter().map(|host| host.pool.agent(agent_id));
        for (host, found) in hosts
            .iter()
            .zip(futures_util::future::join_all(lookups).await)
        {
            if let Some(agent) = found? {
                return Ok(Some((Arc::clone(host), agent)));
            }
        }
        Ok(None)
    }

    /// The pool that runs `agent_id`.
    pub async fn pool_of(&self, agent_id: &str) -> Result<Arc<AgentPool>, PoolError> {
        match self.locate(agent_id).await? {
            Some((host, _)) => Ok(Arc::clone(&host.pool)),
            None => Err(PoolError::UnknownAgent(agent_id.to_owned())),
        }
    }

    /// Every agent of every host connected once: asked of hosts that are
    /// up, remembered for hosts that are away (or whose engine did not answer).
    pub async fn all_agents(&self) -> Vec<PlacedAgent> {
        let hosts = self.connected();
        let listings = hosts.iter().map(|(host, state)| async move {
            match state.is_up() {
                // A link cut a moment ago is not noticed yet: do not wait on it.
                true => match tokio::time::timeout(LISTING_WITHIN, host.agents()).await {
                    Ok(Ok(agents)) => Ok(agents),
                    Ok(Err(error)) => {
                        tracing::warn!(host = %host.name(), %error, "cannot list agents; using the last listing");
                        Err(())
                    }
                    Err(_) => Err(()),
                },
                false => Err(()),
            }
            .map(|agents| (agents, true))
            .unwrap_or_else(|()| (host.last_inventory(), false))
        });
        let listed = futures_util::future::join_all(listings).await;
        hosts
            .iter()
            .zip(listed)
            .flat_map(|((host, _), (agents, reachable))| {
                agents.into_iter().map(move |agent| PlacedAgent {
                    host: host.name().to_owned(),
                    reachable,
                    agent,
                })
            })
            .collect()
    }

    /// Every up host's load, for placement.
    /// Every host that is up with what runs on it and what is being placed there.
    pub async fn loads(&self) -> Result<Vec<HostLoad>, PoolError> {
        let mut loads = self.inventory_loads().await?;
        self.reservations.add_to(&mut loads);
        Ok(loads)
    }

    async fn inventory_loads(&self) -> Result<Vec<HostLoad>, PoolError> {
        let hosts = self.up();
        let inventories =
            futures_util::future::join_all(hosts.iter().map(|host| host.agents())).await;
        hosts
            .iter()
            .zip(inventories)
            .map(|(host, agents)| {
                let (running_agents, reserved_cpus, reserved_memory_mb) = reserved(&agents?);
                Ok(HostLoad {
                    name: host.name().to_owned(),
                    labels: host.profile.labels.clone(),
                    cpus: host.engine.cpus,
                    memory_mb: host.engine.memory_bytes / (1024 * 1024),
                    running_agents,
                    reserved_cpus,
                    reserved_memory_mb,
                })
            })
            .collect()
    }

    /// The host `config` goes to: `host` when given (it must be up), else
    /// the placement policy's choice; reserved for it while the answer lives.
    pub async fn place(
        &self,
        config: &AgentConfig,
        host: Option<&str>,
    ) -> Result<Placed, HostSetError> {
        let demand = Demand::of(config);
        if let Some(name) = host {
            let runtime = self.host(name)?;
            return Ok(Placed::new(
                runtime,
                self.reservations.reserve(name, &demand),
            ));
        }
        let loads = self.inventory_loads().await?;
        let (chosen, reservation) = self.reservations.choose_and_reserve(loads, &demand)?;
        Ok(Placed::new(self.host(&chosen)?, reservation))
    }

    /// The most CPUs an agent may be given: the biggest host that is up
    /// (one CPU while none is).
    pub fn max_cpus(&self) -> f64 {
        self.up()
            .iter()
            .map(|host| host.pool.host_cpus())
            .fold(1.0, f64::max)
    }

    /// Every host as the API shows it.
    pub fn views(&self) -> Vec<HostView> {
        self.read()
            .values()
            .map(|slot| {
                let runtime = slot.runtime.as_ref();
                let (running_agents, reserved_cpus, reserved_memory_mb) =
                    reserved(&runtime.map(|r| r.last_inventory()).unwrap_or_default());
                HostView {
                    name: slot.profile.name.clone(),
                    address: slot.profile.address(),
                    enabled: slot.profile.enabled,
                    labels: slot.profile.labels.clone(),
                    state: slot.state.clone(),
                    engine: runtime.map(|r| r.engine.clone()),
                    running_agents,
                    reserved_cpus,
                    reserved_memory_mb,
                    broker: runtime.map(|r| r.broker.key.clone()),
                }
            })
            .collect()
    }
}

impl Demand {
    pub fn of(config: &AgentConfig) -> Self {
        Self {
            cpus: config.cpu_limit,
            memory_mb: u64::from(config.memory_limit),
            labels: config.host_labels.clone(),
        }
    }
}

/// How many agents run, and the CPUs and memory (MB) they are limited to.
fn reserved(agents: &[PooledAgent]) -> (usize, f64, u64) {
    agents
        .iter()
        .filter(|a| a.state == "running")
        .fold((0, 0.0, 0), |(count, cpus, memory), a| {
            (count + 1, cpus + a.cpu_limit, memory + a.memory_limit_mb)
        })
}

/// A state in the words of an error message.
pub fn describe(state: &HostState) -> String {
    match state {
        HostState::Connecting => "still connecting".to_owned(),
        HostState::Up => "up".to_owned(),
        HostState::Unreachable { reason } => format!("unreachable: {reason}"),
        HostState::Disabled => "disabled".to_owned(),
        HostState::KeyChanged { pinned, presented } => {
            format!("its SSH host key changed (pinned {pinned}, presented {presented}); refused")
        }
        HostState::Refused { reason } => format!("refused: {reason}"),
    }
}
