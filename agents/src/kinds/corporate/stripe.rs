//! Stripe's API as the CFO reads it: bearer secret key, lists as
//! `{"object": "list", "data", "has_more"}` paged with `starting_after`
//! (the last item's id), errors as `{"error": {"type", "code", "message"}}`.

use serde_json::Value;

use crate::integration::{Auth, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::{credential, setting};
use crate::runtime::handlers::TaskContext;

pub const API_KEY: &str = "STRIPE_API_KEY";
/// Stripe's largest page.
const PAGE: &str = "100";
/// A list longer than this many pages is cut (and says so).
const MAX_PAGES: usize = 50;

pub fn api(context: &TaskContext) -> Result<Service, String> {
    let base = setting(context, "stripe_base_url")?.trim_end_matches('/');
    let mut config = ServiceConfig::new("stripe", &format!("{base}/v1"));
    config.auth = Auth::Bearer(credential(context, API_KEY)?);
    Service::new(config).map_err(|e| e.to_string())
}

/// Every item of a Stripe list, and whether it was cut at [`MAX_PAGES`].
pub async fn all(
    stripe: &Service,
    path: &str,
    query: &[(&str, String)],
) -> Result<(Vec<Value>, bool), ServiceError> {
    let mut items: Vec<Value> = Vec::new();
    for _ in 0..MAX_PAGES {
        let mut page_query = query.to_vec();
        page_query.push(("limit", PAGE.to_owned()));
        if let Some(last) = items.last().and_then(|item| item["id"].as_str()) {
            page_query.push(("starting_after", last.to_owned()));
        }
        let page = stripe.get(path, &page_query).await?;
        let (Some("list"), Some(data)) = (page["object"].as_str(), page["data"].as_array()) else {
            return Err(ServiceError::BadAnswer {
                service: stripe.name().to_owned(),
                reason: format!("{path} did not answer a list"),
            });
        };
        let ended = data.is_empty() || page["has_more"] != true;
        items.extend(data.iter().cloned());
        if ended {
            return Ok((items, false));
        }
    }
    Ok((items, true))
}
