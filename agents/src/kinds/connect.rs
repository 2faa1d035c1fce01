//! What a kind's handler needs to reach its service: a setting, a
//! credential (with a message saying how to give it when it is missing),
//! and a payload field the schema already checked.

use serde_json::Value;

use crate::integration::Secret;
use crate::runtime::handlers::TaskContext;

/// A string setting; the kind's schema gave it a default or made it required.
pub fn setting<'a>(context: &'a TaskContext, name: &str) -> Result<&'a str, String> {
    context
        .settings
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("setting {name:?} is not set for this agent"))
}

/// A credential the agent was given at spawn, by name.
pub fn credential(context: &TaskContext, name: &str) -> Result<Secret, String> {
    context
        .credentials
        .get(name)
        .map(Secret::new)
        .ok_or_else(|| {
            format!(
                "credential {name} was not given to this agent: spawn it with \
             \"credentials\": [{{\"name\": \"{name}\", \"from\": \"<keyring item>\"}}]"
            )
        })
}

/// A string field of the payload (the payload schema requires it).
pub fn text<'a>(payload: &'a Value, field: &str) -> &'a str {
    payload[field].as_str().unwrap_or_default()
}

/// The payload's string fields named in `names` that are present, as query parameters.
pub fn text_params<'a>(payload: &Value, names: &[&'a str]) -> Vec<(&'a str, String)> {
    names
        .iter()
        .filter_map(|name| optional_text(payload, name).map(|value| (*name, value.to_owned())))
        .collect()
}

/// An optional string field of the payload.
pub fn optional_text<'a>(payload: &'a Value, field: &str) -> Option<&'a str> {
    payload.get(field).and_then(Value::as_str)
}

/// The payload's string `field` as it goes into a URL path: letters,
/// digits, `_`, `-` and `.` (and `/` between such parts where `nested`),
/// so no value can climb out of the path it is put in or add a query.
pub fn path_part<'a>(payload: &'a Value, field: &str, nested: bool) -> Result<&'a str, String> {
    let value = text(payload, field);
    let fine = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c) || (nested && c == '/');
    let parts_fine = value
        .split('/')
        .all(|part| !part.is_empty() && !part.starts_with('.'));
    if !value.is_empty() && value.chars().all(fine) && parts_fine {
        Ok(value)
    } else {
        Err(format!(
            "invalid payload: payload.{field}: {value:?} must be letters, digits, '_', '-' or '.'{}",
            if nested { " in '/'-separated parts" } else { "" }
        ))
    }
}
