//! QuickBooks Online's Accounting API as the procurement agent reads it:
//! an OAuth 2.0 access token as `Authorization: Bearer`, entities read
//! with the query language at `/v3/company/{realmId}/query` (JSON only when
//! asked for with `Accept`), pages of at most 1000 by `STARTPOSITION` and
//! `MAXRESULTS`, answers as `{"QueryResponse": {"<Entity>": [...]}}`,
//! errors as `{"Fault": {"Error": [{"Message", "Detail", "code"}]}}`.

use serde_json::Value;

use crate::integration::{Auth, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::{credential, setting};
use crate::runtime::handlers::TaskContext;

pub const TOKEN: &str = "QUICKBOOKS_ACCESS_TOKEN";
/// QuickBooks' largest page.
const PAGE: usize = 1000;
/// A list longer than this many pages is cut (and says so).
const MAX_PAGES: usize = 20;
/// The API behaviour the queries are written for.
const MINOR_VERSION: &str = "75";

/// The company's API and the path of its query endpoint.
pub struct Company {
    api: Service,
    query_path: String,
}

pub fn company(context: &TaskContext) -> Result<Company, String> {
    let base = setting(context, "quickbooks_base_url")?.trim_end_matches('/');
    let realm = setting(context, "realm_id")?;
    if realm.is_empty() || !realm.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "setting realm_id: {realm:?} is not a QuickBooks company id (digits)"
        ));
    }
    let mut config = ServiceConfig::new("quickbooks", base);
    config.auth = Auth::Bearer(credential(context, TOKEN)?);
    config.headers = vec![("accept", "application/json")];
    Ok(Company {
        api: Service::new(config).map_err(|e| e.to_string())?,
        query_path: format!("/v3/company/{realm}/query"),
    })
}

/// A string as a query literal: quoted, its quotes escaped.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl Company {
    /// Every `entity` matching `filter` (a `where` clause's conditions),
    /// and whether the list was cut at [`MAX_PAGES`].
    pub async fn select(
        &self,
        entity: &str,
        filter: Option<&str>,
    ) -> Result<(Vec<Value>, bool), ServiceError> {
        let mut items: Vec<Value> = Vec::new();
        for _ in 0..MAX_PAGES {
            let condition = filter.map_or(String::new(), |f| format!(" where {f}"));
            let statement = format!(
                "select * from {entity}{condition} STARTPOSITION {} MAXRESULTS {PAGE}",
                items.len() + 1
            );
            let query = [
                ("query", statement),
                ("minorversion", MINOR_VERSION.to_owned()),
            ];
            let answer = self.api.get(&self.query_path, &query).await?;
            let Some(response) = answer.get("QueryResponse") else {
                return Err(ServiceError::BadAnswer {
                    service: self.api.name().to_owned(),
                    reason: "the answer has no QueryResponse".to_owned(),
                });
            };
            // An empty result is `"QueryResponse": {}`.
            let page = response[entity].as_array().cloned().unwrap_or_default();
            let full = page.len() == PAGE;
            items.extend(page);
            if !full {
                return Ok((items, false));
            }
        }
        Ok((items, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_cannot_end_their_quotes() {
        assert_eq!(literal("Bob's Burger Joint"), r"'Bob\'s Burger Joint'");
        assert_eq!(literal(r"a\' or 1=1"), r"'a\\\' or 1=1'");
    }
}
