use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ProtocolError;

/// Task and message priority, carried as the seed's numbers 10/8/5/3/1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "10 | 8 | 5 | 3 | 1"))]
pub enum TaskPriority {
    Background = 1,
    Low = 3,
    #[default]
    Normal = 5,
    High = 8,
    Critical = 10,
}

impl TaskPriority {
    pub const ALL: [TaskPriority; 5] = [
        TaskPriority::Critical,
        TaskPriority::High,
        TaskPriority::Normal,
        TaskPriority::Low,
        TaskPriority::Background,
    ];

    pub fn value(self) -> u8 {
        self as u8
    }
}

impl TryFrom<i64> for TaskPriority {
    type Error = ProtocolError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|priority| i64::from(priority.value()) == value)
            .ok_or(ProtocolError::InvalidPriority(value))
    }
}

impl TryFrom<u8> for TaskPriority {
    type Error = ProtocolError;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::try_from(i64::from(value))
    }
}

impl std::str::FromStr for TaskPriority {
    type Err = ProtocolError;

    /// Accepts the number (`"8"`) or the seed's name (`"high"`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "critical" => Ok(TaskPriority::Critical),
            "high" => Ok(TaskPriority::High),
            "normal" => Ok(TaskPriority::Normal),
            "low" => Ok(TaskPriority::Low),
            "background" => Ok(TaskPriority::Background),
            number => number
                .parse::<i64>()
                .map_err(|_| ProtocolError::UnknownValue {
                    kind: "task priority",
                    value: text.to_owned(),
                    expected: &[
                        "10",
                        "8",
                        "5",
                        "3",
                        "1",
                        "critical",
                        "high",
                        "normal",
                        "low",
                        "background",
                    ],
                })
                .and_then(TaskPriority::try_from),
        }
    }
}

impl Serialize for TaskPriority {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.value())
    }
}

impl<'de> Deserialize<'de> for TaskPriority {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let number: i64 = super::integral::exact(deserializer)?;
        TaskPriority::try_from(number).map_err(serde::de::Error::custom)
    }
}
