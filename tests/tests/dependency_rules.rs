//! DESIGN.md's layering, enforced from `cargo metadata`: the agent crate runs
//! in every container and must stay free of Docker, SQL and GUI code; the
//! orchestrator must stay usable without a window.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// The platform these tests run on, as rustc names it (`host: …` of `rustc -vV`).
fn host_target() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc -vV names its host")
        .to_owned()
}

fn metadata() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        // Only this platform's graph: the crates of every other platform
        // (android_*, windows_*) need not be in the local registry, and the
        // layering rules are about what ships here.
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--filter-platform",
            &host_target(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

/// Names of every package `root` pulls in for building or running (not its
/// tests), transitively.
fn runtime_closure(metadata: &Value, root: &str) -> BTreeSet<String> {
    let packages: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve graph")
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let root_id = packages
        .iter()
        .find(|(_, name)| **name == root)
        .map(|(id, _)| *id)
        .unwrap_or_else(|| panic!("{root} is not in the workspace"));
    let mut seen = BTreeSet::new();
    let mut stack = vec![root_id];
    while let Some(id) = stack.pop() {
        for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
            let not_dev_only = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|kind| kind["kind"].as_str() != Some("dev"));
            let dep_id = dep["pkg"].as_str().unwrap();
            if not_dev_only && seen.insert(packages[dep_id].to_owned()) {
                stack.push(dep_id);
            }
        }
    }
    seen
}

fn assert_free_of(metadata: &Value, krate: &str, forbidden_prefixes: &[&str]) {
    let closure = runtime_closure(metadata, krate);
    assert!(
        !closure.is_empty(),
        "{krate} resolved to no dependencies at all"
    );
    let offenders: Vec<_> = closure
        .iter()
        .filter(|name| {
            forbidden_prefixes
                .iter()
                .any(|prefix| name.starts_with(prefix))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "{krate} must not depend on {forbidden_prefixes:?}, but pulls in {offenders:?}"
    );
}

#[test]
fn agents_crate_has_no_docker_sql_or_tauri() {
    assert_free_of(&metadata(), "myca-agents", &["bollard", "sqlx", "tauri"]);
}

#[test]
fn orchestrator_has_no_tauri() {
    let metadata = metadata();
    assert_free_of(&metadata, "myca-orchestrator", &["tauri"]);
    // The check above is only meaningful if the walk sees real edges.
    assert!(runtime_closure(&metadata, "myca-orchestrator").contains("bollard"));
}
