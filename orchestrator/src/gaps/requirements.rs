//! Which agents must exist: the seed's required agents per category, plus
//! the API routes, integrations and registered devices that need an agent.
//! Editable; kept in the store's `settings` under [`REQUIREMENTS_KEY`].

use std::collections::BTreeMap;

use myca_agents::protocol::AgentCategory;
use serde::{Deserialize, Serialize};

pub const REQUIREMENTS_KEY: &str = "gap_requirements";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredAgent {
    pub agent_id: String,
    pub agent_type: String,
}

/// Something outside the fleet (an API route, an external service, a
/// device) that needs an agent of `agent_type` watching it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watched {
    /// The route, service or device id.
    pub name: String,
    pub agent_id: String,
    pub agent_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    pub categories: BTreeMap<AgentCategory, Vec<RequiredAgent>>,
    #[serde(default)]
    pub routes: Vec<Watched>,
    #[serde(default)]
    pub integrations: Vec<Watched>,
    #[serde(default)]
    pub devices: Vec<Watched>,
    /// Filling a gap in these categories waits for a person's approval.
    pub approval_categories: Vec<AgentCategory>,
    /// Fill gaps without being asked: at once where no approval is needed,
    /// by filing the approval request where it is.
    #[serde(default)]
    pub auto_create: bool,
}

fn required(pairs: &[(&str, &str)]) -> Vec<RequiredAgent> {
    pairs
        .iter()
        .map(|(agent_id, agent_type)| RequiredAgent {
            agent_id: (*agent_id).to_owned(),
            agent_type: (*agent_type).to_owned(),
        })
        .collect()
}

impl Default for Requirements {
    /// The seed's lists: core 3, corporate 3, infrastructure 5, security 2,
    /// device 1, integration 3, data 3.
    fn default() -> Self {
        use AgentCategory::*;
        let categories = BTreeMap::from([
            (
                Core,
                required(&[
                    ("myca-core", "myca-core"),
                    ("task-router", "task-router"),
                    ("event-processor", "event-processor"),
                ]),
            ),
            (
                Corporate,
                required(&[
                    ("ceo-agent", "ceo"),
                    ("cfo-agent", "cfo"),
                    ("cto-agent", "cto"),
                ]),
            ),
            (
                Infrastructure,
                required(&[
                    ("proxmox-agent", "proxmox"),
                    ("docker-agent", "docker"),
                    ("network-agent", "network"),
                    ("storage-agent", "storage"),
                    ("monitoring-agent", "monitoring"),
                ]),
            ),
            (
                Security,
                required(&[("soc-agent", "soc"), ("audit-agent", "audit")]),
            ),
            (
                Device,
                required(&[("mycobrain-coordinator", "mycobrain-coordinator")]),
            ),
            (
                Integration,
                required(&[
                    ("n8n-agent", "n8n"),
                    ("zapier-agent", "zapier"),
                    ("elevenlabs-agent", "elevenlabs"),
                ]),
            ),
            (
                Data,
                required(&[
                    ("mindex-agent", "mindex"),
                    ("etl-agent", "etl"),
                    ("search-agent", "search"),
                ]),
            ),
        ]);
        Self {
            categories,
            routes: Vec::new(),
            integrations: Vec::new(),
            devices: Vec::new(),
            approval_categories: vec![Corporate, Financial, Security],
            auto_create: false,
        }
    }
}

