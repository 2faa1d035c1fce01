//! Which rows an event becomes, with every secret masked.

use myca_agents::protocol::{AgentMessage, AgentMetrics, AgentStatus, AgentTask, TaskStatus};
use serde_json::Value;

use crate::events::{ContainerChange, Event};
use crate::scrub::Scrubber;
use crate::store::AgentAction;

/// Summaries keep the start of large payloads: enough to debug, bounded in size.
const SUMMARY_CHARS: usize = 500;

/// Rows waiting to be written, by table.
#[derive(Default)]
pub(super) struct Rows {
    pub actions: Vec<AgentAction>,
    pub metrics: Vec<AgentMetrics>,
    pub messages: Vec<AgentMessage>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.actions.len() + self.metrics.len() + self.messages.len()
    }

    /// One `Rows` per row, to find the one the database rejects.
    pub fn into_singles(self) -> Vec<Rows> {
        let actions = self.actions.into_iter().map(|a| Rows {
            actions: vec![a],
            ..Rows::default()
        });
        let metrics = self.metrics.into_iter().map(|m| Rows {
            metrics: vec![m],
            ..Rows::default()
        });
        let messages = self.messages.into_iter().map(|m| Rows {
            messages: vec![m],
            ..Rows::default()
        });
        actions.chain(metrics).chain(messages).collect()
    }

    pub fn add(&mut self, event: Event, scrubber: &Scrubber) {
        match event {
            Event::Action { action } => self.actions.push(scrub_action(action, scrubber)),
            Event::TaskFinished { task } => self.actions.push(task_action(&task, scrubber)),
            Event::Container {
                agent_id,
                change,
                at,
                ..
            } => {
                let mut action = AgentAction::new(agent_id, container_action(&change), true);
                action.timestamp = at;
                if let ContainerChange::Died { exit_code } = change {
                    action.success = exit_code == Some(0);
                    action.output_summary = exit_code.map(|code| format!("exit code {code}"));
                }
                if change == ContainerChange::OutOfMemory {
                    action.success = false;
                }
                self.actions.push(action);
            }
            Event::Metrics {
                agent_id,
                cpu_percent,
                memory_mb,
                tasks,
                at,
            } => self.metrics.push(AgentMetrics {
                agent_id,
                timestamp: at,
                cpu_percent,
                memory_mb,
                tasks_completed: tasks.map_or(0, |t| t.completed),
                tasks_failed: tasks.map_or(0, |t| t.failed),
                avg_task_duration_ms: 0.0,
                messages_sent: 0,
                messages_received: 0,
                uptime_seconds: 0,
                error_count: 0,
            }),
            Event::Health {
                agent_id,
                to,
                heartbeat_overdue,
                queue_lag,
                at,
                ..
            } => {
                let healthy = !matches!(to, AgentStatus::Error | AgentStatus::Dead);
                let mut action = AgentAction::new(agent_id, format!("health:{to}"), healthy);
                action.timestamp = at;
                action.output_summary = Some(format!(
                    "heartbeat {}, queue lag {queue_lag}",
                    if heartbeat_overdue {
                        "overdue"
                    } else {
                        "on time"
                    }
                ));
                self.actions.push(action);
            }
            Event::Message { mut message } => {
                message.payload = scrubber.value(&message.payload);
                self.messages.push(message);
            }
        }
    }
}

fn container_action(change: &ContainerChange) -> String {
    let name = match change {
        ContainerChange::Started => "started",
        ContainerChange::Died { .. } => "died",
        ContainerChange::OutOfMemory => "out_of_memory",
        ContainerChange::Health { status } => return format!("container:health:{status}"),
        ContainerChange::Destroyed => "destroyed",
    };
    format!("container:{name}")
}

fn summary(value: &Value, scrubber: &Scrubber) -> String {
    let text = scrubber.value(value).to_string();
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn task_action(task: &AgentTask, scrubber: &Scrubber) -> AgentAction {
    let mut action = AgentAction::new(
        &task.agent_id,
        format!("task:{}", task.task_type),
        task.status == TaskStatus::Completed,
    );
    action.timestamp = task.completed_at.unwrap_or(action.timestamp);
    action.input_summary = Some(summary(&task.payload, scrubber));
    action.output_summary = match (&task.result, &task.error) {
        (_, Some(error)) => Some(scrubber.text(error)),
        (Some(result), None) => Some(summary(result, scrubber)),
        (None, None) => Some(task.status.as_str().to_owned()),
    };
    action.duration_ms = task
        .started_at
        .zip(task.completed_at)
        .map(|(start, end)| i32::try_from((end - start).num_milliseconds()).unwrap_or(i32::MAX));
    action.resources_used = Some(serde_json::json!({ "task_id": task.id, "status": task.status }));
    action
}

fn scrub_action(mut action: AgentAction, scrubber: &Scrubber) -> AgentAction {
    action.input_summary = action.input_summary.map(|s| scrubber.text(&s));
    action.output_summary = action.output_summary.map(|s| scrubber.text(&s));
    action.resources_used = action.resources_used.map(|v| scrubber.value(&v));
    action
}
