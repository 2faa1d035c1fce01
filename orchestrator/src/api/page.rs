//! `?limit=` and `?cursor=` on list routes: a page is at most
//! [`MAX_PAGE_ROWS`] rows (a larger limit is refused with 422, never
//! clamped silently), and `next_cursor` in the answer fetches the next one.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::ApiError;
use crate::store::{Page, Paged, DEFAULT_PAGE_ROWS, MAX_PAGE_ROWS};

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> Result<Page, ApiError> {
        let before = match &self.cursor {
            None => None,
            Some(cursor) => Some(cursor.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(
                || {
                    ApiError::Unprocessable(format!(
                        "cursor {cursor:?} is not one this API gave out (next_cursor)"
                    ))
                },
            )?),
        };
        Ok(Page {
            limit: checked_limit(self.limit)?,
            before,
        })
    }
}

/// `limit` as given, or the default; 1 to [`MAX_PAGE_ROWS`].
pub fn checked_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit.unwrap_or(DEFAULT_PAGE_ROWS) {
        limit @ 1..=MAX_PAGE_ROWS => Ok(limit),
        other => Err(ApiError::Unprocessable(format!(
            "limit {other} is out of range: 1 to {MAX_PAGE_ROWS} rows per page"
        ))),
    }
}

/// `{"<field>": [...], "next_cursor": "…" | null}`.
pub fn paged_json<T: serde::Serialize>(field: &str, paged: Paged<T>) -> Value {
    let mut body = Map::new();
    body.insert(field.to_owned(), json!(paged.items));
    body.insert(
        "next_cursor".to_owned(),
        json!(paged.next_before.map(|id| id.to_string())),
    );
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(limit: Option<u32>, cursor: Option<&str>) -> PageQuery {
        PageQuery {
            limit,
            cursor: cursor.map(str::to_owned),
        }
    }

    #[test]
    fn limits_and_cursors_are_checked() {
        assert_eq!(query(None, None).page().unwrap(), Page::first(100));
        assert_eq!(
            query(Some(5), Some("42")).page().unwrap(),
            Page {
                limit: 5,
                before: Some(42)
            }
        );
        for bad in [query(Some(0), None), query(Some(1001), None)] {
            assert!(bad.page().unwrap_err().to_string().contains("1 to 1000"));
        }
        for bad in ["x", "-3", "0"] {
            assert!(query(None, Some(bad)).page().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let body = paged_json(
            "audit",
            Paged {
                items: vec![1],
                next_before: None,
            },
        );
        assert_eq!(body, json!({"audit": [1], "next_cursor": null}));
    }
}
