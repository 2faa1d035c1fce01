//! Many answers for one question: cursor- and page-numbered lists, and asynchronous jobs
//! (a Proxmox task id, a CI run) followed until they end.

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

use super::client::Service;
use super::error::ServiceError;

/// Where a paged list keeps its items and its next cursor (JSON pointers
/// into the opened answer), and which query parameter takes the cursor.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    pub param: &'static str,
    pub items: &'static str,
    pub next: &'static str,
    /// A list longer than this many pages is cut (and says so).
    pub max_pages: usize,
}

/// The items of one page, at `pointer`.
fn list_at<'a>(
    service: &Service,
    page: &'a Value,
    pointer: &str,
) -> Result<&'a Vec<Value>, ServiceError> {
    page.pointer(pointer)
        .and_then(Value::as_array)
        .ok_or_else(|| ServiceError::BadAnswer {
            service: service.name().to_owned(),
            reason: format!("no list at {pointer}"),
        })
}

/// Every item of a paged list, and whether it was cut at `max_pages`.
pub async fn all_pages(
    service: &Service,
    path: &str,
    query: &[(&str, String)],
    cursor: Cursor,
) -> Result<(Vec<Value>, bool), ServiceError> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..cursor.max_pages {
        let mut page_query = query.to_vec();
        if let Some(token) = &next {
            page_query.push((cursor.param, token.clone()));
        }
        let page = service.get(path, &page_query).await?;
        items.extend(list_at(service, &page, cursor.items)?.iter().cloned());
        next = match page.pointer(cursor.next) {
            Some(Value::String(token)) if !token.is_empty() => Some(token.clone()),
            Some(Value::Number(token)) => Some(token.to_string()),
            _ => return Ok((items, false)),
        };
    }
    Ok((items, true))
}

/// Where a page-numbered list (`?page=2&per_page=100`, Cloudflare's)
/// keeps its items and its page count, as JSON pointers into the whole
/// answer (envelope included: the count sits beside the data).
#[derive(Debug, Clone, Copy)]
pub struct PageNumbers {
    pub param: &'static str,
    pub size_param: &'static str,
    pub size: u32,
    pub items: &'static str,
    pub total_pages: &'static str,
    /// A list longer than this many pages is cut (and says so).
    pub max_pages: u64,
}

/// Every item of a page-numbered list, and whether it was cut at `max_pages`.
pub async fn all_numbered_pages(
    service: &Service,
    path: &str,
    query: &[(&str, String)],
    pages: PageNumbers,
) -> Result<(Vec<Value>, bool), ServiceError> {
    let mut items = Vec::new();
    for page in 1..=pages.max_pages {
        let mut page_query = query.to_vec();
        page_query.push((pages.param, page.to_string()));
        page_query.push((pages.size_param, pages.size.to_string()));
        let answer = service.get_whole(path, &page_query).await?;
        items.extend(list_at(service, &answer, pages.items)?.iter().cloned());
        let total = answer
            .pointer(pages.total_pages)
            .and_then(Value::as_u64)
            .unwrap_or(page);
        if page >= total {
            return Ok((items, false));
        }
    }
    Ok((items, true))
}

/// A job's state as one look at it tells.
pub enum Polled {
    Running,
    Done(Value),
}

/// Looks at a job every `interval` until `look` says it is done, or fails
/// with [`ServiceError::Timeout`] after `limit`.
pub async fn poll<F, Fut>(
    service: &Service,
    interval: Duration,
    limit: Duration,
    mut look: F,
) -> Result<Value, ServiceError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Polled, ServiceError>>,
{
    let started = tokio::time::Instant::now();
    loop {
        if let Polled::Done(value) = look().await? {
            return Ok(value);
        }
        if started.elapsed() + interval > limit {
            return Err(ServiceError::Timeout {
                service: service.name().to_owned(),
                after: limit,
            });
        }
        tokio::time::sleep(interval).await;
    }
}
