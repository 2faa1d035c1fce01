use redis::aio::MultiplexedConnection;

use super::types::RedisInfo;

pub(crate) async fn probe_redis(client: &redis::Client) -> Result<RedisInfo, redis::RedisError> {
    let mut connection: MultiplexedConnection = client.get_multiplexed_async_connection().await?;
    let ping: String = redis::cmd("PING").query_async(&mut connection).await?;
    let server: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut connection)
        .await?;
    Ok(RedisInfo {
        version: info_field(&server, "redis_version")
            .unwrap_or("unknown")
            .to_owned(),
        ping,
    })
}

/// Reads `name:value` from the text INFO returns.
fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines().find_map(|line| {
        line.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix(':'))
            .map(str::trim)
    })
}

#[cfg(test)]
mod tests {
    use super::info_field;

    #[test]
    fn reads_fields_from_info_text() {
        let info = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";
        assert_eq!(info_field(info, "redis_version"), Some("7.0.15"));
        assert_eq!(info_field(info, "redis_mode"), Some("standalone"));
        assert_eq!(info_field(info, "redis"), None);
    }
}
