//! The fleet instance a container belongs to. Several orchestrators may
//! share one Docker engine (two teams, or concurrent tests); each sees and
//! touches only the containers labelled with its own instance name.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use bollard::models::ContainerCreateBody;

/// Our own label: the fleet instance that created the container.
pub const LABEL_INSTANCE: &str = "mas.instance";
/// The instance of an orchestrator nobody named, and of containers made
/// before instances existed (they carry no label).
pub const DEFAULT_INSTANCE: &str = "default";
/// Short enough that `mas-redis-{instance}` stays one DNS label.
const MAX_LENGTH: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "fleet instance name {0:?}: use 1 to {MAX_LENGTH} lowercase letters, digits and '-', \
     starting with a letter or digit"
)]
pub struct InvalidInstance(String);

/// A valid fleet instance name (it also becomes part of container names).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FleetInstance(String);

impl FleetInstance {
    pub fn parse(name: &str) -> Result<Self, InvalidInstance> {
        let valid_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        let valid = (1..=MAX_LENGTH).contains(&name.len())
            && name.chars().all(valid_char)
            && !name.starts_with('-');
        if valid {
            Ok(Self(name.to_owned()))
        } else {
            Err(InvalidInstance(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_default(&self) -> bool {
        self.0 == DEFAULT_INSTANCE
    }

    /// Whether a container with these labels belongs to this instance.
    pub fn owns(&self, labels: &HashMap<String, String>) -> bool {
        self.0 == owner(labels)
    }

    /// Marks a container about to be created as this instance's.
    pub fn claim(&self, body: &mut ContainerCreateBody) {
        body.labels
            .get_or_insert_with(HashMap::new)
            .insert(LABEL_INSTANCE.to_owned(), self.0.clone());
    }
}

impl Default for FleetInstance {
    fn default() -> Self {
        Self(DEFAULT_INSTANCE.to_owned())
    }
}

impl FromStr for FleetInstance {
    type Err = InvalidInstance;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::parse(name)
    }
}

impl fmt::Display for FleetInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The instance named by a container's labels.
pub fn owner(labels: &HashMap<String, String>) -> &str {
    labels
        .get(LABEL_INSTANCE)
        .map_or(DEFAULT_INSTANCE, String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(instance: Option<&str>) -> HashMap<String, String> {
        instance
            .map(|i| HashMap::from([(LABEL_INSTANCE.to_owned(), i.to_owned())]))
            .unwrap_or_default()
    }

    #[test]
    fn each_instance_owns_only_its_own_containers() {
        let blue = FleetInstance::parse("blue").unwrap();
        assert!(blue.owns(&labels(Some("blue"))));
        assert!(!blue.owns(&labels(Some("green"))));
        assert!(!blue.owns(&labels(None)));
        // Containers from before instances existed stay the default fleet's.
        assert!(FleetInstance::default().owns(&labels(None)));
        assert!(!FleetInstance::default().owns(&labels(Some("blue"))));

        let mut body = ContainerCreateBody::default();
        blue.claim(&mut body);
        assert!(blue.owns(&body.labels.unwrap()));
    }

    #[test]
    fn names_fit_container_and_host_names() {
        for good in ["default", "ci-42", "a", &"x".repeat(MAX_LENGTH)] {
            assert!(FleetInstance::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-x",
            "Blue",
            "a_b",
            "a.b",
            "a b",
            &"x".repeat(MAX_LENGTH + 1),
        ] {
            let error = FleetInstance::parse(bad).unwrap_err();
            assert!(error.to_string().contains("fleet instance name"), "{bad}");
        }
    }
}
