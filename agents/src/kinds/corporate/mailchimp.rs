//! Mailchimp's Marketing API as the marketing agent reads it: HTTP basic
//! auth with any user name and the API key as password, the data centre
//! (`us6`) taken from the key's suffix unless a base address is set, lists
//! paged by `count` and `offset` against `total_items`, errors as problem
//! details (`{"type", "title", "status", "detail", "instance"}`).

use serde_json::Value;

use crate::integration::{Auth, Service, ServiceConfig, ServiceError};
use crate::kinds::connect::credential;
use crate::runtime::handlers::TaskContext;

pub const API_KEY: &str = "MAILCHIMP_API_KEY";
/// Mailchimp's largest page.
const PAGE: usize = 1000;
/// A list longer than this many pages is cut (and says so).
const MAX_PAGES: usize = 20;

/// Where the account's API lives: the `mailchimp_base_url` setting, else
/// the data centre the key names after its last `-`.
fn base_url(setting: &str, key: &str) -> Result<String, String> {
    if !setting.trim().is_empty() {
        return Ok(setting.trim().trim_end_matches('/').to_owned());
    }
    match key.rsplit_once('-') {
        Some((_, dc)) if !dc.is_empty() && dc.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(format!("https://{dc}.api.mailchimp.com"))
        }
        _ => Err(format!(
            "{API_KEY} names no data centre (a key ends in -us6 or the like): \
             set mailchimp_base_url to the account's API address"
        )),
    }
}

pub fn api(context: &TaskContext) -> Result<Service, String> {
    let key = credential(context, API_KEY)?;
    let setting = context.settings["mailchimp_base_url"]
        .as_str()
        .unwrap_or_default();
    let base = base_url(setting, key.expose())?;
    let mut config = ServiceConfig::new("mailchimp", &format!("{base}/3.0"));
    config.auth = Auth::Basic {
        user: "myca".to_owned(),
        password: key,
    };
    Service::new(config).map_err(|e| e.to_string())
}

/// Every item of the list at `path` (its items under `field`), and
/// whether it was cut at [`MAX_PAGES`].
pub async fn all(
    mailchimp: &Service,
    path: &str,
    field: &str,
    query: &[(&str, String)],
) -> Result<(Vec<Value>, bool), ServiceError> {
    let mut items: Vec<Value> = Vec::new();
    for _ in 0..MAX_PAGES {
        let mut page_query = query.to_vec();
        page_query.push(("count", PAGE.to_string()));
        page_query.push(("offset", items.len().to_string()));
        let page = mailchimp.get(path, &page_query).await?;
        let (Some(listed), Some(total)) = (page[field].as_array(), page["total_items"].as_u64())
        else {
            return Err(ServiceError::BadAnswer {
                service: mailchimp.name().to_owned(),
                reason: format!("{path} answered no {field} and total_items"),
            });
        };
        items.extend(listed.iter().cloned());
        if listed.is_empty() || items.len() as u64 >= total {
            return Ok((items, false));
        }
    }
    Ok((items, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_centre_comes_from_the_key_unless_an_address_is_set() {
        assert_eq!(
            base_url("", "0123abcd-us6"),
            Ok("https://us6.api.mailchimp.com".to_owned())
        );
        assert_eq!(
            base_url("http://127.0.0.1:9/", "0123abcd-us6"),
            Ok("http://127.0.0.1:9".to_owned())
        );
        assert!(base_url("", "0123abcd")
            .unwrap_err()
            .contains("mailchimp_base_url"));
        assert!(base_url("", "0123-us6.evil.com/x").is_err());
    }
}
