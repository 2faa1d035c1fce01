//! Canonical JSON, the text the audit chain hashes: object keys sorted by
//! their UTF-8 bytes, no whitespace, strings and numbers as serde_json
//! writes them. Sorting here (not relying on the map's order) keeps the
//! hash independent of how serde_json was built.

use serde_json::Value;

pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write(&object[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_without_whitespace() {
        let value = json!({"b": [{"z": 1, "a": "x\"y"}], "a": null, "é": 1.5});
        assert_eq!(
            canonical(&value),
            r#"{"a":null,"b":[{"a":"x\"y","z":1}],"é":1.5}"#
        );
    }
}
