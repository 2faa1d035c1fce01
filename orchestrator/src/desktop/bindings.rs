//! The window's TypeScript types: every type a command answers with is
//! written to ui/src/bindings by ts-rs when the tests run (with what it
//! depends on); CI fails when the committed files differ.

#[cfg(test)]
mod tests {
    use myca_agents::kinds::KindSpec;
    use myca_agents::protocol::AgentMetrics;
    use ts_rs::TS;

    use super::super::SavedArtifact;
    use crate::gaps::{Filled, Gap};
    use crate::pool::LogLine;
    use crate::snapshots::Restored;
    use crate::store::{Approval, ApprovalStatus, AuditEntry, Paged, SnapshotSummary};
    use crate::topology::Topology;

    #[test]
    fn the_window_types_are_exported() {
        let exports = [
            AgentMetrics::export_all(),
            KindSpec::export_all(),
            LogLine::export_all(),
            SavedArtifact::export_all(),
            Topology::export_all(),
            Gap::export_all(),
            Filled::export_all(),
            Approval::export_all(),
            ApprovalStatus::export_all(),
            AuditEntry::export_all(),
            Restored::export_all(),
            Paged::<SnapshotSummary>::export_all(),
        ];
        for export in exports {
            export.expect("ts-rs writes the binding");
        }
    }
}
