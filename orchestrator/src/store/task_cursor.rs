//! Where a newest-first page of tasks continues. Tasks are keyed by their
//! UUID, so the key is (created_at, id): a page never repeats or skips a
//! task when tasks arrive between two requests.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The cursor's text: nanoseconds since the epoch, `~`, the task's id.
pub const TASK_CURSOR_PATTERN: &str =
    "^[0-9]{1,19}~[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl TaskCursor {
    pub fn encode(&self) -> String {
        let nanos = self.created_at.timestamp_nanos_opt().unwrap_or_default();
        format!("{nanos}~{}", self.id.hyphenated())
    }

    /// `None` for text this API did not give out.
    pub fn decode(text: &str) -> Option<Self> {
        let (nanos, id) = text.split_once('~')?;
        if nanos.is_empty() || !nanos.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id = Uuid::try_parse(id)
            .ok()
            .filter(|id| id.hyphenated().to_string() == text[nanos.len() + 1..])?;
        Some(Self {
            created_at: DateTime::from_timestamp_nanos(nanos.parse().ok()?),
            id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_to_the_nanosecond() {
        let cursor = TaskCursor {
            created_at: DateTime::from_timestamp_nanos(1_764_082_800_123_456_789),
            id: Uuid::new_v4(),
        };
        assert_eq!(TaskCursor::decode(&cursor.encode()), Some(cursor));
        for bad in [
            "",
            "12",
            "~",
            "x~y",
            &format!("-1~{}", cursor.id),
            &format!("1~{}", cursor.id.simple()),
        ] {
            assert_eq!(TaskCursor::decode(bad), None, "{bad}");
        }
    }
}
