//! An agent container's output: stdout and stderr apart, with timestamps.

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use bollard::Docker;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use myca_agents::protocol::names::container_name;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LogLine {
    pub stream: LogStream,
    pub timestamp: Option<DateTime<Utc>>,
    pub text: String,
}

/// Which lines: the last `tail` (all when `None`), only those after
/// `since`, and whether to keep following new output.
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub follow: bool,
    pub tail: Option<usize>,
    pub since: Option<DateTime<Utc>>,
}

pub fn logs(
    docker: &Docker,
    agent_id: &str,
    query: &LogQuery,
) -> impl Stream<Item = Result<LogLine, bollard::errors::Error>> + use<> {
    let options = LogsOptions {
        follow: query.follow,
        stdout: true,
        stderr: true,
        timestamps: true,
        since: query
            .since
            .map(|t| i32::try_from(t.timestamp()).unwrap_or(i32::MAX))
            .unwrap_or(0),
        tail: query
            .tail
            .map(|n| n.to_string())
            .unwrap_or_else(|| "all".to_owned()),
        ..Default::default()
    };
    docker
        .logs(&container_name(agent_id), Some(options))
        .filter_map(|chunk| async move {
            match chunk {
                Ok(LogOutput::StdOut { message }) => Some(Ok(parse(LogStream::Stdout, &message))),
                Ok(LogOutput::StdErr { message }) => Some(Ok(parse(LogStream::Stderr, &message))),
                Ok(_) => None,
                Err(error) => Some(Err(error)),
            }
        })
}

/// Docker prefixes each line with an RFC 3339 timestamp and a space.
fn parse(stream: LogStream, raw: &[u8]) -> LogLine {
    let text = String::from_utf8_lossy(raw);
    let text = text.trim_end_matches('\n');
    let (timestamp, rest) = match text.split_once(' ') {
        Some((stamp, rest)) => match DateTime::parse_from_rfc3339(stamp) {
            Ok(time) => (Some(time.with_timezone(&Utc)), rest),
            Err(_) => (None, text),
        },
        None => (None, text),
    };
    LogLine {
        stream,
        timestamp,
        text: rest.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_docker_timestamps_from_the_text() {
        let line = parse(
            LogStream::Stderr,
            b"2026-11-24T21:05:09.123456789Z {\"msg\":\"hi there\"}\n",
        );
        assert_eq!(line.text, "{\"msg\":\"hi there\"}");
        assert_eq!(line.timestamp.unwrap().timestamp(), 1_795_554_309);
        assert_eq!(line.stream, LogStream::Stderr);
        assert_eq!(parse(LogStream::Stdout, b"no stamp").timestamp, None);
    }
}
