//! How a service wraps its answers, and how a wrapped failure is told apart
//! from a success that carries data.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// The answer is the data.
    Bare,
    /// `{"data": …}` (Proxmox VE).
    Data,
    /// `{"success": bool, "errors": [...], "result": …}` (Cloudflare v4).
    SuccessResult,
    /// `{"meta": {"rc": "ok" | "error", "msg"}, "data": …}` (UniFi Network).
    MetaRc,
    /// `{"status": "success" | "error", "data", "error"}` (Prometheus).
    StatusData,
    /// One JSON object per line, read whole (Docker's progress answers to a
    /// pull or build, which fail inside a 200 with an `error` line).
    JsonLines,
}

impl Envelope {
    /// The data inside an answer, or the service's own reason it failed.
    pub fn open(self, answer: Value) -> Result<Value, String> {
        let mut answer = answer;
        match self {
            Envelope::Bare => Ok(answer),
            Envelope::Data => match answer.get_mut("data") {
                Some(data) => Ok(data.take()),
                None => Err("no `data` in the answer".to_owned()),
            },
            Envelope::SuccessResult => {
                if answer["success"] == Value::Bool(true) {
                    Ok(answer["result"].take())
                } else {
                    Err(super::error::service_message(&answer.to_string()))
                }
            }
            Envelope::MetaRc => {
                if answer["meta"]["rc"] == "ok" {
                    Ok(answer["data"].take())
                } else {
                    Err(super::error::service_message(&answer.to_string()))
                }
            }
            Envelope::JsonLines => {
                let lines = answer.as_array().cloned().unwrap_or_else(|| vec![answer]);
                match lines.iter().find_map(|line| line.get("error")) {
                    Some(error) => Err(error.as_str().unwrap_or_default().to_owned()),
                    None => Ok(Value::Array(lines)),
                }
            }
            Envelope::StatusData => {
                if answer["status"] == "success" {
                    Ok(answer["data"].take())
                } else {
                    Err(super::error::service_message(&answer.to_string()))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_envelope_opens_or_reports_the_failure() {
        assert_eq!(Envelope::Data.open(json!({"data": [1]})), Ok(json!([1])));
        assert!(Envelope::Data.open(json!({"x": 1})).is_err());
        assert_eq!(
            Envelope::SuccessResult
                .open(json!({"success": true, "errors": [], "result": {"id": "z"}})),
            Ok(json!({"id": "z"}))
        );
        assert_eq!(
            Envelope::SuccessResult.open(
                json!({"success": false, "errors": [{"code": 1003, "message": "Invalid zone"}]})
            ),
            Err("Invalid zone".to_owned())
        );
        assert_eq!(
            Envelope::MetaRc
                .open(json!({"meta": {"rc": "error", "msg": "api.err.NoSiteContext"}, "data": []})),
            Err("api.err.NoSiteContext".to_owned())
        );
        assert_eq!(
            Envelope::MetaRc.open(json!({"meta": {"rc": "ok"}, "data": [2]})),
            Ok(json!([2]))
        );
        assert_eq!(
            Envelope::StatusData
                .open(json!({"status": "success", "data": {"resultType": "vector"}})),
            Ok(json!({"resultType": "vector"}))
        );
        assert_eq!(Envelope::Bare.open(json!(3)), Ok(json!(3)));
        assert_eq!(
            Envelope::JsonLines.open(json!([{"status": "Pulling"}, {"error": "manifest unknown"}])),
            Err("manifest unknown".to_owned())
        );
        assert_eq!(
            Envelope::JsonLines.open(json!([{"status": "Done"}])),
            Ok(json!([{"status": "Done"}]))
        );
    }
}
