//! PostgreSQL as the data and security kinds reach it: the address and
//! password come from credential `DATABASE_URL` (a `postgres://` URL or a
//! `key=value` string, never a setting, since it carries the password);
//! TLS is off for loopback, Unix sockets and `sslmode=disable`, and on
//! (public roots) for any other host. Every error names what went wrong
//! in PostgreSQL's words, with the password redacted.

use std::error::Error as _;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::integration::{Redactor, Trust};
use crate::kinds::connect::credential;
use crate::kinds::spec::CredentialSpec;
use crate::runtime::handlers::TaskContext;

pub const DATABASE_URL: &str = "DATABASE_URL";

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub fn database_credential(check: &'static str) -> CredentialSpec {
    CredentialSpec {
        name: DATABASE_URL,
        description: "The PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/DB (sslmode=disable turns TLS off; loopback never uses it)",
        check: Some(check),
    }
}

/// An open connection, and what hides its password in errors.
pub struct Db {
    pub client: Client,
    redactor: Redactor,
}

impl Db {
    /// A query's failure in PostgreSQL's words (`postgres: …`), password redacted.
    pub fn fail(&self, error: tokio_postgres::Error) -> String {
        self.redactor.redact(&describe(&error))
    }

    /// [`Db::fail`] as an owned function, for use while a transaction
    /// borrows the client.
    pub fn failer(&self) -> impl Fn(tokio_postgres::Error) -> String + Send + 'static {
        let redactor = self.redactor.clone();
        move |error| redactor.redact(&describe(&error))
    }

    /// Runs `ddl` (idempotent `CREATE … IF NOT EXISTS`) one agent at a
    /// time: two sessions creating the same table at once collide in
    /// PostgreSQL's catalog even with `IF NOT EXISTS`.
    pub async fn ensure_tables(&mut self, ddl: &str) -> Result<(), String> {
        let fail = self.failer();
        let tx = self.client.transaction().await.map_err(&fail)?;
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&ddl])
            .await
            .map_err(&fail)?;
        tx.batch_execute(ddl).await.map_err(&fail)?;
        tx.commit().await.map_err(&fail)
    }
}

/// `name` as an SQL identifier, quoted (for names the SQL cannot take as parameters).
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Connects to the database credential `DATABASE_URL` names, as this agent
/// (its id is the session's `application_name`), with timestamps in UTC.
pub async fn connect(context: &TaskContext) -> Result<Db, String> {
    let url = credential(context, DATABASE_URL)?;
    let mut redactor = Redactor::default();
    redactor.learn(url.expose());
    let mut config = Config::from_str(url.expose()).map_err(|_| {
        format!(
            "credential {DATABASE_URL} is not a PostgreSQL address \
             (postgres://USER:PASSWORD@HOST:PORT/DB or key=value pairs)"
        )
    })?;
    if let Some(password) = config.get_password() {
        redactor.learn(&String::from_utf8_lossy(password));
    }
    config
        .application_name(context.agent.agent_id.clone())
        .connect_timeout(CONNECT_TIMEOUT);
    let client = if needs_tls(&config) {
        let tls = Trust::PublicRoots
            .client_config()
            .map_err(|e| format!("postgres: TLS is unusable here: {e}"))?;
        open(&config, MakeRustlsConnect::new(tls), &redactor).await?
    } else {
        open(&config, NoTls, &redactor).await?
    };
    let db = Db { client, redactor };
    db.client
        .batch_execute("SET TIME ZONE 'UTC'")
        .await
        .map_err(|e| db.fail(e))?;
    Ok(db)
}

async fn open<T>(config: &Config, tls: T, redactor: &Redactor) -> Result<Client, String>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, connection) = config
        .connect(tls)
        .await
        .map_err(|e| describe_connect(config, &e, redactor))?;
    // The connection drives the socket; it ends when the client is dropped.
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(error = %describe(&error), "postgres connection ended");
        }
    });
    Ok(client)
}

/// TLS unless told not to or the server is on this machine.
fn needs_tls(config: &Config) -> bool {
    config.get_ssl_mode() != SslMode::Disable
        && !config.get_hosts().iter().all(|host| match host {
            Host::Unix(_) => true,
            Host::Tcp(name) => {
                name == "localhost"
                    || IpAddr::from_str(name.trim_matches(['[', ']']))
                        .is_ok_and(|ip| ip.is_loopback())
            }
        })
}

/// Where the connection went, for messages (`HOST:PORT/DB`, no user or password).
fn address(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or_default())
}

/// A failed connection: unreachable, refused credentials, or no such
/// database. Only what the driver or server said is redacted: the address
/// holds no secret, and a short password would otherwise blank out parts
/// of it (a database named after it).
fn describe_connect(config: &Config, error: &tokio_postgres::Error, redactor: &Redactor) -> String {
    let at = address(config);
    let said = redactor.redact(&message(error));
    match error.code() {
        Some(code)
            if *code == SqlState::INVALID_PASSWORD
                || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            format!(
                "postgres: rejected the credentials at {at}: {said}; check the credential {DATABASE_URL}"
            )
        }
        Some(_) => format!("postgres: refused the connection at {at}: {said}"),
        None => format!("postgres: unreachable at {at}: {said}"),
    }
}

/// Any other failure: PostgreSQL's own message (with its detail and hint),
/// or what went wrong on the way.
pub fn describe(error: &tokio_postgres::Error) -> String {
    format!("postgres: {}", message(error))
}

fn message(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = db.message().to_owned();
        for extra in [db.detail(), db.hint()].into_iter().flatten() {
            text.push_str(" (");
            text.push_str(extra);
            text.push(')');
        }
        return text;
    }
    match error.source() {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> Config {
        Config::from_str(url).unwrap()
    }

    #[test]
    fn tls_is_off_for_loopback_and_sslmode_disable_only() {
        assert!(!needs_tls(&config("postgres://u:p@127.0.0.1:5432/db")));
        assert!(!needs_tls(&config("postgres://u:p@localhost/db")));
        assert!(!needs_tls(&config("host=::1 user=u")));
        assert!(!needs_tls(&config(
            "postgres://u:p@db.example/db?sslmode=disable"
        )));
        assert!(needs_tls(&config("postgres://u:p@db.example/db")));
        assert!(needs_tls(&config(
            "postgres://u:p@10.0.0.5/db?sslmode=require"
        )));
    }

    #[test]
    fn addresses_name_no_user_or_password() {
        let at = address(&config("postgres://me:s3cret@10.0.0.5:6543/fleet"));
        assert_eq!(at, "10.0.0.5:6543/fleet");
    }
}
