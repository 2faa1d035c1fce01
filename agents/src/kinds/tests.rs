use std::collections::BTreeSet;

use serde_json::{json, Map};

use super::schema::unsupported_keywords;
use super::*;
use crate::protocol::{validate_kind, validate_task_type, AgentCategory, AgentConfig};

#[test]
fn names_are_unique_well_formed_and_resolve() {
    let mut seen = BTreeSet::new();
    for kind in catalog() {
        for name in std::iter::once(&kind.kind).chain(&kind.aliases) {
            validate_kind("kind", name).unwrap();
            assert!(seen.insert(*name), "{name} names two kinds");
            assert_eq!(find(name).map(|k| k.kind), Some(kind.kind));
        }
        let mut task_types = BTreeSet::new();
        for task in &kind.task_types {
            validate_task_type("task_type", task.name).unwrap();
            assert!(
                task_types.insert(task.name),
                "{}: {} twice",
                kind.kind,
                task.name
            );
        }
        for common in ["health_check", "get_status", "get_capabilities"] {
            assert!(
                kind.task_type(common).is_some(),
                "{} lacks {common}",
                kind.kind
            );
        }
    }
    assert!(find("custom").is_some() && find("test-agent").is_some());
    assert!(find("no-such-kind").is_none());
}

#[test]
fn every_schema_uses_only_what_the_validator_checks() {
    for kind in catalog() {
        let mut schemas = vec![(format!("{}.settings", kind.kind), &kind.settings_schema)];
        for task in &kind.task_types {
            schemas.push((
                format!("{}.{}.payload", kind.kind, task.name),
                &task.payload_schema,
            ));
            schemas.push((
                format!("{}.{}.result", kind.kind, task.name),
                &task.result_schema,
            ));
        }
        for (path, schema) in schemas {
            assert_eq!(unsupported_keywords(schema, &path), Vec::<String>::new());
        }
        // The defaults alone must be valid settings unless a setting is required.
        let required = kind.settings_schema.get("required").is_some();
        assert!(
            required || kind.settings(&Map::new()).is_ok(),
            "{}",
            kind.kind
        );
    }
}

#[test]
fn admission_resolves_aliases_fills_defaults_and_names_bad_fields() {
    let mut config = AgentConfig::new("t-1", "test-agent", AgentCategory::Core);
    let (admitted, kind) = admit(&config).unwrap();
    assert_eq!(
        (admitted.agent_type.as_str(), kind.kind),
        ("test-agent", "test-agent")
    );

    config.settings.insert("surprise".into(), json!(1));
    let refusal = admit(&config).unwrap_err();
    assert_eq!(
        refusal.field_errors(),
        [FieldError {
            field: "settings.surprise".into(),
            message: "is not a known field".into()
        }]
    );
    config.agent_type = "no-such-kind".into();
    let unknown = admit(&config).unwrap_err();
    assert_eq!(unknown.field_errors()[0].field, "agent_type");
    assert!(matches!(unknown, Refusal::UnknownKind(_)));
}

#[test]
fn granted_host_directories_must_be_plain_paths_outside_the_system() {
    let mut config = AgentConfig::new("s-1", "storage", AgentCategory::Infrastructure);
    config.settings.insert(
        "host_directories".into(),
        json!([
            "/srv/data",
            "relative",
            "//",
            "/srv/../etc",
            "/srv/a:b",
            "/var/run/docker.sock",
            "/proc"
        ]),
    );
    let fields: Vec<(String, String)> = admit(&config)
        .unwrap_err()
        .field_errors()
        .into_iter()
        .map(|e| (e.field, e.message))
        .collect();
    let at = |i: usize| format!("settings.host_directories.{i}");
    assert_eq!(
        fields
            .iter()
            .map(|(field, _)| field.clone())
            .collect::<Vec<_>>(),
        (1..=6).map(at).collect::<Vec<_>>()
    );
    assert_eq!(
        fields[4].1,
        "must not be under /proc, /sys, /dev, /run or /var/run"
    );
    config
        .settings
        .insert("host_directories".into(), json!(["/srv/data/"]));
    let (admitted, kind) = admit(&config).unwrap();
    assert_eq!(kind.host_directories(&admitted.settings), ["/srv/data/"]);
    // Only a kind with the privilege mounts anything.
    assert!(find("monitoring")
        .unwrap()
        .host_directories(&admitted.settings)
        .is_empty());
}

#[test]
fn the_catalog_serializes_as_the_window_expects() {
    let value = serde_json::to_value(find("test-agent").unwrap()).unwrap();
    for field in [
        "kind",
        "aliases",
        "category",
        "description",
        "task_types",
        "credentials",
        "settings_schema",
        "defaults",
        "privileges",
    ] {
        assert!(value.get(field).is_some(), "{field}");
    }
    let echo = &value["task_types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo")
        .unwrap();
    assert_eq!(
        echo.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["description", "name", "payload_schema", "result_schema"]
    );
    assert_eq!(
        value["defaults"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["cpu_limit", "max_concurrent_tasks", "memory_limit_mb"]
    );
    assert!(value["settings_schema"].is_object());
}

/// Rewrites `docs/agents.md` when it differs and fails, so a stale
/// document is caught and one rerun of the tests passes.
#[test]
fn docs_agents_md_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/agents.md");
    let current = markdown(catalog());
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != current {
        std::fs::write(path, &current).unwrap();
        panic!("docs/agents.md was stale and has been rewritten: commit it");
    }
}

#[test]
fn privileges_are_granted_only_where_declared_and_needed() {
    use crate::protocol::Privilege;
    let mut docker = AgentConfig::new("d-1", "docker", AgentCategory::Infrastructure);
    // The default engine is the host's socket: not without the grant.
    let refused = admit(&docker).unwrap_err();
    assert_eq!(refused.field_errors()[0].field, "grants");
    assert!(
        refused
            .to_string()
            .contains("\"grants\": [\"docker_socket\"]"),
        "{refused}"
    );
    docker.grants = vec![Privilege::DockerSocket, Privilege::DockerSocket];
    let (admitted, _) = admit(&docker).unwrap();
    assert_eq!(admitted.grants, [Privilege::DockerSocket]);
    // A socket elsewhere than where the grant mounts it reaches nothing.
    docker
        .settings
        .insert("docker_host".into(), json!("unix:///run/other.sock"));
    assert!(matches!(admit(&docker), Err(Refusal::Grants(_))));
    // A tcp:// engine needs no grant.
    docker.grants.clear();
    docker
        .settings
        .insert("docker_host".into(), json!("tcp://10.0.0.5:2375"));
    assert!(admit(&docker).is_ok());
    // A kind that does not declare the privilege is never given it.
    let mut plain = AgentConfig::new("t-2", "test-agent", AgentCategory::Core);
    plain.grants = vec![Privilege::DockerSocket];
    let refused = admit(&plain).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "grants: kind test-agent does not use the privilege docker_socket; remove it from \"grants\""
    );
    let parsed: AgentConfig = serde_json::from_value(json!({
        "agent_id": "d-2", "agent_type": "docker", "category": "infrastructure",
        "grants": ["docker_socket"]}))
    .unwrap();
    assert_eq!(parsed.grants, [Privilege::DockerSocket]);
    assert!(serde_json::from_value::<AgentConfig>(json!({
        "agent_id": "d-3", "agent_type": "docker", "category": "infrastructure", "grants": ["root"]}))
    .is_err());
}
