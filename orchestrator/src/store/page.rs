//! Keyset pages over newest-first lists whose rows carry an id that only
//! grows: a page never repeats or skips a row when rows arrive between two
//! requests, which offsets would.

use serde::Serialize;

/// Rows a page holds when the caller does not say.
pub const DEFAULT_PAGE_ROWS: u32 = 100;
/// The most rows one page may hold.
pub const MAX_PAGE_ROWS: u32 = 1000;

/// Which rows to read: up to `limit`, older than the row `before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub before: Option<i64>,
}

impl Page {
    /// The newest `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self {
            limit,
            before: None,
        }
    }

    /// Rows to fetch: one more than the page, to know whether another follows.
    pub(crate) fn fetch(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::first(DEFAULT_PAGE_ROWS)
    }
}

/// A page of items and the cursor of the next one (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Paged<T> {
    pub items: Vec<T>,
    #[ts(type = "number | null")]
    pub next_before: Option<i64>,
}

impl<T> Paged<T> {
    /// Cuts rows fetched with [`Page::fetch`] (newest first, each with its
    /// row id) to the page.
    pub(crate) fn from_rows(mut rows: Vec<(i64, T)>, page: &Page) -> Self {
        let more = rows.len() > page.limit as usize;
        rows.truncate(page.limit as usize);
        let next_before = more.then(|| rows.last().map(|(id, _)| *id)).flatten();
        Self {
            items: rows.into_iter().map(|(_, item)| item).collect(),
            next_before,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            next_before: self.next_before,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_fetch_points_at_the_next_page() {
        let page = Page::first(2);
        let rows = vec![(9, "a"), (7, "b"), (4, "c")];
        assert_eq!(rows.len() as i64, page.fetch());
        let paged = Paged::from_rows(rows, &page);
        assert_eq!(paged.items, vec!["a", "b"]);
        assert_eq!(paged.next_before, Some(7));
        let last = Paged::from_rows(vec![(3, "d")], &page);
        assert_eq!(last.next_before, None);
        assert_eq!(Paged::<&str>::from_rows(vec![], &page).items.len(), 0);
    }
}
