//! Keeps secrets out of everything the orchestrator stores: history rows,
//! messages and snapshots. A value is secret when its key says so (api_key,
//! token, password…) or when it is a value already known to be secret.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

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

#[derive(Clone, Default)]
pub struct Scrubber {
    known: Arc<RwLock<BTreeSet<String>>>,
}

impl Scrubber {
    /// Remembers `secret`, so it is masked wherever it turns up later.
    pub fn learn(&self, secret: &str) {
        if secret.len() >= MIN_KNOWN_LEN && secret != REDACTED {
            self.known
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .insert(secret.to_owned());
        }
    }

    /// Learns every secret-named value of an agent's configuration.
    pub fn learn_from_config(&self, config: &AgentConfig) {
        for (key, value) in &config.environment {
            if is_secret_key(key) {
                self.learn(value);
            }
        }
        self.learn_from_value(None, &Value::Object(config.settings.clone()));
    }

    fn learn_from_value(&self, key: Option<&str>, value: &Value) {
        match value {
            Value::String(text) if key.is_some_and(is_secret_key) => self.learn(text),
            Value::Object(map) => map
                .iter()
                .for_each(|(k, v)| self.learn_from_value(Some(k), v)),
            Value::Array(items) => items.iter().for_each(|v| self.learn_from_value(key, v)),
            _ => {}
        }
    }

    /// `text` with every known secret masked.
    pub fn text(&self, text: &str) -> String {
        let known = self
            .known
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        known
            .iter()
            .filter(|secret| text.contains(secret.as_str()))
            .fold(text.to_owned(), |masked, secret| {
                masked.replace(secret.as_str(), REDACTED)
            })
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
            *value = if is_secret_key(key) {
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
    fn short_values_are_not_learned() {
        let scrubber = Scrubber::default();
        scrubber.learn("abc");
        assert_eq!(scrubber.text("abc abc"), "abc abc");
    }
}
