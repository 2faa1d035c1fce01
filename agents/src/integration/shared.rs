//! One [`Service`] per configuration for the agent's whole life, so a
//! cookie session (a UniFi login) carries over from task to task: a
//! controller logs every login and limits how often one may log in.

use std::sync::{Arc, LazyLock, Mutex};

use super::client::{Service, ServiceConfig};
use super::error::ServiceError;

/// More configurations than an agent uses; the oldest goes first.
const KEPT: usize = 16;

/// (configuration identity, its service), oldest first.
type Kept = Vec<(String, Arc<Service>)>;

static SERVICES: LazyLock<Mutex<Kept>> = LazyLock::new(Mutex::default);

/// What tells two configurations apart, secrets included, as a hash
/// (a login body's Debug shows its password).
fn identity(config: &ServiceConfig) -> String {
    let secrets = config.auth.secrets().join("\u{0}");
    crate::sealing::sha256_hex(format!("{config:?}\u{0}{secrets}").as_bytes())
}

impl Service {
    /// The agent's service for `config`, made on first use.
    pub fn shared(config: ServiceConfig) -> Result<Arc<Service>, ServiceError> {
        let key = identity(&config);
        let mut services = SERVICES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, service)) = services.iter().find(|(k, _)| *k == key) {
            return Ok(service.clone());
        }
        let service = Arc::new(Service::new(config)?);
        if services.len() == KEPT {
            services.remove(0);
        }
        services.push((key, service.clone()));
        Ok(service)
    }
}
