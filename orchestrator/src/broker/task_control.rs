//! What the ledger asks Redis about tasks it has not seen finish: which
//! agents listen on this broker, how long a type's queue is, taking back an
//! entry nobody has read, and marking a task cancelled.

use myca_agents::protocol::names::{
    agent_task_stream, task_cancelled_key, type_task_stream, AGENTS_GROUP,
};
use myca_agents::protocol::TaskPriority;
use uuid::Uuid;

use super::{Broker, BrokerError};

/// Cancel markers outlive any redelivery of the task (as done markers do).
const CANCEL_MARKER_TTL_SECONDS: u64 = 7 * 24 * 3600;

/// The agents (ARGV[2..]) that read their own streams (KEYS, in the same
/// order) in group ARGV[1] on this server. Heartbeats cross databases and
/// servers share channels; a consumer in this database does not.
const LISTENING_SCRIPT: &str = r"
local listening = {}
for i, key in ipairs(KEYS) do
  local agent = ARGV[i + 1]
  if redis.call('EXISTS', key) == 1 then
    local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', key, ARGV[1])
    if ok then
      for _, consumer in ipairs(consumers) do
        if consumer[2] == agent then
          table.insert(listening, agent)
        end
      end
    end
  end
end
return listening
";

/// Deletes an entry only while no consumer has read it, in one step, so an
/// agent cannot take it in between. Answers `withdrawn`, `held <consumer>`
/// or `gone` (acknowledged and trimmed, or lost with a Redis restart).
const WITHDRAW_SCRIPT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'gone'}
end
local ok, held = pcall(redis.call, 'XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if ok and #held > 0 then
  return {'held', held[1][2]}
end
if redis.call('XDEL', KEYS[1], ARGV[2]) == 1 then
  return {'withdrawn'}
end
return {'gone'}
";

/// What became of a queued entry the ledger tried to take back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withdrawal {
    /// Nobody had read it; it is deleted and no agent will run it.
    Withdrawn,
    /// This agent has read it and not acknowledged it: it runs there.
    Held(String),
    /// Not in the stream any more.
    Gone,
}

impl Broker {
    /// Which of `agent_ids` read their task streams on this broker.
    pub async fn listening(&self, agent_ids: &[String]) -> Result<Vec<String>, BrokerError> {
        if agent_ids.is_empty() {
            return Ok(Vec::new());
        }
        let script = redis::Script::new(LISTENING_SCRIPT);
        let mut invocation = script.prepare_invoke();
        invocation.arg(AGENTS_GROUP);
        for agent_id in agent_ids {
            // An agent's first read covers its most urgent streams first.
            invocation
                .key(agent_task_stream(agent_id, TaskPriority::Critical))
                .arg(agent_id);
        }
        Ok(invocation.invoke_async(&mut self.connection()).await?)
    }

    /// Entries on a type's shared streams not yet completed (waiting plus
    /// read and unacknowledged).
    pub async fn type_queue_lag(&self, agent_type: &str) -> Result<u64, BrokerError> {
        self.streams_lag(
            TaskPriority::ALL
                .into_iter()
                .map(|p| type_task_stream(agent_type, p)),
        )
        .await
    }

    /// Sums the `mas-agents` group's `pending` and `lag` over `streams`.
    pub(super) async fn streams_lag(
        &self,
        streams: impl IntoIterator<Item = String>,
    ) -> Result<u64, BrokerError> {
        let mut total = 0;
        for stream in streams {
            let groups: redis::RedisResult<Vec<std::collections::HashMap<String, redis::Value>>> =
                redis::cmd("XINFO")
                    .arg("GROUPS")
                    .arg(&stream)
                    .query_async(&mut self.connection())
                    .await;
            // No stream yet: nothing queued.
            let Ok(groups) = groups else { continue };
            for group in groups.iter().filter(|g| {
                matches!(g.get("name"), Some(redis::Value::BulkString(name)) if name == AGENTS_GROUP.as_bytes())
            }) {
                for field in ["pending", "lag"] {
                    if let Some(redis::Value::Int(n)) = group.get(field) {
                        total += u64::try_from(*n).unwrap_or(0);
                    }
                }
            }
        }
        Ok(total)
    }

    /// Takes an entry back from its stream unless an agent has read it.
    pub async fn withdraw(&self, stream: &str, entry_id: &str) -> Result<Withdrawal, BrokerError> {
        let answer: Vec<String> = redis::Script::new(WITHDRAW_SCRIPT)
            .key(stream)
            .arg(AGENTS_GROUP)
            .arg(entry_id)
            .invoke_async(&mut self.connection())
            .await?;
        Ok(match answer.as_slice() {
            [withdrawn] if withdrawn == "withdrawn" => Withdrawal::Withdrawn,
            [held, consumer] if held == "held" => Withdrawal::Held(consumer.clone()),
            _ => Withdrawal::Gone,
        })
    }

    /// Marks a task cancelled: an agent holding it or reading it later drops it.
    pub async fn mark_cancelled(&self, task_id: &Uuid) -> Result<(), BrokerError> {
        redis::cmd("SET")
            .arg(task_cancelled_key(task_id))
            .arg(1)
            .arg("EX")
            .arg(CANCEL_MARKER_TTL_SECONDS)
            .query_async::<()>(&mut self.connection())
            .await?;
        Ok(())
    }
}
