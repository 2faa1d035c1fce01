//! Keeps secrets out of everything the orchestrator stores: history rows,
//! messages and snapshots. A value is secret when its key says so (api_key,
//! token, password…) or when it is a value already known to be secret.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use myca_agents::protocol::AgentConfig;
use serde_json::Value;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Shorter known values are not masked inside other text: they would mask
/// ordinary words.
const MIN_KNOWN_LEN: usize = 6;

const SECRET_KEY_PARTS: [&str; 9] = [
    "secret",
    "password",
    "passwd",
    "token",
    "apikey",
    "privatekey",
    "credential",
    "accesskey",
    "passphrase",
];

/// Whether a setting or variable named `key` holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let normalized: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_KEY_PARTS
        .iter()
        .any(|part| normalized.contains(part))
}

/// Whether an environment variable named `name` holds a secret: a secret
/// name as for any key, or the `*_KEY` convention of environment variables
/// (`OPENAI_API_KEY`, `SSH_KEY`) — too broad for JSON members like `sort_key`.
pub fn is_secret_variable(name: &str) -> bool {
    is_secret_key(name)
        || name
            .rsplit_once('_')
            .is_some_and(|(head, last)| !head.is_empty() && last.eq_ignore_ascii_case("key"))
}

/// What the scrubber knows, kept per agent so it shrinks when agents go.
#[derive(Default)]
struct Known {
    /// Secrets of no particular agent (the operator's own).
    shared: BTreeSet<String>,
    by_agent: BTreeMap<String, BTreeSet<String>>,
}

impl Known {
    fn all(&self) -> impl Iterator<Item = &String> {
        self.shared.iter().chain(self.by_agent.values().flatten())
    }
}

#[derive(Clone, Default)]
pub struct Scrubber {
    known: Arc<RwLock<Known>>,
}

impl Scrubber {
    /// Remembers `secret`, of no agent in particular, so it is masked
    /// wherever it turns up later.
    pub fn learn(&self, secret: &str) {
        if learnable(secret) {
            self.write().shared.insert(secret.to_owned());
        }
    }

    /// Remembers a secret of `agent_id`'s, until that agent is forgotten.
    pub fn learn_for(&self, agent_id: &str, secret: &str) {
        if learnable(secret) {
            self.write()
                .by_agent
                .entry(agent_id.to_owned())
                .or_default()
                .insert(secret.to_owned());
        }
    }

    /// Drops what was learned of a removed agent: the set stays as large as the fleet.
    pub fn forget_agent(&self, agent_id: &str) {
        self.write().by_agent.remove(agent_id);
    }

    /// How many agents' secrets are known.
    pub fn agents_known(&self) -> usize {
        self.read().by_agent.len()
    }

    /// Learns every secret-named value of an agent's configuration.
    pub fn learn_from_config(&self, config: &AgentConfig) {
        for (name, value) in &config.environment {
            if is_secret_variable(name) {
                self.learn_for(&config.agent_id, value);
            }
        }
        self.learn_from_value(
            &config.agent_id,
            None,
            &Value::Object(config.settings.clone()),
        );
    }

    fn learn_from_value(&self, agent_id: &str, key: Option<&str>, value: &Value) {
        match value {
            Value::String(text) if key.is_some_and(is_secret_key) => self.learn_for(agent_id, text),
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| self.learn_from_value(agent_id, Some(k), v)),
            Value::Array(items) => items
                .iter()
                .for_each(|v| self.learn_from_value(agent_id, key, v)),
            _ => {}
        }
    }

    /// `text` with every known secret masked.
    pub fn text(&self, text: &str) -> String {
        self.read()
            .all()
            .filter(|secret| text.contains(secret.as_str()))
            .fold(text.to_owned(), |masked, secret| {
                masked.replace(secret.as_str(), REDACTED)
            })
    }

    fn read(&self) -> RwLockReadGuard<'_, Known> {
        // A panic while holding the lock leaves the sets themselves consistent.
        self.known
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Known> {
        self.known
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `value` with secret-named members and known secrets masked.
    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.text(text)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, member)| {
                        let masked = if is_secret_key(key) && !member.is_null() {
                            Value::String(REDACTED.to_owned())
                        } else {
                            self.value(member)
                        };
                        (key.clone(), masked)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A configuration safe to store: secret environment values and settings masked.
    pub fn config(&self, config: &AgentConfig) -> AgentConfig {
        let mut safe = config.clone();
        for (key, value) in &mut safe.environment {
            *value = if is_secret_variable(key) {
                REDACTED.to_owned()
            } else {
                self.text(value)
            };
        }
        if let Value::Object(settings) = self.value(&Value::Object(config.settings.clone())) {
            safe.settings = settings;
        }
        safe.description = self.text(&safe.description);
        safe
    }
}

