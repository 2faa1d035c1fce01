//! One Docker engine as the docker- and deployment-agents talk to it: the
//! Engine HTTP API, unversioned (the engine's own current version), over
//! the unix socket the operator granted or a `tcp://` address, through the
//! integration layer (so errors quote the engine's own `message`).

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::integration::{Envelope, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::setting;
use crate::runtime::handlers::TaskContext;

/// A stop waits up to its own timeout; a call may take that long and more.
const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// The engine settings a kind with the Docker privilege declares.
pub fn settings_property() -> Value {
    json!({"type": "string", "default": format!("unix://{}", crate::protocol::DOCKER_SOCKET_IN_AGENT),
           "description": "The Docker engine: unix:///var/run/docker.sock (the host's socket, needs \"grants\": [\"docker_socket\"]) or tcp://HOST:2375"})
}

/// Payload schema of a container name or id.
pub fn container_property() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 128,
           "description": "A container's name or (short) id"})
}

pub struct Engine {
    api: Service,
    /// The same engine for answers streamed as JSON lines (a pull).
    progress: Service,
}

fn service(host: &str, envelope: Envelope) -> Result<Service, String> {
    let mut config = if let Some(path) = host.strip_prefix("unix://") {
        let mut config = ServiceConfig::new("docker", "http://docker");
        config.unix_socket = Some(PathBuf::from(path));
        config
    } else if let Some(address) = host.strip_prefix("tcp://") {
        ServiceConfig::new("docker", &format!("http://{address}"))
    } else {
        return Err(format!(
            "setting docker_host {host:?}: name the engine as unix:///PATH or tcp://HOST:PORT"
        ));
    };
    config.envelope = envelope;
    config.timeout = CALL_TIMEOUT;
    Service::new(config).map_err(|e| e.to_string())
}

/// A name, id or image reference that goes into a path: no `/` tricks,
/// no query, what Docker itself allows in names and references.
fn checked<'a>(what: &str, value: &'a str, extra: &[char]) -> Result<&'a str, String> {
    let fine = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c) || extra.contains(&c);
    if !value.is_empty() && value.chars().all(fine) && !value.starts_with(['.', '-', '/']) {
        Ok(value)
    } else {
        Err(format!("{what} {value:?} is not a Docker {what}"))
    }
}

pub fn container_ref(value: &str) -> Result<&str, String> {
    checked("container", value, &[])
}

pub fn image_ref(value: &str) -> Result<&str, String> {
    checked("image", value, &['/', ':', '@'])
}

impl Engine {
    /// The engine the agent's `docker_host` setting names.
    pub fn of(context: &TaskContext) -> Result<Self, String> {
        let host = setting(context, "docker_host")?;
        if host.is_empty() {
            return Err(
                "this agent has no Docker engine: spawn it with settings.docker_host \
                        (and \"grants\": [\"docker_socket\"] for the host's socket)"
                    .to_owned(),
            );
        }
        Ok(Self {
            api: service(host, Envelope::Bare)?,
            progress: service(host, Envelope::JsonLines)?,
        })
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Value, String> {
        self.api.get(path, query).await.map_err(|e| e.to_string())
    }

    /// A POST or DELETE, with the engine's error as it came (a caller may
    /// expect a 304 or a 404).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, ServiceError> {
        self.api.call(method, path, query, body).await
    }

    /// A call whose answer is a stream of progress lines, read to the end.
    pub async fn progress(&self, path: &str, query: &[(&str, String)]) -> Result<Value, String> {
        self.progress
            .call(Method::POST, path, query, None)
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn inspect(&self, container: &str) -> Result<Value, String> {
        self.get(
            &format!("/containers/{}/json", container_ref(container)?),
            &[],
        )
        .await
    }

    /// The image `reference`, or `None` when the engine does not have it.
    pub async fn image(&self, reference: &str) -> Result<Option<Value>, String> {
        let path = format!("/images/{}/json", image_ref(reference)?);
        match self.api.get(&path, &[]).await {
            Ok(image) => Ok(Some(image)),
            Err(ServiceError::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Starts, stops or restarts `container`; false when it already was
    /// in that state (the engine answers 304).
    pub async fn act(&self, container: &str, action: &str, wait: u64) -> Result<bool, String> {
        let path = format!("/containers/{}/{action}", container_ref(container)?);
        let query = if action == "start" {
            Vec::new()
        } else {
            vec![("t", wait.to_string())]
        };
        match self.call(Method::POST, &path, &query, None).await {
            Ok(_) => Ok(true),
            Err(ServiceError::Rejected { status: 304, .. }) => Ok(false),
            Err(error) => Err(error.to_string()),
        }
    }

    /// Removes `container`, running or not.
    pub async fn remove(&self, container: &str) -> Result<(), String> {
        let path = format!("/containers/{}", container_ref(container)?);
        self.call(Method::DELETE, &path, &[("force", "true".to_owned())], None)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// A container's name as listed (`/web-1` → `web-1`).
pub fn bare_name(name: &Value) -> String {
    name.as_str()
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_that_could_leave_their_path_are_refused() {
        assert_eq!(container_ref("web-1"), Ok("web-1"));
        assert!(container_ref("../images").is_err());
        assert!(container_ref("a/b").is_err());
        assert!(container_ref("a?b").is_err());
        assert_eq!(image_ref("myca/app:v2"), Ok("myca/app:v2"));
        assert!(image_ref("app:v2?x=1").is_err());
        assert!(service("ssh://host", Envelope::Bare)
            .err()
            .unwrap()
            .contains("unix:///PATH or tcp://HOST:PORT"));
        assert!(service("tcp://127.0.0.1:2375", Envelope::Bare).is_ok());
        assert_eq!(bare_name(&json!("/web-1")), "web-1");
    }
}
