/// Everything that can be wrong with a value on the wire.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProtocolError {
    #[error("invalid task priority {0}: expected one of 10, 8, 5, 3, 1")]
    InvalidPriority(i64),
    #[error("unknown {kind} {value:?}: expected one of {expected:?}")]
    UnknownValue {
        kind: &'static str,
        value: String,
        expected: &'static [&'static str],
    },
    #[error(
        "invalid agent id {0:?}: use 2 to 63 lowercase letters, digits and hyphens, \
         starting with a letter or digit"
    )]
    InvalidAgentId(String),
    #[error("environment variable {0} is managed by the orchestrator and cannot be set in `environment`")]
    ManagedVariable(String),
    #[error("invalid credential reference {0:?}: names are 1 to 128 characters of A-Z, a-z, 0-9, '_', '-' and '.' (a keyring source may also use '/')")]
    InvalidCredential(String),
    #[error("credential {0:?} is given two different sources")]
    ConflictingCredential(String),
    #[error("invalid {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("task {task_id} cannot go from {from} to {to}")]
    IllegalTransition {
        task_id: uuid::Uuid,
        from: crate::protocol::TaskStatus,
        to: crate::protocol::TaskStatus,
    },
}
