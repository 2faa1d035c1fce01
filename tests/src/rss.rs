//! Memory of a process and everything it started (the desktop app's WebKit
//! web and network processes count as the window's memory): resident
//! (RSS, shared library pages included), proportional (PSS, shared pages
//! split among their users) and anonymous (the heap and stacks alone).

use std::collections::HashMap;

/// `(pid, parent pid)` of every process now.
fn parents() -> HashMap<u32, u32> {
    let mut parents = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return parents;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: fields follow the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            parents.insert(pid, ppid);
        }
    }
    parents
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Footprint {
    pub rss_kib: u64,
    pub pss_kib: u64,
    pub anon_kib: u64,
}

impl std::ops::Add for Footprint {
    type Output = Footprint;

    fn add(self, other: Footprint) -> Footprint {
        Footprint {
            rss_kib: self.rss_kib + other.rss_kib,
            pss_kib: self.pss_kib + other.pss_kib,
            anon_kib: self.anon_kib + other.anon_kib,
        }
    }
}

fn footprint(pid: u32) -> Footprint {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        rollup
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    };
    Footprint {
        rss_kib: field("Rss:"),
        pss_kib: field("Pss:"),
        anon_kib: field("Anonymous:"),
    }
}

/// `root` and the ids of all its descendants.
fn tree_pids(root: u32) -> Vec<u32> {
    let parents = parents();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, ppid)| **ppid == parent)
                .map(|(pid, _)| *pid),
        );
        i += 1;
    }
    tree
}

/// `root` and all its descendants, each with its command name and memory.
pub fn tree_by_process(root: u32) -> Vec<(String, Footprint)> {
    tree_pids(root)
        .into_iter()
        .map(|pid| {
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            (name.trim().to_owned(), footprint(pid))
        })
        .collect()
}

/// How many processes outside `root`'s tree have a command name starting
/// with `prefix`: other WebKit processes share library pages with the
/// app's, which lowers the app's PSS while they run.
pub fn others_named(root: u32, prefix: &str) -> usize {
    let ours: Vec<u32> = tree_pids(root);
    parents()
        .into_keys()
        .filter(|pid| !ours.contains(pid))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|name| name.starts_with(prefix))
        })
        .count()
}

/// The memory of `root` and all its descendants.
pub fn tree_footprint(root: u32) -> Footprint {
    tree_by_process(root)
        .into_iter()
        .fold(Footprint::default(), |sum, (_, one)| sum + one)
}

/// The process running `exe` whose environment holds `variable=value`
/// (how a test finds the app tauri-driver started for it).
pub fn find_process(exe: &std::path::Path, variable: &str, value: &str) -> Option<u32> {
    let wanted = format!("{variable}={value}");
    let exe = std::fs::canonicalize(exe).ok()?;
    parents().into_keys().find(|pid| {
        let runs = std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == exe);
        runs && std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
            env.split(|b| *b == 0)
                .any(|entry| entry == wanted.as_bytes())
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_process_tree_holds_at_least_its_root() {
        let me = std::process::id();
        let own = super::footprint(me);
        assert!(
            own.rss_kib > 0 && own.pss_kib > 0 && own.anon_kib > 0,
            "{own:?}"
        );
        assert!(own.pss_kib <= own.rss_kib);
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let tree = super::tree_footprint(me);
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            tree.rss_kib > own.rss_kib,
            "the child's memory counts: {tree:?} vs {own:?}"
        );
    }
}
