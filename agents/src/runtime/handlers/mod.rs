//! Task handlers, chosen by AGENT_TYPE. Every kind has the common handlers;
//! the catalog of agent kinds adds its own here.

mod common;
mod testing;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use super::credentials::Credentials;
use super::memory::Memory;
use crate::protocol::{AgentState, AgentTask};

/// What a handler sees: the task, the agent it runs in, its memory and its credentials.
pub struct TaskContext {
    pub task: AgentTask,
    pub agent: AgentState,
    pub capabilities: Vec<String>,
    pub memory: Memory,
    pub credentials: Credentials,
}

/// A handler's answer: the task's result, or why it failed.
pub type HandlerResult = Result<Value, String>;
pub type HandlerFuture = Pin<Box<dyn Future<Output = HandlerResult> + Send>>;
pub type Handler = Arc<dyn Fn(TaskContext) -> HandlerFuture + Send + Sync>;

/// Adds a kind's own handlers to a registry.
type AddKind = fn(&mut Registry);

/// Agent kinds this runtime can run, and the task types each adds to the common ones.
const KINDS: &[(&str, AddKind)] = &[
    // The seed's API example spawns a `custom` agent: common handlers only.
    ("custom", |_| {}),
    ("test-agent", testing::register),
];

/// Every agent kind this runtime runs.
pub fn known_kinds() -> Vec<&'static str> {
    KINDS.iter().map(|(kind, _)| *kind).collect()
}

/// Whether this runtime runs `agent_type`: the one check a spawn, a gap
/// fill and the runtime itself make, so none starts a kind that cannot run.
pub fn ensure_known_kind(agent_type: &str) -> Result<(), UnknownAgentType> {
    kind_adder(agent_type).map(drop)
}

fn kind_adder(agent_type: &str) -> Result<AddKind, UnknownAgentType> {
    KINDS
        .iter()
        .find(|(kind, _)| *kind == agent_type)
        .map(|(_, add_kind)| *add_kind)
        .ok_or_else(|| UnknownAgentType {
            agent_type: agent_type.to_owned(),
            known: known_kinds(),
        })
}

/// The agent kinds that run tasks of `task_type`.
pub fn kinds_running(task_type: &str) -> Vec<&'static str> {
    KINDS
        .iter()
        .map(|(kind, _)| *kind)
        .filter(|kind| Registry::for_agent_type(kind).is_ok_and(|r| r.handler(task_type).is_some()))
        .collect()
}

/// Every task type some kind runs: what a task may name as its capability.
pub fn all_capabilities() -> Vec<String> {
    let every: std::collections::BTreeSet<String> = KINDS
        .iter()
        .filter_map(|(kind, _)| Registry::for_agent_type(kind).ok())
        .flat_map(|registry| registry.capabilities())
        .collect();
    every.into_iter().collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown agent type {agent_type:?}: this runtime runs {known:?}")]
pub struct UnknownAgentType {
    pub agent_type: String,
    pub known: Vec<&'static str>,
}

pub struct Registry {
    handlers: BTreeMap<&'static str, Handler>,
}

impl Registry {
    pub fn for_agent_type(agent_type: &str) -> Result<Self, UnknownAgentType> {
        let add_kind = kind_adder(agent_type)?;
        let mut registry = Self {
            handlers: BTreeMap::new(),
        };
        common::register(&mut registry);
        add_kind(&mut registry);
        Ok(registry)
    }

    pub fn add<F, Fut>(&mut self, task_type: &'static str, handler: F)
    where
        F: Fn(TaskContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HandlerResult> + Send + 'static,
    {
        self.handlers.insert(
            task_type,
            Arc::new(move |context| Box::pin(handler(context))),
        );
    }

    pub fn handler(&self, task_type: &str) -> Option<Handler> {
        self.handlers.get(task_type).cloned()
    }

    /// The task types this agent accepts.
    pub fn capabilities(&self) -> Vec<String> {
        self.handlers
            .keys()
            .map(|name| (*name).to_owned())
            .collect()
    }
}
