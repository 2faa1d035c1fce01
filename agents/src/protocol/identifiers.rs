//! The shapes of the names clients give: agent kinds, task types and
//! capabilities. Each rule is stated once as a JSON Schema pattern (for the
//! API's document) and checked here by hand, so the document and the server
//! agree on every string.

use super::ProtocolError;

/// An agent id: 2–63 lowercase letters, digits and hyphens, not starting
/// with a hyphen (it becomes a container name and Redis keys).
pub const AGENT_ID_PATTERN: &str = "^[a-z0-9][a-z0-9-]{1,62}$";
/// An agent kind (`agent_type`): 1–63 lowercase letters, digits, `-` and
/// `_`, starting with a letter or digit.
pub const KIND_PATTERN: &str = "^[a-z0-9][a-z0-9_-]{0,62}$";
/// A task type or capability: 1–128 ASCII letters, digits, `_`, `.`, `:`
/// and `-`, starting with a letter, digit or `_`.
pub const TASK_TYPE_PATTERN: &str = "^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$";

fn shaped(value: &str, max_len: usize, first: fn(u8) -> bool, rest: fn(u8) -> bool) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max_len
        && first(bytes[0])
        && bytes[1..].iter().all(|b| rest(*b))
}

fn lower_or_digit(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

pub fn validate_kind(field: &'static str, value: &str) -> Result<(), ProtocolError> {
    if shaped(value, 63, lower_or_digit, |b| {
        lower_or_digit(b) || b == b'-' || b == b'_'
    }) {
        return Ok(());
    }
    Err(ProtocolError::InvalidField {
        field,
        reason: format!("{value:?} does not match {KIND_PATTERN}"),
    })
}

pub fn validate_task_type(field: &'static str, value: &str) -> Result<(), ProtocolError> {
    let first = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if shaped(value, 128, first, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'-')
    }) {
        return Ok(());
    }
    Err(ProtocolError::InvalidField {
        field,
        reason: format!("{value:?} does not match {TASK_TYPE_PATTERN}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_task_types_have_one_shape() {
        for good in ["test-agent", "custom", "a", "proxmox_agent2"] {
            validate_kind("agent_type", good).unwrap();
        }
        for bad in ["", "-x", "_x", "Docker", "a b", "\u{1c}", &"k".repeat(64)] {
            assert!(validate_kind("agent_type", bad).is_err(), "{bad:?}");
        }
        for good in [
            "echo",
            "approve_action",
            "_private",
            "fs.read",
            "v1:sync",
            "a-b",
        ] {
            validate_task_type("task_type", good).unwrap();
        }
        for bad in ["", " ", ".x", "a b", "é", &"t".repeat(129)] {
            assert!(validate_task_type("task_type", bad).is_err(), "{bad:?}");
        }
    }
}
