//! A private schema on the test PostgreSQL server for one test: its URL
//! scopes a session to it (`options=-c search_path=…`), for sqlx, for
//! tokio-postgres inside an agent, and for the orchestrator's store alike.
//! The test role may not create databases; a schema isolates as well.

use std::str::FromStr;

use myca_orchestrator::secrets::Credentials;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::{postgres_url, unique_name};

pub struct PgSchema {
    /// The server's URL scoped to the schema.
    pub url: String,
    pub name: String,
    admin: PgPool,
}

impl PgSchema {
    pub async fn create(prefix: &str) -> Self {
        let server = postgres_url();
        let name = unique_name(prefix);
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&server)
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&admin)
            .await
            .expect("schema created");
        let url = format!(
            "{server}{}options=-c%20search_path%3D{name}",
            if server.contains('?') { "&" } else { "?" }
        );
        PgConnectOptions::from_str(&url).expect("scoped URL parses");
        Self { url, name, admin }
    }

    /// A pool whose sessions work in the schema.
    pub async fn connect(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(2)
            .connect(&self.url)
            .await
            .expect("scoped PostgreSQL session")
    }

    /// The schema's URL with another password.
    pub fn with_password(&self, password: &str) -> String {
        let mut url = reqwest::Url::parse(&self.url).expect("URL parses");
        url.set_password(Some(password))
            .expect("URL takes a password");
        url.to_string()
    }

    pub async fn drop(self) {
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.name))
            .execute(&self.admin)
            .await
            .expect("schema dropped");
    }
}

/// The password of [`DatabaseEntries::wrong`], which no error may show.
pub const WRONG_PASSWORD: &str = "not-the-password";

/// Keyring entries an agent's `DATABASE_URL` can come from: the schema's
/// URL, the same with [`WRONG_PASSWORD`], and a server where nothing listens.
pub struct DatabaseEntries {
    pub good: String,
    pub wrong: String,
    pub nowhere: String,
}

impl PgSchema {
    pub async fn keyring_entries(&self, keyring: &Credentials) -> DatabaseEntries {
        let entry = || format!("e2e/{}", uuid::Uuid::new_v4().simple());
        let entries = DatabaseEntries {
            good: entry(),
            wrong: entry(),
            nowhere: entry(),
        };
        let nowhere = "postgres://myca:myca@127.0.0.1:1/myca_test";
        for (name, url) in [
            (&entries.good, self.url.clone()),
            (&entries.wrong, self.with_password(WRONG_PASSWORD)),
            (&entries.nowhere, nowhere.to_owned()),
        ] {
            keyring.set(name, &url).await.expect("keyring entry stored");
        }
        entries
    }
}

impl DatabaseEntries {
    pub async fn delete(self, keyring: &Credentials) {
        for name in [self.good, self.wrong, self.nowhere] {
            keyring.delete(&name).await.expect("keyring entry deleted");
        }
    }
}
