//! Finding gaps: required agents that do not exist.

use myca_agents::protocol::AgentCategory;
use serde::Serialize;

use super::requirements::{RequiredAgent, Requirements, Watched};
use super::templates::template_for;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum GapType {
    /// A category's required agent is missing.
    Category,
    /// An API route has no monitoring agent.
    Route,
    /// An external service has no agent.
    Integration,
    /// A registered device has no agent.
    Device,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Gap {
    pub gap_type: GapType,
    pub category: AgentCategory,
    pub agent_id: String,
    pub agent_type: String,
    pub severity: Severity,
    pub reason: String,
    pub suggested_template: &'static str,
    pub requires_approval: bool,
}

fn category_severity(category: AgentCategory) -> Severity {
    match category {
        AgentCategory::Core | AgentCategory::Security => Severity::Critical,
        AgentCategory::Infrastructure | AgentCategory::Corporate | AgentCategory::Financial => {
            Severity::High
        }
        _ => Severity::Medium,
    }
}

/// Every gap, most severe first.
pub fn detect(requirements: &Requirements, existing: &[String]) -> Vec<Gap> {
    let missing = |id: &str| !existing.iter().any(|e| e == id);
    let approval = |category: AgentCategory| requirements.approval_categories.contains(&category);
    let mut gaps: Vec<Gap> = requirements
        .categories
        .iter()
        .flat_map(|(category, agents)| agents.iter().map(move |a| (*category, a)))
        .filter(|(_, RequiredAgent { agent_id, .. })| missing(agent_id))
        .map(|(category, required)| Gap {
            gap_type: GapType::Category,
            category,
            agent_id: required.agent_id.clone(),
            agent_type: required.agent_type.clone(),
            severity: category_severity(category),
            reason: format!("{category} requires {}", required.agent_id),
            suggested_template: template_for(category).name,
            requires_approval: approval(category),
        })
        .collect();
    let watched = [
        (
            &requirements.routes,
            GapType::Route,
            AgentCategory::Data,
            Severity::Low,
            "route-monitor",
            "route",
        ),
        (
            &requirements.integrations,
            GapType::Integration,
            AgentCategory::Integration,
            Severity::Medium,
            "integration",
            "integration",
        ),
        (
            &requirements.devices,
            GapType::Device,
            AgentCategory::Device,
            Severity::High,
            "device",
            "registered device",
        ),
    ];
    for (list, gap_type, category, severity, template, what) in watched {
        for Watched {
            name,
            agent_id,
            agent_type,
        } in list.iter().filter(|w| missing(&w.agent_id))
        {
            gaps.push(Gap {
                gap_type,
                category,
                agent_id: agent_id.clone(),
                agent_type: agent_type.clone(),
                severity,
                reason: format!("{what} {name} has no agent"),
                suggested_template: template,
                requires_approval: approval(category),
            });
        }
    }
    gaps.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.agent_id.cmp(&b.agent_id))
    });
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_agents_become_gaps_most_severe_first() {
        let mut requirements = Requirements::default();
        requirements.devices.push(Watched {
            name: "mycobrain-7".into(),
            agent_id: "mycobrain-7-agent".into(),
            agent_type: "mycobrain-device".into(),
        });
        let existing = vec!["myca-core".to_owned(), "ceo-agent".to_owned()];
        let gaps = detect(&requirements, &existing);
        assert_eq!(gaps.len(), 20 - 2 + 1);
        assert!(gaps.iter().all(|g| g.agent_id != "myca-core"));
        assert_eq!(gaps[0].severity, Severity::Critical);
        let device = gaps.iter().find(|g| g.gap_type == GapType::Device).unwrap();
        assert_eq!(device.severity, Severity::High);
        assert_eq!(device.suggested_template, "device");
        let cfo = gaps.iter().find(|g| g.agent_id == "cfo-agent").unwrap();
        assert!(cfo.requires_approval);
        assert!(
            !gaps
                .iter()
                .find(|g| g.agent_id == "etl-agent")
                .unwrap()
                .requires_approval
        );
        assert!(gaps.windows(2).all(|w| w[0].severity >= w[1].severity));
    }
}