impl Requirements {
    /// Every required agent id must be a valid id and appear once.
    pub fn validate(&self) -> Result<(), String> {
        let mut seen = std::collections::BTreeSet::new();
        let watched = self
            .routes
            .iter()
            .chain(&self.integrations)
            .chain(&self.devices);
        let ids = self
            .categories
            .values()
            .flatten()
            .map(|r| (&r.agent_id, &r.agent_type))
            .chain(watched.map(|w| (&w.agent_id, &w.agent_type)));
        for (agent_id, agent_type) in ids {
            myca_agents::protocol::validate_agent_id(agent_id).map_err(|e| e.to_string())?;
            myca_agents::protocol::validate_kind("agent_type", agent_type)
                .map_err(|e| format!("{agent_id}: {e}"))?;
            if !seen.insert(agent_id.clone()) {
                return Err(format!("{agent_id} is required twice"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_core_corporate_infrastructure_security_data_integration_and_device_agent_is_a_real_kind(
    ) {
        use AgentCategory::*;
        let defaults = Requirements::default();
        for category in [
            Core,
            Corporate,
            Infrastructure,
            Security,
            Data,
            Integration,
            Device,
        ] {
            for required in &defaults.categories[&category] {
                let config = crate::gaps::config_from_template(
                    &required.agent_id,
                    &required.agent_type,
                    category,
                );
                assert_eq!(
                    crate::gaps::validate_new(&config, &[]),
                    Ok(()),
                    "{} ({}) cannot be filled",
                    required.agent_id,
                    required.agent_type
                );
            }
        }
    }

    /// Beyond the required three, every corporate agent the seed's
    /// registry names is a real kind a gap can be filled with.
    #[test]
    fn every_corporate_agent_the_seed_names_can_fill_a_gap() {
        let seed = [
            ("ceo-agent", "ceo"),
            ("cfo-agent", "cfo"),
            ("cto-agent", "cto"),
            ("coo-agent", "coo"),
            ("legal-agent", "legal"),
            ("hr-agent", "hr"),
            ("marketing-agent", "marketing"),
            ("sales-agent", "sales"),
            ("procurement-agent", "procurement"),
        ];
        for (agent_id, agent_type) in seed {
            let config =
                crate::gaps::config_from_template(agent_id, agent_type, AgentCategory::Corporate);
            assert_eq!(
                crate::gaps::validate_new(&config, &[]),
                Ok(()),
                "{agent_id} ({agent_type}) cannot be filled"
            );
            assert_eq!(
                myca_agents::kinds::find(agent_type).map(|kind| kind.kind),
                Some(agent_id)
            );
        }
    }

    #[test]
    fn every_device_agent_the_seed_names_fills_as_a_real_kind() {
        // The seed's device table by its type names, its registry by its ids.
        for (agent_type, kind) in [
            ("mycobrain-coordinator", "mycobrain-coordinator"),
            ("mycobrain-device", "mycobrain-device"),
            ("sensor-bme688", "bme688-agent"),
            ("sensor-bme690", "bme690-agent"),
            ("lora-gateway", "lora-gateway-agent"),
            ("firmware", "firmware-agent"),
            ("mycodrone", "mycodrone-agent"),
            ("spectrometer", "spectrometer-agent"),
            ("spectrometer-agent", "spectrometer-agent"),
        ] {
            let config =
                crate::gaps::config_from_template("device-1", agent_type, AgentCategory::Device);
            assert_eq!(config.agent_type, kind, "{agent_type}");
            assert_eq!(
                crate::gaps::validate_new(&config, &[]),
                Ok(()),
                "{agent_type}"
            );
        }
    }

    #[test]
    fn the_seed_lists_are_the_default() {
        let defaults = Requirements::default();
        let count = |c: AgentCategory| defaults.categories[&c].len();
        use AgentCategory::*;
        assert_eq!(
            [
                count(Core),
                count(Corporate),
                count(Infrastructure),
                count(Security),
                count(Device),
                count(Integration),
                count(Data)
            ],
            [3, 3, 5, 2, 1, 3, 3]
        );
        defaults.validate().unwrap();
        let mut twice = defaults.clone();
        twice.devices.push(Watched {
            name: "board-1".into(),
            agent_id: "ceo-agent".into(),
            agent_type: "x".into(),
        });
        assert!(twice.validate().unwrap_err().contains("twice"));
        let mut misshapen = defaults.clone();
        misshapen.routes.push(Watched {
            name: "/api/x".into(),
            agent_id: "route-watcher".into(),
            agent_type: "1j6ejkij*".into(),
        });
        assert!(misshapen.validate().unwrap_err().contains("route-watcher"));
    }
}
