//! Asking the orchestrator over the broker: the request goes on a stream,
//! the answer comes back on a list of its own (BLPOP), within a time limit.

use std::time::Duration;

use redis::AsyncConnectionConfig;

/// Sends `request` (JSON text) as `field` on `stream` and waits up to
/// `within` for the answer pushed to `reply_key`; `None` when none came.
pub(crate) async fn request_reply(
    client: &redis::Client,
    stream: &str,
    field: &str,
    request: &str,
    reply_key: &str,
    within: Duration,
) -> Result<Option<String>, redis::RedisError> {
    // The reply wait outlasts a shared connection's response timeout.
    let config = AsyncConnectionConfig::new()
        .set_response_timeout(None)
        .set_connection_timeout(Some(within));
    let mut connection = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    redis::cmd("XADD")
        .arg(stream)
        .arg("*")
        .arg(field)
        .arg(request)
        .query_async::<String>(&mut connection)
        .await?;
    let reply: Option<(String, String)> = redis::cmd("BLPOP")
        .arg(reply_key)
        .arg(within.as_secs_f64())
        .query_async(&mut connection)
        .await?;
    Ok(reply.map(|(_, raw)| raw))
}
