//! HubSpot's CRM API as the sales agent reads it: a private app's access
//! token as `Authorization: Bearer`, deals at `/crm/v3/objects/deals` with
//! the properties asked for (values as strings), paged by `after` from
//! `paging.next.after`, errors as `{"status": "error", "message",
//! "correlationId", "category"}`.

use serde_json::Value;

use crate::integration::{all_pages, Auth, Cursor, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::{credential, setting};
use crate::runtime::handlers::TaskContext;

pub const TOKEN: &str = "HUBSPOT_ACCESS_TOKEN";
/// The deal properties every answer carries.
pub const PROPERTIES: &str = "dealname,amount,dealstage,pipeline,closedate";
const DEALS: Cursor = Cursor {
    param: "after",
    items: "/results",
    next: "/paging/next/after",
    max_pages: 100,
};

pub fn api(context: &TaskContext) -> Result<Service, String> {
    let base = setting(context, "hubspot_base_url")?.trim_end_matches('/');
    let mut config = ServiceConfig::new("hubspot", base);
    config.auth = Auth::Bearer(credential(context, TOKEN)?);
    Service::new(config).map_err(|e| e.to_string())
}

/// Every deal (HubSpot's largest page is 100), and whether the list was cut.
pub async fn deals(hubspot: &Service) -> Result<(Vec<Value>, bool), ServiceError> {
    let query = [
        ("limit", "100".to_owned()),
        ("properties", PROPERTIES.to_owned()),
        ("archived", "false".to_owned()),
    ];
    all_pages(hubspot, "/crm/v3/objects/deals", &query, DEALS).await
}

/// A deal property (HubSpot sends every value as a string).
pub fn property<'a>(deal: &'a Value, name: &str) -> &'a str {
    deal["properties"][name].as_str().unwrap_or_default()
}

/// A deal's amount (an empty one is 0).
pub fn amount(deal: &Value) -> f64 {
    property(deal, "amount").parse().unwrap_or(0.0)
}

/// Whether a deal's stage has ended it (won or lost).
pub fn closed(deal: &Value) -> bool {
    matches!(property(deal, "dealstage"), "closedwon" | "closedlost")
}
