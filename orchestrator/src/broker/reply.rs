//! The one reply to an agent's request: pushed onto the list the agent
//! waits on, lapsing if nobody collects it.

/// Replies nobody collected (the agent gave up) lapse after this long.
pub const REPLY_TTL_SECONDS: u64 = 30;

pub async fn push_reply(client: &redis::Client, key: &str, json: String) -> redis::RedisResult<()> {
    let mut connection = client.get_multiplexed_async_connection().await?;
    redis::pipe()
        .cmd("LPUSH")
        .arg(key)
        .arg(json)
        .ignore()
        .cmd("EXPIRE")
        .arg(key)
        .arg(REPLY_TTL_SECONDS)
        .ignore()
        .query_async::<()>(&mut connection)
        .await
}
