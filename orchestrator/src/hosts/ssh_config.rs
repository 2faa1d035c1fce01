//! Host profiles to import from an OpenSSH client configuration
//! (`~/.ssh/config`): every concrete `Host` alias with its `HostName`,
//! `User`, `Port` and `IdentityFile`, resolved the way `ssh` does — for
//! each keyword the first value from a block whose patterns match wins, so
//! a `Host *` block at the end gives defaults.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// One alias of the configuration, as a profile form is filled from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct SshConfigEntry {
    /// The `Host` alias.
    pub alias: String,
    /// `HostName`, else the alias itself.
    pub host: String,
    pub port: Option<u16>,
    pub user: Option<String>,
    /// `IdentityFile` with `~` expanded; the first one given.
    pub identity_file: Option<PathBuf>,
}

/// One `Host` block: its patterns and its keyword lines, in order.
struct Block {
    patterns: Vec<String>,
    settings: Vec<(String, String)>,
}

/// Splits `Keyword value`, `Keyword=value` and `Keyword = "value"`.
fn keyword_and_value(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let split = line.find(|c: char| c.is_whitespace() || c == '=')?;
    let keyword = line[..split].to_ascii_lowercase();
    let value = line[split..]
        .trim_start_matches(|c: char| c.is_whitespace())
        .trim_start_matches('=')
        .trim();
    Some((keyword, value.to_owned()))
}

/// Words of a value, honouring double quotes (`Host "my vm" other`).
fn words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn blocks(text: &str) -> Vec<Block> {
    // Lines before the first `Host` apply to every host.
    let mut blocks = vec![Block {
        patterns: vec!["*".to_owned()],
        settings: Vec::new(),
    }];
    for (keyword, value) in text.lines().filter_map(keyword_and_value) {
        match keyword.as_str() {
            "host" => blocks.push(Block {
                patterns: words(&value),
                settings: Vec::new(),
            }),
            // A `Match` block's conditions are not evaluated here: its
            // settings are skipped rather than applied to the wrong hosts.
            "match" => blocks.push(Block {
                patterns: Vec::new(),
                settings: Vec::new(),
            }),
            _ => {
                if let Some(block) = blocks.last_mut() {
                    let value = words(&value).into_iter().next().unwrap_or_default();
                    block.settings.push((keyword, value));
                }
            }
        }
    }
    blocks
}

/// `*` and `?` glob matching, as `Host` patterns use.
fn glob(pattern: &[char], name: &[char]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob(&pattern[1..], name) || (!name.is_empty() && glob(pattern, &name[1..]))
        }
        (Some('?'), Some(_)) => glob(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p.eq_ignore_ascii_case(n) => glob(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// True when a block applies to `alias`: some pattern matches and no
/// negated (`!pattern`) one does.
fn matches(patterns: &[String], alias: &str) -> bool {
    let name: Vec<char> = alias.chars().collect();
    let mut matched = false;
    for pattern in patterns {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern.as_str()),
        };
        let pattern: Vec<char> = pattern.chars().collect();
        if glob(&pattern, &name) {
            if negated {
                return false;
            }
            matched = true;
        }
    }
    matched
}

fn expand_home(path: &str, home: &Path) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(path),
    }
}

