string_enum! {
    /// An agent's lifecycle state.
    AgentStatus("agent status") {
        Spawning = "spawning",
        Active = "active",
        Busy = "busy",
        Idle = "idle",
        Paused = "paused",
        Error = "error",
        Shutdown = "shutdown",
        Dead = "dead",
        Archived = "archived",
        /// Its host cannot be reached: last seen as it was, state unknown.
        Unknown = "unknown",
    }
}

impl AgentStatus {
    /// Whether the agent may take new tasks in this state.
    pub fn accepts_tasks(self) -> bool {
        matches!(
            self,
            AgentStatus::Active | AgentStatus::Busy | AgentStatus::Idle
        )
    }
}
