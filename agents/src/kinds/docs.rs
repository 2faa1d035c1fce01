//! `docs/agents.md`, generated from the catalog (a test fails when the
//! committed file differs, so the document never drifts from the code).

use std::fmt::Write;

use serde_json::Value;

use super::KindSpec;

fn schema_block(out: &mut String, title: &str, schema: &Value) {
    let pretty = serde_json::to_string_pretty(schema).unwrap_or_default();
    let _ = write!(
        out,
        "<details><summary>{title}</summary>\n\n```json\n{pretty}\n```\n\n</details>\n\n"
    );
}

fn kind_section(out: &mut String, kind: &KindSpec) {
    let _ = writeln!(out, "## `{}`\n", kind.kind);
    let _ = writeln!(out, "{}\n", kind.description);
    let aliases = if kind.aliases.is_empty() {
        "none".to_owned()
    } else {
        kind.aliases
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let privileges = if kind.privileges.is_empty() {
        "none".to_owned()
    } else {
        kind.privileges
            .iter()
            .map(|p| {
                format!(
                    "`{}`",
                    serde_json::to_value(p)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let defaults = kind.defaults;
    let _ = writeln!(
        out,
        "- category: `{}`\n- aliases: {aliases}\n- defaults: {} CPU, {} MB, {} concurrent tasks\n- privileges: {privileges}\n",
        kind.category.as_str(),
        defaults.cpu_limit,
        defaults.memory_limit_mb,
        defaults.max_concurrent_tasks,
    );
    if !kind.credentials.is_empty() {
        let _ = writeln!(
            out,
            "| credential | description | checked by |\n|---|---|---|"
        );
        for credential in &kind.credentials {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                credential.name,
                credential.description,
                credential
                    .check
                    .map(|c| format!("`{c}`"))
                    .unwrap_or_else(|| "–".to_owned())
            );
        }
        out.push('\n');
    }
    schema_block(out, "settings schema", &kind.settings_schema);
    let _ = writeln!(out, "| task type | description |\n|---|---|");
    for task in &kind.task_types {
        let _ = writeln!(out, "| `{}` | {} |", task.name, task.description);
    }
    out.push('\n');
    for task in &kind.task_types {
        schema_block(
            out,
            &format!("<code>{}</code> payload", task.name),
            &task.payload_schema,
        );
        schema_block(
            out,
            &format!("<code>{}</code> result", task.name),
            &task.result_schema,
        );
    }
}

/// The whole document for `kinds`.
pub fn markdown(kinds: &[KindSpec]) -> String {
    let mut out = String::from(
        "# Agent kinds\n\nGenerated from `agents/src/kinds` (`cargo test -p myca-agents kinds` \
         rewrites it); do not edit by hand.\n\n| kind | category | aliases | description |\n|---|---|---|---|\n",
    );
    for kind in kinds {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            kind.kind,
            kind.kind,
            kind.category.as_str(),
            kind.aliases.join(", "),
            kind.description
        );
    }
    out.push('\n');
    for kind in kinds {
        kind_section(&mut out, kind);
    }
    out
}
