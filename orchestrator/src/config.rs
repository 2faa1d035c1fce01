//! Where the orchestrator finds its Docker engine, Redis and SQL store.

use std::path::{Path, PathBuf};

/// Environment variable naming the orchestrator's Redis.
pub const REDIS_URL_ENV: &str = "MYCA_REDIS_URL";
/// Environment variable naming the SQL store (`sqlite:PATH` or `postgres://…`).
pub const DATABASE_URL_ENV: &str = "MYCA_DATABASE_URL";
/// Docker's own variable; unset means the local socket.
pub const DOCKER_HOST_ENV: &str = "DOCKER_HOST";

pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379/0";
pub const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";
const SQLITE_FILE_NAME: &str = "myca.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "unsupported database URL {0:?}: expected sqlite:PATH, postgres://… or postgresql://…"
    )]
    UnsupportedDatabaseUrl(String),
    #[error("no data directory: set {DATA_DIR_ENV}, {DATABASE_URL_ENV} or XDG_DATA_HOME/HOME")]
    NoDataDir,
    #[error("unsupported DOCKER_HOST {0:?}: expected unix:///path/to/docker.sock")]
    UnsupportedDockerHost(String),
}

/// The SQL store: SQLite by default, PostgreSQL when given a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseTarget {
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            if path.is_empty() {
                return Err(ConfigError::UnsupportedDatabaseUrl(url.to_owned()));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        Err(ConfigError::UnsupportedDatabaseUrl(url.to_owned()))
    }

    /// The embedded default: one SQLite file in the given data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        Self::Sqlite(data_dir.join(SQLITE_FILE_NAME))
    }
}

#[derive(Debug, Clone)]
pub struct OrchestratorConfig {
    /// Path of the local Docker engine's unix socket.
    pub docker_socket: PathBuf,
    pub redis_url: String,
    pub database: DatabaseTarget,
}

impl OrchestratorConfig {
    /// Reads the environment; `data_dir` holds the default SQLite file (the
    /// desktop app passes its own app-data directory, `myca` the user's).
    pub fn from_env(data_dir: Option<&Path>) -> Result<Self, ConfigError> {
        let database = match std::env::var(DATABASE_URL_ENV) {
            Ok(url) if !url.is_empty() => DatabaseTarget::parse(&url)?,
            _ => {
                let dir = match data_dir {
                    Some(dir) => dir.to_path_buf(),
                    None => default_data_dir()?,
                };
                DatabaseTarget::sqlite_in(&dir)
            }
        };
        let docker_socket = match std::env::var(DOCKER_HOST_ENV) {
            Ok(host) if !host.is_empty() => parse_docker_host(&host)?,
            _ => PathBuf::from(DEFAULT_DOCKER_SOCKET),
        };
        let redis_url = std::env::var(REDIS_URL_ENV)
            .ok()
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| DEFAULT_REDIS_URL.to_owned());
        Ok(Self {
            docker_socket,
            redis_url,
            database,
        })
    }
}

/// Where the desktop app and `myca serve` keep their data (one place, so
/// both run the same fleet): `MYCA_DATA_DIR`, else `$XDG_DATA_HOME/myca`
/// (or the platform's equivalent).
pub fn default_data_dir() -> Result<PathBuf, ConfigError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|dir| dir.join("myca"))
        .ok_or(ConfigError::NoDataDir)
}

/// Overrides the data directory of the app and of `myca serve`.
pub const DATA_DIR_ENV: &str = "MYCA_DATA_DIR";

pub fn parse_docker_host(host: &str) -> Result<PathBuf, ConfigError> {
    host.strip_prefix("unix://")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| ConfigError::UnsupportedDockerHost(host.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_select_the_backend() {
        assert_eq!(
            DatabaseTarget::parse("sqlite:///tmp/a.db").unwrap(),
            DatabaseTarget::Sqlite("/tmp/a.db".into())
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite:rel.db").unwrap(),
            DatabaseTarget::Sqlite("rel.db".into())
        );
        assert!(matches!(
            DatabaseTarget::parse("postgresql://u@h/db").unwrap(),
            DatabaseTarget::Postgres(_)
        ));
        let err = DatabaseTarget::parse("mysql://x").unwrap_err();
        assert!(err.to_string().contains("mysql://x"));
        assert!(DatabaseTarget::parse("sqlite:").is_err());
    }

    #[test]
    fn docker_host_must_be_a_unix_socket() {
        assert_eq!(
            parse_docker_host("unix:///run/d.sock").unwrap(),
            PathBuf::from("/run/d.sock")
        );
        assert!(parse_docker_host("tcp://1.2.3.4:2375").is_err());
    }
}
