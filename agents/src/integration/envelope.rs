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
    /// Server-sent events, read whole into the JSON of each event's data (a
    /// streamed LLM answer); an event carrying an `error` is the failure.
    EventStream,
}

impl Envelope {
    /// The service's own reason a wrapped answer failed, if it did.
    pub fn failure(self, answer: &Value) -> Option<String> {
        let failed = match self {
            Envelope::Bare => false,
            Envelope::Data => {
                return answer
                    .get("data")
                    .is_none()
                    .then(|| "no `data` in the answer".to_owned())
            }
            Envelope::SuccessResult => answer["success"] != Value::Bool(true),
            Envelope::MetaRc => answer["meta"]["rc"] != "ok",
            Envelope::StatusData => answer["status"] != "success",
            Envelope::JsonLines => {
                let lines = answer
                    .as_array()
                    .map_or(std::slice::from_ref(answer), Vec::as_slice);
                return lines
                    .iter()
                    .find_map(|line| line.get("error"))
                    .map(|error| error.as_str().unwrap_or_default().to_owned());
            }
            Envelope::EventStream => {
                return answer
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|event| event.get("error").is_some())
                    .map(|event| super::error::service_message(&event.to_string()))
            }
        };
        failed.then(|| super::error::service_message(&answer.to_string()))
    }

    /// The data inside an answer, or the service's own reason it failed.
    pub fn open(self, answer: Value) -> Result<Value, String> {
        if let Some(reason) = self.failure(&answer) {
            return Err(reason);
        }
        let mut answer = answer;
        Ok(match self {
            Envelope::Bare => answer,
            Envelope::Data | Envelope::MetaRc | Envelope::StatusData => answer["data"].take(),
            Envelope::SuccessResult => answer["result"].take(),
            Envelope::JsonLines | Envelope::EventStream => match answer {
                Value::Array(_) => answer,
                line => Value::Array(vec![line]),
            },
        })
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
