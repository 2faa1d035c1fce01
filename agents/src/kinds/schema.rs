//! The part of JSON Schema the catalog's schemas use, checked in Rust: the
//! agent binary stays small and static, and the window validates the same
//! schemas with a full validator. [`SUPPORTED_KEYWORDS`] lists what is
//! understood; a catalog test refuses any schema using another keyword, so
//! nothing a schema says is silently ignored here.

use serde::Serialize;
use serde_json::{Map, Value};

/// Keywords this validator checks or that only annotate.
pub const SUPPORTED_KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    // Annotations.
    "title",
    "description",
    "default",
    "examples",
];

/// One problem with one field of a value: `field` is a dotted path from the
/// value's root (`settings.base_url`, `payload.vmid`), `""` for the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Every problem of `value` against `schema`, fields named under `root`.
pub fn validate(schema: &Value, value: &Value, root: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check(schema, value, root, &mut errors);
    // By field, whatever order the object's keys came in.
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    errors
}

fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn has_type(value: &Value, wanted: &str) -> bool {
    let actual = type_name(value);
    actual == wanted
        || (wanted == "number" && actual == "integer")
        // 3.0 is an integer to JSON Schema.
        || (wanted == "integer" && value.as_f64().is_some_and(|n| n.fract() == 0.0))
}

fn check(schema: &Value, value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    let Some(schema) = schema.as_object() else {
        return;
    };
    let mut fail = |message: String| {
        errors.push(FieldError {
            field: path.to_owned(),
            message,
        })
    };
    if let Some(wanted) = schema.get("type") {
        let types: Vec<&str> = match wanted {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
            fail(format!(
                "must be {}, not {}",
                types.join(" or "),
                type_name(value)
            ));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            fail(format!("must be one of {}", Value::Array(allowed.clone())));
        }
    }
    if let Some(constant) = schema.get("const") {
        if constant != value {
            fail(format!("must be {constant}"));
        }
    }
    if let Some(number) = value.as_f64() {
        check_bounds(schema, number, &mut fail);
    }
    if let Some(text) = value.as_str() {
        check_text(schema, text, &mut fail);
    }
    if let Some(items) = value.as_array() {
        check_length(
            schema,
            items.len(),
            "minItems",
            "maxItems",
            "items",
            &mut fail,
        );
        if let Some(item_schema) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                check(item_schema, item, &child(path, &index.to_string()), errors);
            }
        }
    }
    if let Some(object) = value.as_object() {
        check_object(schema, object, path, errors);
    }
}

fn check_bounds(schema: &Map<String, Value>, number: f64, fail: &mut impl FnMut(String)) {
    if let Some(minimum) = schema.get("minimum").and_then(Value::as_f64) {
        if number < minimum {
            fail(format!("must be at least {minimum}"));
        }
    }
    if let Some(maximum) = schema.get("maximum").and_then(Value::as_f64) {
        if number > maximum {
            fail(format!("must be at most {maximum}"));
        }
    }
}

fn check_length(
    schema: &Map<String, Value>,
    length: usize,
    min_keyword: &str,
    max_keyword: &str,
    unit: &str,
    fail: &mut impl FnMut(String),
) {
    if let Some(min) = schema.get(min_keyword).and_then(Value::as_u64) {
        if (length as u64) < min {
            fail(format!("needs at least {min} {unit}"));
        }
    }
    if let Some(max) = schema.get(max_keyword).and_then(Value::as_u64) {
        if length as u64 > max {
            fail(format!("takes at most {max} {unit}"));
        }
    }
}

fn check_text(schema: &Map<String, Value>, text: &str, fail: &mut impl FnMut(String)) {
    let length = text.chars().count();
    check_length(schema, length, "minLength", "maxLength", "characters", fail);
}

fn check_object(
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let properties = schema.get("properties").and_then(Value::as_object);
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !object.contains_key(name) {
            errors.push(FieldError {
                field: child(path, name),
                message: "is required".to_owned(),
            });
        }
    }
    for (name, value) in object {
        match properties.and_then(|p| p.get(name)) {
            Some(property) => check(property, value, &child(path, name), errors),
            None => match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => errors.push(FieldError {
                    field: child(path, name),
                    message: "is not a known field".to_owned(),
                }),
                Some(extra @ Value::Object(_)) => check(extra, value, &child(path, name), errors),
                _ => {}
            },
        }
    }
}

/// `object` with each absent property that has a `default` filled in.
pub fn with_defaults(schema: &Value, object: &Map<String, Value>) -> Map<String, Value> {
    let mut filled = object.clone();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            if let (false, Some(default)) = (filled.contains_key(name), property.get("default")) {
                filled.insert(name.clone(), default.clone());
            }
        }
    }
    filled
}

/// Keywords `schema` uses that this validator does not know, with where.
pub fn unsupported_keywords(schema: &Value, path: &str) -> Vec<String> {
    let Some(object) = schema.as_object() else {
        return vec![format!("{path}: not an object")];
    };
    let mut found = Vec::new();
    for (keyword, inner) in object {
        let here = child(path, keyword);
        match keyword.as_str() {
            "properties" => {
                for (name, property) in inner.as_object().into_iter().flatten() {
                    found.extend(unsupported_keywords(property, &child(&here, name)));
                }
            }
            "items" => found.extend(unsupported_keywords(inner, &here)),
            "additionalProperties" if inner.is_object() => {
                found.extend(unsupported_keywords(inner, &here))
            }
            known if SUPPORTED_KEYWORDS.contains(&known) => {}
            _ => found.push(here),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn reports_every_field_with_its_path() {
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["url", "node"],
            "properties": {
                "url": {"type": "string", "maxLength": 8},
                "node": {"type": "string", "minLength": 1},
                "vmid": {"type": "integer", "minimum": 100, "maximum": 999999999},
                "action": {"enum": ["start", "stop"]},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}
            }
        });
        let value = json!({
            "url": "ftp://far.away", "vmid": 3.5, "action": "explode",
            "tags": ["a", 1, "c"], "extra": true
        });
        let errors = validate(&schema, &value, "payload");
        assert_eq!(
            fields(&errors),
            [
                "payload.action",
                "payload.extra",
                "payload.node",
                "payload.tags",
                "payload.tags.1",
                "payload.url",
                "payload.vmid"
            ]
        );
        assert_eq!(errors[2].to_string(), "payload.node: is required");
        let good = json!({"url": "http://x", "node": "pve", "vmid": 100.0});
        assert_eq!(validate(&schema, &good, "payload"), []);
        assert_eq!(fields(&validate(&schema, &json!([]), "")), [""]);
    }

    #[test]
    fn defaults_fill_only_what_is_absent() {
        let schema = json!({"properties": {"a": {"default": 1}, "b": {"default": 2}, "c": {}}});
        let given = json!({"a": 5}).as_object().unwrap().clone();
        assert_eq!(
            Value::Object(with_defaults(&schema, &given)),
            json!({"a": 5, "b": 2})
        );
    }

    #[test]
    fn unknown_keywords_are_found_anywhere() {
        let schema = json!({"type": "object", "properties": {"a": {"pattern": "x"}},
                            "items": {"oneOf": []}});
        assert_eq!(
            unsupported_keywords(&schema, "s"),
            ["s.items.oneOf", "s.properties.a.pattern"]
        );
    }
}