/// Every concrete alias of `text` (patterns with wildcards or negation are
/// defaults, not hosts), in file order; `home` expands `~`.
pub fn parse_ssh_config(text: &str, home: &Path) -> Vec<SshConfigEntry> {
    let blocks = blocks(text);
    let mut aliases: Vec<&str> = Vec::new();
    for block in &blocks {
        for pattern in &block.patterns {
            let concrete = !pattern.contains(['*', '?', '!']);
            if concrete && !aliases.contains(&pattern.as_str()) {
                aliases.push(pattern);
            }
        }
    }
    aliases
        .into_iter()
        .map(|alias| {
            let first = |keyword: &str| {
                blocks
                    .iter()
                    .filter(|block| matches(&block.patterns, alias))
                    .flat_map(|block| &block.settings)
                    .find(|(k, _)| k == keyword)
                    .map(|(_, v)| v.clone())
            };
            SshConfigEntry {
                alias: alias.to_owned(),
                host: first("hostname").unwrap_or_else(|| alias.to_owned()),
                port: first("port").and_then(|p| p.parse().ok()),
                user: first("user"),
                identity_file: first("identityfile").map(|p| expand_home(&p, home)),
            }
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum SshConfigError {
    #[error("no home directory to find ~/.ssh/config in")]
    NoHome,
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
}

/// The entries of the operator's `~/.ssh/config`; none when there is no
/// such file.
pub async fn read_ssh_config() -> Result<Vec<SshConfigEntry>, SshConfigError> {
    let home = dirs::home_dir().ok_or(SshConfigError::NoHome)?;
    let path = home.join(".ssh/config");
    match tokio::fs::read_to_string(&path).await {
        Ok(text) => Ok(parse_ssh_config(&text, &home)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(SshConfigError::Read {
            path: path.display().to_string(),
            reason: error.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
# Global lines apply to everyone unless set earlier.
ServerAliveInterval 30

Host vm1 vm1-alias
    HostName 10.0.0.5
    User ops
    Port 2222
    IdentityFile ~/.ssh/id_vm1

Host=builder
  Hostname = build.example.org
  identityfile "/keys/my builder"

Host "quoted name"
    HostName q.example.org

Match host extra
    User nobody

Host *.internal !secret.internal
    User internal

Host db.internal secret.internal

Host *
    User fallback
    IdentityFile ~/.ssh/id_ed25519
    Port 22
"#;

    fn entries() -> Vec<SshConfigEntry> {
        parse_ssh_config(CONFIG, Path::new("/home/ana"))
    }

    fn entry(alias: &str) -> SshConfigEntry {
        entries()
            .into_iter()
            .find(|e| e.alias == alias)
            .unwrap_or_else(|| panic!("no entry {alias}"))
    }

    #[test]
    fn concrete_aliases_are_listed_in_file_order_and_patterns_are_not() {
        let aliases: Vec<String> = entries().into_iter().map(|e| e.alias).collect();
        assert_eq!(
            aliases,
            [
                "vm1",
                "vm1-alias",
                "builder",
                "quoted name",
                "db.internal",
                "secret.internal"
            ]
        );
    }

    #[test]
    fn first_value_wins_and_host_star_gives_defaults() {
        assert_eq!(
            entry("vm1"),
            SshConfigEntry {
                alias: "vm1".into(),
                host: "10.0.0.5".into(),
                port: Some(2222),
                user: Some("ops".into()),
                identity_file: Some("/home/ana/.ssh/id_vm1".into()),
            }
        );
        assert_eq!(entry("vm1-alias").host, "10.0.0.5");
        let builder = entry("builder");
        assert_eq!(builder.host, "build.example.org");
        assert_eq!(builder.user.as_deref(), Some("fallback"));
        assert_eq!(builder.port, Some(22));
        assert_eq!(
            builder.identity_file.as_deref(),
            Some(Path::new("/keys/my builder"))
        );
    }

    #[test]
    fn wildcards_negation_and_match_blocks() {
        // `*.internal` matches db.internal but its negation excludes secret.internal.
        assert_eq!(entry("db.internal").user.as_deref(), Some("internal"));
        assert_eq!(entry("secret.internal").user.as_deref(), Some("fallback"));
        // The host name defaults to the alias.
        assert_eq!(entry("db.internal").host, "db.internal");
        // A Match block's `User nobody` is not applied to anyone.
        assert!(entries()
            .iter()
            .all(|e| e.user.as_deref() != Some("nobody")));
        assert_eq!(entry("quoted name").host, "q.example.org");
    }

    #[test]
    fn an_unparsable_port_is_left_out_and_empty_text_has_no_hosts() {
        let entries = parse_ssh_config("Host a\n Port many\n", Path::new("/h"));
        assert_eq!(entries[0].port, None);
        assert!(parse_ssh_config("# nothing\n\n", Path::new("/h")).is_empty());
    }

    #[test]
    fn globs() {
        let g = |p: &str, n: &str| {
            glob(
                &p.chars().collect::<Vec<_>>(),
                &n.chars().collect::<Vec<_>>(),
            )
        };
        assert!(g("*", "anything"));
        assert!(g("vm?", "vm1"));
        assert!(!g("vm?", "vm12"));
        assert!(g("*.example.*", "a.example.org"));
        assert!(g("VM*", "vm9"));
        assert!(!g("a*b", "acd"));
    }
}
