//! Tasks no agent has taken yet: their waiting reason kept current against
//! the live fleet, moved to a live kind when one appears, and failed (then
//! retried or dead-lettered as any failure) once their wait deadline passes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use myca_agents::protocol::TaskStatus;

use super::change::Change;
use super::{LedgerError, Routing, TaskLedger};
use crate::broker::Withdrawal;
use crate::store::{LedgerEntry, Route};

impl TaskLedger {
    /// Looks at every pending or queued task once; returns how many changed.
    pub async fn watch_waiting(&self) -> Result<usize, LedgerError> {
        let fleet = self.live_fleet().await;
        let now = Utc::now();
        let mut changed = 0;
        // Tasks on one route share one decision per look.
        let mut routes: HashMap<Route, Routing> = HashMap::new();
        for entry in self.store.untaken_tasks().await? {
            let routing = match routes.get(&entry.route) {
                Some(routing) => routing.clone(),
                None => match self.routing(&entry.route, &fleet).await {
                    Ok(routing) => routes.entry(entry.route.clone()).or_insert(routing).clone(),
                    Err(LedgerError::Routing(error)) => {
                        tracing::warn!(%error, task_id = %entry.task.id, "task cannot be routed");
                        continue;
                    }
                    Err(error) => return Err(error),
                },
            };
            match self.reconsider(entry, routing, now).await {
                Ok(true) => changed += 1,
                Ok(false) => {}
                // Moved on meanwhile (taken, settled, cancelled), or held by a
                // host that is away: next look.
                Err(error) if error.is_contended() => {}
                Err(LedgerError::BrokerAway(_) | LedgerError::NoHostUp) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(changed)
    }

    async fn reconsider(
        &self,
        entry: LedgerEntry,
        routing: Routing,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        if let Some(reason) = &routing.waiting {
            if entry.wait_deadline.is_some_and(|deadline| deadline <= now) {
                return self.expire(entry, reason.clone(), now).await;
            }
        }
        if entry.task.status == TaskStatus::Pending {
            // Redis (or every host) was away when it was submitted.
            if routing.broker.is_none() {
                return Ok(false);
            }
            let mut change = Change::of(entry);
            change.wait_for(routing.waiting.clone(), now);
            self.place(change.entry, &routing).await?;
            return Ok(true);
        }
        if routing.waiting.is_none() && !self.still_served(&entry, &routing).await {
            return self.reroute(entry, routing, now).await;
        }
        if entry.waiting_reason == routing.waiting {
            return Ok(false);
        }
        let mut change = Change::of(entry);
        change.wait_for(routing.waiting, now);
        change.save(&self.store).await?;
        Ok(true)
    }

    /// Whether the entry sits where a live agent reads it: on the chosen
    /// stream, or on another broker whose live agents can take it (type
    /// tasks are not moved between live brokers; balancing is for new ones).
    async fn still_served(&self, entry: &LedgerEntry, routing: &Routing) -> bool {
        let target = routing.placement.stream(entry.task.priority);
        let same_stream = entry.stream.as_deref() == Some(target.as_str());
        if same_stream && entry.broker == routing.broker {
            return true;
        }
        let fleet = self.live_fleet().await;
        match (&entry.broker, same_stream) {
            (Some(broker), true) => fleet.serves(broker, &routing.placement),
            _ => false,
        }
    }

    /// Fails the attempt of a task nobody took in time, with the reason as
    /// its error — unless an agent took it at the last moment.
    async fn expire(
        &self,
        entry: LedgerEntry,
        reason: String,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        if let (Some(stream), Some(entry_id)) = (&entry.stream, &entry.entry_id) {
            let broker = self.broker_of(&entry)?;
            match broker.withdraw(stream, entry_id).await? {
                Withdrawal::Withdrawn => {}
                Withdrawal::Held(agent_id) => {
                    self.taken(entry, agent_id).await?;
                    return Ok(true);
                }
                // Recorded by an agent: its result settles the task.
                Withdrawal::Gone if broker.is_done(&entry.task.id).await? => return Ok(false),
                Withdrawal::Gone => {}
            }
        }
        let mut change = Change::of(entry);
        change.fail(TaskStatus::Failed, reason.clone(), now)?;
        let failed = change.save(&self.store).await?;
        tracing::info!(
            task_id = %failed.task.id,
            %reason,
            status = %failed.task.status,
            retries = failed.task.retries,
            "nobody took the task before its wait deadline"
        );
        Ok(true)
    }

    /// Moves a capability task queued for a kind with no live agent to the
    /// kind that has one now.
    async fn reroute(
        &self,
        entry: LedgerEntry,
        routing: Routing,
        now: DateTime<Utc>,
    ) -> Result<bool, LedgerError> {
        let (Some(stream), Some(entry_id)) = (&entry.stream, &entry.entry_id) else {
            return Ok(false);
        };
        match self.broker_of(&entry)?.withdraw(stream, entry_id).await? {
            Withdrawal::Withdrawn => {
                let mut change = Change::of(entry);
                change.wait_for(None, now);
                self.place(change.entry, &routing).await?;
                Ok(true)
            }
            Withdrawal::Held(agent_id) => {
                self.taken(entry, agent_id).await?;
                Ok(true)
            }
            Withdrawal::Gone => Ok(false),
        }
    }
}
