string_enum! {
    /// The families agents are grouped in (seed categories plus the gap
    /// detector's required ones).
    AgentCategory("agent category") {
        Core = "core",
        Corporate = "corporate",
        Financial = "financial",
        Mycology = "mycology",
        Research = "research",
        Infrastructure = "infrastructure",
        Security = "security",
        Device = "device",
        Data = "data",
        Integration = "integration",
        Communication = "communication",
    }
}
