//! Credentials by reference: a spawn names them, the orchestrator reads them
//! from the OS keyring and hands them to the agent sealed (see `crate::sealing`
//! and docs/protocol.md, "Credentials").

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ProtocolError;

const MAX_NAME_LEN: usize = 128;

/// One credential an agent needs: `"GITHUB_TOKEN"` (the keyring credential of
/// that name, seen by the agent under the same name) or `{"name":
/// "GITHUB_TOKEN", "from": "github/ci-bot"}` (seen as `name`, read from the
/// keyring credential `from`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged, deny_unknown_fields)]
pub enum CredentialRef {
    Named(String),
    Aliased { name: String, from: String },
}

impl CredentialRef {
    /// The name the agent's handlers ask for.
    pub fn name(&self) -> &str {
        match self {
            CredentialRef::Named(name) | CredentialRef::Aliased { name, .. } => name,
        }
    }

    /// The keyring credential the value comes from.
    pub fn source(&self) -> &str {
        match self {
            CredentialRef::Named(name) => name,
            CredentialRef::Aliased { from, .. } => from,
        }
    }

    pub fn validate(&self) -> Result<(), ProtocolError> {
        let fits = |text: &str, extra: &[char]| {
            (1..=MAX_NAME_LEN).contains(&text.len())
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c) || extra.contains(&c))
        };
        if fits(self.name(), &[]) && fits(self.source(), &['/']) {
            Ok(())
        } else {
            Err(ProtocolError::InvalidCredential(self.source().to_owned()))
        }
    }
}

/// An agent asking for its credentials, on `mas:credentials:requests`
/// (field `request`); the reply is pushed onto
/// `mas:credentials:reply:{request_id}`. `public_key` is a fresh X25519 key
/// (hex), `proof` the HMAC of the request with the container's bootstrap token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRequest {
    pub request_id: Uuid,
    pub agent_id: String,
    pub public_key: String,
    pub proof: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum CredentialReply {
    /// A `CredentialBundle` sealed to the request's key, proven with the token.
    Sealed {
        sealer_key: String,
        sealed: String,
        proof: String,
    },
    /// Why nothing was sent (never a secret); the agent asks again later.
    Refused { error: String },
}

/// What a sealed reply holds: values by the names the agent asks for, and
/// the names the keyring had no value for.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialBundle {
    pub credentials: BTreeMap<String, String>,
    #[serde(default)]
    pub missing: Vec<String>,
}

/// Names only: a bundle never prints its values.
impl fmt::Debug for CredentialBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialBundle")
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .field("missing", &self.missing)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_are_names_or_aliases_and_are_checked() {
        let refs: Vec<CredentialRef> = serde_json::from_value(
            json!(["GITHUB_TOKEN", {"name": "DB_PASSWORD", "from": "agent/a1/DB_PASSWORD"}]),
        )
        .unwrap();
        assert_eq!(refs[0].name(), "GITHUB_TOKEN");
        assert_eq!(refs[0].source(), "GITHUB_TOKEN");
        assert_eq!(refs[1].name(), "DB_PASSWORD");
        assert_eq!(refs[1].source(), "agent/a1/DB_PASSWORD");
        assert!(refs.iter().all(|r| r.validate().is_ok()));
        let extra = json!([{"name": "A", "from": "b", "scope": "x"}]);
        assert!(serde_json::from_value::<Vec<CredentialRef>>(extra).is_err());
        for bad in ["", "has space", "a/b", &"x".repeat(129)] {
            assert!(
                CredentialRef::Named(bad.to_owned()).validate().is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_bundle_never_debug_prints_values() {
        let bundle = CredentialBundle {
            credentials: BTreeMap::from([("K".to_owned(), "planted-value".to_owned())]),
            missing: vec![],
        };
        assert!(!format!("{bundle:?}").contains("planted"));
    }
}
