//! AI kinds (category integration): large language models behind their
//! providers' HTTP APIs, each answer's tokens counted in the agent's usage
//! and each exchange kept in its conversation memory.

pub(super) mod anthropic;
pub(super) mod gemini;
mod llm;
pub(super) mod openai;

#[cfg(test)]
mod tests {
    use crate::kinds::find;
    use crate::protocol::AgentCategory;

    /// The seed's registry ids and its type names for the AI agents all
    /// resolve to real kinds of its integration category, each with a
    /// credential check.
    #[test]
    fn the_seed_s_ai_agents_are_real_integration_kinds() {
        for (id, seed_type, key) in [
            ("openai-agent", "openai", "OPENAI_API_KEY"),
            ("anthropic-agent", "anthropic", "ANTHROPIC_API_KEY"),
            ("gemini-agent", "gemini", "GEMINI_API_KEY"),
            ("grok-agent", "grok", "XAI_API_KEY"),
        ] {
            let kind = find(seed_type).unwrap();
            assert_eq!((kind.kind, kind.category), (id, AgentCategory::Integration));
            assert!(kind.task_type("chat").is_some() && kind.task_type("list_models").is_some());
            assert_eq!(kind.credentials[0].name, key);
            assert_eq!(kind.credentials[0].check, Some("list_models"));
        }
    }
}
