//! What an agent consumed from the services it calls (an LLM's input and
//! output tokens), counted per name for the agent's whole life and
//! reported in its state (`get_status`, `/status`, snapshots) and `/metrics`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Counters handlers add to; clones share them.
#[derive(Debug, Clone, Default)]
pub struct Usage(Arc<Mutex<BTreeMap<String, u64>>>);

impl Usage {
    pub fn add(&self, name: &str, amount: u64) {
        let mut counters = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let counter = counters.entry(name.to_owned()).or_default();
        *counter = counter.saturating_add(amount);
    }

    /// Every counter's value now.
    pub fn totals(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_add_to_the_same_counters() {
        let usage = Usage::default();
        let handler = usage.clone();
        handler.add("input_tokens", 12);
        handler.add("input_tokens", 3);
        usage.add("output_tokens", 7);
        assert_eq!(
            usage.totals(),
            BTreeMap::from([("input_tokens".into(), 15), ("output_tokens".into(), 7)])
        );
    }
}
