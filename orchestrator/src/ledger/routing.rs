//! Which stream a route's task is queued on.

use myca_agents::runtime::handlers::{kinds_running, known_kinds};

use crate::store::Route;

#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error("no agent kind runs {capability:?}; kinds: {known:?}")]
    NoCapableKind {
        capability: String,
        known: Vec<&'static str>,
    },
}

/// The agent type whose shared stream takes the task, or `None` for a task
/// addressed to one agent. A capability goes to the first kind that runs
/// tasks of that type; its replicas share the work.
pub fn resolve(route: &Route) -> Result<Option<String>, RoutingError> {
    match route {
        Route::Agent(_) => Ok(None),
        Route::Type(agent_type) => Ok(Some(agent_type.clone())),
        Route::Capability(capability) => kinds_running(capability)
            .first()
            .map(|kind| Some((*kind).to_owned()))
            .ok_or_else(|| RoutingError::NoCapableKind {
                capability: capability.clone(),
                known: known_kinds(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resolve_to_streams() {
        assert_eq!(resolve(&Route::Agent("a1".into())).unwrap(), None);
        assert_eq!(
            resolve(&Route::Type("test-agent".into())).unwrap(),
            Some("test-agent".into())
        );
        assert_eq!(
            resolve(&Route::Capability("echo".into())).unwrap(),
            Some("test-agent".into())
        );
        let error = resolve(&Route::Capability("fly".into())).unwrap_err();
        assert!(error.to_string().contains("\"fly\""), "{error}");
    }
}
