//! Task handlers, chosen by AGENT_TYPE from the kind's declaration in
//! [`crate::kinds`]: a task type runs only if its kind declares it, and only
//! with a payload that matches the declared schema.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::artifacts::Artifacts;
use super::assessment::Assessor;
use super::credentials::Credentials;
use super::memory::Memory;
use super::peers::Peers;
use super::usage::Usage;
use crate::kinds::{self, schema, KindSpec};
use crate::protocol::{AgentState, AgentTask};

/// What a handler sees: the task, the agent it runs in, its settings, its
/// memory, its credentials, the usage counters it adds to and where it
/// leaves the files it produces.
pub struct TaskContext {
    pub task: AgentTask,
    pub agent: AgentState,
    pub capabilities: Vec<String>,
    /// The agent's settings, as its kind declares them (defaults filled in).
    pub settings: Map<String, Value>,
    pub memory: Memory,
    pub credentials: Credentials,
    pub usage: Usage,
    /// Files for the orchestrator to keep with the task (completed tasks only).
    pub artifacts: Artifacts,
    /// Requests to other agents (an assessment from an LLM agent…).
    pub peers: Peers,
}

/// A handler's answer: the task's result, or why it failed.
pub type HandlerResult = Result<Value, String>;
pub type HandlerFuture = Pin<Box<dyn Future<Output = HandlerResult> + Send>>;
pub type Handler = Arc<dyn Fn(TaskContext) -> HandlerFuture + Send + Sync>;

/// Every agent kind this runtime runs.
pub fn known_kinds() -> Vec<&'static str> {
    kinds::catalog().iter().map(|kind| kind.kind).collect()
}

/// Whether this runtime runs `agent_type` (a kind's id or alias): the one
/// check a spawn, a gap fill and the runtime itself make, so none starts a
/// kind that cannot run.
pub fn ensure_known_kind(agent_type: &str) -> Result<(), UnknownAgentType> {
    kinds::find(agent_type)
        .map(drop)
        .ok_or_else(|| UnknownAgentType::new(agent_type))
}

/// The agent kinds that run tasks of `task_type`.
pub fn kinds_running(task_type: &str) -> Vec<&'static str> {
    kinds::catalog()
        .iter()
        .filter(|kind| kind.task_type(task_type).is_some())
        .map(|kind| kind.kind)
        .collect()
}

/// Every task type some kind runs: what a task may name as its capability.
pub fn all_capabilities() -> Vec<String> {
    let every: std::collections::BTreeSet<&str> = kinds::catalog()
        .iter()
        .flat_map(|kind| kind.task_types.iter().map(|t| t.name))
        .collect();
    every.into_iter().map(str::to_owned).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agent type {agent_type:?}: this runtime runs {known:?}")]
pub struct UnknownAgentType {
    pub agent_type: String,
    pub known: Vec<&'static str>,
}

impl UnknownAgentType {
    pub fn new(agent_type: &str) -> Self {
        Self {
            agent_type: agent_type.to_owned(),
            known: known_kinds(),
        }
    }
}

/// The handlers of one kind.
pub struct Registry {
    kind: &'static KindSpec,
}

impl Registry {
    pub fn for_agent_type(agent_type: &str) -> Result<Self, UnknownAgentType> {
        kinds::find(agent_type)
            .map(|kind| Self { kind })
            .ok_or_else(|| UnknownAgentType::new(agent_type))
    }

    pub fn kind(&self) -> &'static KindSpec {
        self.kind
    }

    /// The handler of `task_type`, which first checks the payload against
    /// the declared schema and fails the task with each field's problem;
    /// a decision it takes is assessed when the settings name an assessor.
    pub fn handler(&self, task_type: &str) -> Option<Handler> {
        let spec = self.kind.task_type(task_type)?;
        let (schema, run) = (&spec.payload_schema, spec.run);
        Some(Arc::new(move |context: TaskContext| {
            let errors = schema::validate(schema, &context.task.payload, "payload");
            if errors.is_empty() {
                let Some(assessor) = Assessor::of(&context.settings, &context.peers) else {
                    return run(context);
                };
                let task_type = context.task.task_type.clone();
                let decided = run(context);
                return Box::pin(
                    async move { Ok(assessor.advise(&task_type, decided.await?).await) },
                );
            }
            let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
            let message = format!("invalid payload: {}", problems.join("; "));
            Box::pin(async move { Err(message) })
        }))
    }

    /// The task types this agent accepts.
    pub fn capabilities(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .kind
            .task_types
            .iter()
            .map(|t| t.name.to_owned())
            .collect();
        names.sort();
        names
    }
}
