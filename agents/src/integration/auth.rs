//! How a service is told who calls: the schemes the catalog's services use.

use serde_json::Value;

use super::redact::Redactor;

/// A credential's value: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, Clone)]
pub enum Auth {
    None,
    /// `Authorization: Bearer …` (Cloudflare, GitHub, OpenAI-compatible).
    Bearer(Secret),
    /// A named header (`X-Api-Key` for CrowdSec, `X-API-KEY` for UniFi, `xi-api-key`).
    Header {
        name: &'static str,
        value: Secret,
    },
    /// A key in a named header and a bearer token beside it (Supabase:
    /// `apikey` names the project, the bearer says who calls — the same
    /// key, or a user's access token).
    KeyAndBearer {
        name: &'static str,
        key: Secret,
        bearer: Secret,
    },
    /// HTTP basic auth: `Authorization: Basic base64(user:password)`
    /// (Mailchimp takes any user name and the API key as the password).
    Basic {
        user: String,
        password: Secret,
    },
    /// Proxmox VE API token: `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`.
    ProxmoxToken {
        token_id: String,
        secret: Secret,
    },
    /// A key in the query string (`?api_key=`).
    Query {
        name: &'static str,
        value: Secret,
    },
    /// A key inside the path (IFTTT's `/with/key/{key}`): the caller builds
    /// the path; the key is only learnt for redaction.
    InPath(Secret),
    /// Log in once with a JSON body at `path`, then send the session cookie
    /// (and the CSRF token the login answered with) on every call; logs in
    /// again when the service says the session ended (UniFi).
    CookieLogin {
        path: String,
        body: Value,
        /// Secret values inside `body`, for redaction.
        secrets: Vec<Secret>,
    },
    /// Log in once with a JSON body at `path`, then send the token found at
    /// `token` (a JSON pointer into the login answer) as
    /// `Authorization: Bearer …`; logs in again when the service answers
    /// 401 (CrowdSec's machine JWT).
    BearerLogin {
        path: String,
        body: Value,
        token: &'static str,
        /// Secret values inside `body`, for redaction.
        secrets: Vec<Secret>,
    },
}

impl Auth {
    /// Every secret value this scheme sends.
    pub fn secrets(&self) -> Vec<&str> {
        match self {
            Auth::None => Vec::new(),
            Auth::Bearer(secret)
            | Auth::Header { value: secret, .. }
            | Auth::Query { value: secret, .. }
            | Auth::InPath(secret)
            | Auth::Basic {
                password: secret, ..
            }
            | Auth::ProxmoxToken { secret, .. } => vec![secret.expose()],
            Auth::KeyAndBearer { key, bearer, .. } => vec![key.expose(), bearer.expose()],
            Auth::CookieLogin { secrets, .. } | Auth::BearerLogin { secrets, .. } => {
                secrets.iter().map(Secret::expose).collect()
            }
        }
    }

    /// Teaches `redactor` every secret this scheme sends, in each form it travels in.
    pub fn learn_secrets(&self, redactor: &mut Redactor) {
        self.secrets()
            .into_iter()
            .for_each(|secret| redactor.learn(secret));
        if let Auth::ProxmoxToken { token_id, secret } = self {
            redactor.learn(&format!("{token_id}={}", secret.expose()));
        }
    }

    /// The login call of a scheme that logs in first: its path and body.
    pub fn login(&self) -> Option<(&str, &Value)> {
        match self {
            Auth::CookieLogin { path, body, .. } | Auth::BearerLogin { path, body, .. } => {
                Some((path, body))
            }
            _ => None,
        }
    }

    /// Adds this scheme's header or query parameter to a request.
    pub fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Auth::Bearer(secret) => request.bearer_auth(secret.expose()),
            Auth::Basic { user, password } => request.basic_auth(user, Some(password.expose())),
            Auth::Header { name, value } => request.header(*name, value.expose()),
            Auth::KeyAndBearer { name, key, bearer } => request
                .header(*name, key.expose())
                .bearer_auth(bearer.expose()),
            Auth::ProxmoxToken { token_id, secret } => request.header(
                reqwest::header::AUTHORIZATION,
                format!("PVEAPIToken={token_id}={}", secret.expose()),
            ),
            Auth::Query { name, value } => request.query(&[(*name, value.expose())]),
            Auth::None | Auth::InPath(_) | Auth::CookieLogin { .. } | Auth::BearerLogin { .. } => {
                request
            }
        }
    }
}