fn learnable(secret: &str) -> bool {
    secret.len() >= MIN_KNOWN_LEN && secret != REDACTED
}

#[cfg(test)]
mod tests {
    use myca_agents::protocol::AgentCategory;
    use serde_json::json;

    use super::*;

    #[test]
    fn secret_names_are_recognised_in_any_spelling() {
        for key in [
            "OPENAI_API_KEY",
            "apiKey",
            "db-password",
            "client_secret",
            "GITHUB_TOKEN",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in ["AGENT_ID", "region", "author", "keyboard_layout"] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn learned_secrets_are_masked_everywhere() {
        let scrubber = Scrubber::default();
        let mut config = AgentConfig::new("a1", "openai-agent", AgentCategory::Integration);
        config
            .environment
            .insert("OPENAI_API_KEY".into(), "sk-planted-123".into());
        config.environment.insert("REGION".into(), "eu".into());
        config.settings.insert(
            "auth".into(),
            json!({"bearer_token": "tok-planted-456", "user": "ops"}),
        );
        scrubber.learn_from_config(&config);

        let safe = scrubber.config(&config);
        let stored = serde_json::to_string(&safe).unwrap();
        assert!(!stored.contains("planted"), "{stored}");
        assert_eq!(safe.environment["REGION"], "eu");
        assert_eq!(safe.settings["auth"]["user"], "ops");

        assert_eq!(
            scrubber.text("called with sk-planted-123 and tok-planted-456"),
            format!("called with {REDACTED} and {REDACTED}")
        );
        let payload = scrubber.value(&json!({"note": ["x sk-planted-123"], "password": 7}));
        assert_eq!(
            payload,
            json!({"note": [format!("x {REDACTED}")], "password": REDACTED})
        );
    }

    #[test]
    fn variables_named_like_keys_are_secret_but_json_members_are_not() {
        for name in ["OPENAI_API_KEY", "SSH_KEY", "stripe_key", "DB_PASSWORD"] {
            assert!(is_secret_variable(name), "{name}");
        }
        for name in ["KEY", "_KEY", "KEYBOARD", "REGION"] {
            assert!(!is_secret_variable(name), "{name}");
        }
        assert!(!is_secret_key("sort_key"));
    }

    #[test]
    fn a_removed_agents_secrets_are_dropped() {
        let scrubber = Scrubber::default();
        for n in 0..100 {
            let mut config = AgentConfig::new(format!("a{n}"), "custom", AgentCategory::Core);
            config
                .environment
                .insert("SSH_KEY".into(), format!("planted-{n:03}"));
            scrubber.learn_from_config(&config);
        }
        scrubber.learn("operator-secret");
        assert_eq!(scrubber.agents_known(), 100);
        assert_eq!(scrubber.text("planted-007"), REDACTED);
        for n in 0..100 {
            scrubber.forget_agent(&format!("a{n}"));
        }
        assert_eq!(scrubber.agents_known(), 0);
        assert_eq!(scrubber.text("planted-007"), "planted-007");
        assert_eq!(scrubber.text("operator-secret"), REDACTED);
    }

    #[test]
    fn short_values_are_not_learned() {
        let scrubber = Scrubber::default();
        scrubber.learn("abc");
        assert_eq!(scrubber.text("abc abc"), "abc abc");
    }
}
