//! A burst of agent log lines stored in SQL: our path (recorded on the event
//! bus → bounded queue → batched writer, secrets scrubbed) against the raw
//! baseline (the same rows handed straight to one multi-row INSERT per 500),
//! on SQLite and on PostgreSQL, in one run.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   cargo bench -p myca-e2e --bench history_burst [-- N]

use std::time::Instant;

use myca_e2e::stores::{Backend, TestStore};
use myca_orchestrator::events::{Event, EventBus};
use myca_orchestrator::history::{HistorySettings, HistoryWriter};
use myca_orchestrator::scrub::Scrubber;
use myca_orchestrator::AgentAction;

fn lines(agent: &str, n: usize) -> Vec<AgentAction> {
    (0..n)
        .map(|i| {
            let mut action = AgentAction::new(agent, "log", true);
            action.output_summary = Some(format!("line {i}: handled a request in 3 ms"));
            action
        })
        .collect()
}

async fn measure(backend: Backend, n: usize) {
    let test_store = TestStore::migrated(backend).await;
    let store = test_store.store.clone();

    let raw_lines = lines("raw", n);
    let started = Instant::now();
    for chunk in raw_lines.chunks(500) {
        store.insert_actions(chunk).await.expect("raw insert");
    }
    let raw = started.elapsed();

    let settings = HistorySettings::default();
    let (bus, lane) = EventBus::recorded(settings.queue);
    let scrubber = Scrubber::default();
    scrubber.learn("sk-bench-secret-value");
    let writer = HistoryWriter::start(store.clone(), lane, scrubber, settings);
    let ours_lines = lines("ours", n);
    let started = Instant::now();
    for action in ours_lines {
        bus.record(Event::Action { action }).await;
    }
    drop(bus);
    writer.finish().await;
    let ours = started.elapsed();
    assert_eq!(store.count_actions("ours").await.unwrap(), n as i64);

    let rate = |d: std::time::Duration| n as f64 / d.as_secs_f64();
    println!(
        "{backend:?}: {n} lines — raw INSERT {:.0} lines/s ({:.3} s), myca writer {:.0} lines/s ({:.3} s), ratio {:.2}",
        rate(raw),
        raw.as_secs_f64(),
        rate(ours),
        ours.as_secs_f64(),
        rate(ours) / rate(raw)
    );
    test_store.finish().await;
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    measure(Backend::Sqlite, n).await;
    measure(Backend::Postgres, n).await;
}
