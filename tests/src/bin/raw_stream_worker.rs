//! The fair raw baseline's consumer for the `task_roundtrip` bench: a
//! separate process that blocks in XREADGROUP on a task stream and answers
//! each entry on a results stream, with the same hops as a MYCA agent but
//! none of its work (no decoding, no handler, no done marker).
//!
//!   raw_stream_worker REDIS_URL TASK_STREAM GROUP RESULTS_STREAM
//!
//! Each answer is one atomic round trip, as the agent's Lua script is: the
//! result (`entry` = the task's entry id, `task` = its payload) is appended
//! to RESULTS_STREAM and the task entry acknowledged. Runs until killed.

use std::process::ExitCode;
use std::time::Duration;

use myca_agents::streams::{read_group, StreamError, TASK_FIELD};
use redis::AsyncConnectionConfig;

/// How long one read blocks before it is issued again.
const BLOCK: Duration = Duration::from_secs(1);
const CONSUMER: &str = "raw-worker";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, task_stream, group, results_stream] = args.as_slice() else {
        eprintln!("usage: raw_stream_worker REDIS_URL TASK_STREAM GROUP RESULTS_STREAM");
        return ExitCode::from(2);
    };
    match answer_forever(url, task_stream, group, results_stream).await {
        Ok(never) => match never {},
        Err(error) => {
            eprintln!("raw_stream_worker: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn answer_forever(
    url: &str,
    task_stream: &str,
    group: &str,
    results_stream: &str,
) -> Result<std::convert::Infallible, StreamError> {
    // A blocking read outlasts any response timeout, so there is none.
    let config = AsyncConnectionConfig::new().set_response_timeout(None);
    let mut connection = redis::Client::open(url)?
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    loop {
        let entries = read_group(
            &mut connection,
            group,
            CONSUMER,
            &[task_stream],
            1,
            Some(BLOCK),
        )
        .await?;
        for (_, entry) in entries {
            let payload = match entry.map.get(TASK_FIELD) {
                Some(redis::Value::BulkString(bytes)) => bytes.as_slice(),
                _ => &[],
            };
            let () = redis::pipe()
                .atomic()
                .cmd("XADD")
                .arg(results_stream)
                .arg("*")
                .arg("entry")
                .arg(&entry.id)
                .arg(TASK_FIELD)
                .arg(payload)
                .ignore()
                .cmd("XACK")
                .arg(task_stream)
                .arg(group)
                .arg(&entry.id)
                .ignore()
                .query_async(&mut connection)
                .await?;
        }
    }
}
