//! A failed call as a task error a person can act on: which service, what
//! it said (its own error text, from whichever field its API puts it in),
//! and what to check — with every credential redacted.

use std::time::Duration;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    #[error("{service}: the address is not usable: {reason}")]
    Address { service: String, reason: String },
    #[error("{service}: rejected the credentials (401): {message}; check the credential")]
    Unauthorized { service: String, message: String },
    #[error("{service}: the credentials lack permission (403): {message}")]
    Forbidden { service: String, message: String },
    #[error("{service}: not found (404): {message}")]
    NotFound { service: String, message: String },
    /// 429, or GitHub's 403 with `x-ratelimit-remaining: 0`.
    #[error("{service}: rate limited ({status}){}: {message}", retry_hint(.retry_after))]
    RateLimited {
        service: String,
        status: u16,
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("{service}: refused the request ({status}): {message}")]
    Rejected {
        service: String,
        status: u16,
        message: String,
    },
    #[error("{service}: failed on its side ({status}): {message}")]
    ServerError {
        service: String,
        status: u16,
        message: String,
    },
    #[error("{service}: answered with an error: {message}")]
    Failed { service: String, message: String },
    #[error("{service}: no answer within {after:?}")]
    Timeout { service: String, after: Duration },
    #[error("{service}: unreachable: {reason}")]
    Unreachable { service: String, reason: String },
    #[error("{service}: the answer is not what its API documents: {reason}")]
    BadAnswer { service: String, reason: String },
}

fn retry_hint(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|after| format!(", retry after {}s", after.as_secs()))
        .unwrap_or_default()
}

impl ServiceError {
    /// Whether trying the same idempotent call again may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ServiceError::RateLimited { .. }
            | ServiceError::Timeout { .. }
            | ServiceError::Unreachable { .. } => true,
            ServiceError::ServerError { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }
}

/// Where APIs put their error text: Cloudflare `errors[].message`, GitHub
/// and most `message`, Prometheus `error`, UniFi `meta.msg`, Proxmox
/// `errors` (a field → problem object) and `message`, the orchestrator
/// `detail`, ElevenLabs `detail.message` (or FastAPI's `detail[].msg`),
/// Supabase Auth `msg` (older: `error_description`), QuickBooks Online
/// `Fault.Error[]` (`fault.error[]` on a refused token).
pub fn service_message(body: &str) -> String {
    let Ok(json) = serde_json::from_str::<Value>(body) else {
        return shorten(body.trim());
    };
    let text = |pointer: &str| {
        json.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let found = text("/errors/0/message")
        .or_else(|| text("/message"))
        // Before `error`, which some APIs (ours) fill with the status' name.
        .or_else(|| text("/detail"))
        .or_else(|| text("/detail/message"))
        .or_else(|| fastapi_detail(&json))
        .or_else(|| text("/msg"))
        .or_else(|| text("/error_description"))
        .or_else(|| text("/error/message"))
        .or_else(|| text("/error"))
        .or_else(|| text("/meta/msg"))
        .or_else(|| intuit_fault(&json));
    let fields = json.get("errors").and_then(Value::as_object).map(|fields| {
        fields
            .iter()
            .map(|(field, problem)| {
                format!("{field}: {}", problem.as_str().unwrap_or_default().trim())
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    match (found, fields) {
        (Some(message), Some(fields)) => shorten(&format!("{} ({fields})", message.trim())),
        (Some(message), None) => shorten(message.trim()),
        (None, Some(fields)) => shorten(&fields),
        // JSON without a message (Proxmox's `{"data": null}`): the status says it.
        (None, None) => String::new(),
    }
}

/// QuickBooks Online's fault: `{"Fault": {"Error": [{"Message", "Detail",
/// "code"}], "type"}}`, lower-cased (`fault.error[]`) on a refused token.
fn intuit_fault(json: &Value) -> Option<String> {
    let error = json
        .pointer("/Fault/Error/0")
        .or_else(|| json.pointer("/fault/error/0"))?;
    let field = |upper: &str, lower: &str| {
        error
            .get(upper)
            .or_else(|| error.get(lower))
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
    };
    let message = field("Message", "message")?;
    Some(match field("Detail", "detail") {
        Some(detail) if detail != message => format!("{message}: {detail}"),
        _ => message.to_owned(),
    })
}

/// FastAPI's validation failures: `{"detail": [{"loc": [..], "msg"}]}`.
fn fastapi_detail(json: &Value) -> Option<String> {
    let problems: Vec<String> = json
        .get("detail")?
        .as_array()?
        .iter()
        .filter_map(|problem| {
            let message = problem.get("msg")?.as_str()?;
            let at: Vec<String> = problem
                .get("loc")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|part| part.as_str().map_or(part.to_string(), str::to_owned))
                .collect();
            Some(format!("{}: {message}", at.join(".")))
        })
        .collect();
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn shorten(text: &str) -> String {
    const LIMIT: usize = 400;
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let cut: String = text.chars().take(LIMIT).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_api_style_yields_its_own_message() {
        let cases = [
            (
                r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"result":null}"#,
                "Invalid access token",
            ),
            (
                r#"{"message":"Bad credentials","documentation_url":"x"}"#,
                "Bad credentials",
            ),
            (
                r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#,
                "parse error at char 4",
            ),
            (
                r#"{"meta":{"rc":"error","msg":"api.err.LoginRequired"},"data":[]}"#,
                "api.err.LoginRequired",
            ),
            (
                r#"{"errors":{"vmid":"invalid format - value does not look like a valid VM ID\n"},"data":null}"#,
                "vmid: invalid format - value does not look like a valid VM ID",
            ),
            ("plain text failure\n", "plain text failure"),
            (r#"{"data":null}"#, ""),
            (
                r#"{"error":"Unauthorized","detail":"missing or wrong API key"}"#,
                "missing or wrong API key",
            ),
            (
                r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#,
                "Invalid API key",
            ),
            (
                r#"{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}"#,
                "body.text: field required",
            ),
            (
                r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
                "Invalid login credentials",
            ),
            (
                r#"{"error":"invalid_grant","error_description":"Invalid login credentials"}"#,
                "Invalid login credentials",
            ),
            (
                r#"{"Fault":{"Error":[{"Message":"Error parsing query","Detail":"QueryParserError: Encountered x","code":"4000"}],"type":"ValidationFault"},"time":"t"}"#,
                "Error parsing query: QueryParserError: Encountered x",
            ),
            (
                r#"{"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":null,"code":"3200"}],"type":"AUTHENTICATION"}}"#,
                "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(service_message(body), expected);
        }
        assert!(service_message(&"x".repeat(1000)).ends_with('…'));
    }

    #[test]
    fn errors_say_what_to_do_and_which_are_transient() {
        let limited = ServiceError::RateLimited {
            service: "cloudflare".into(),
            status: 429,
            retry_after: Some(Duration::from_secs(7)),
            message: "slow down".into(),
        };
        assert_eq!(
            limited.to_string(),
            "cloudflare: rate limited (429), retry after 7s: slow down"
        );
        assert!(limited.is_transient());
        let denied = ServiceError::Unauthorized {
            service: "proxmox".into(),
            message: "no ticket".into(),
        };
        assert!(denied.to_string().contains("check the credential"));
        assert!(!denied.is_transient());
    }
}
