//! The public APIs `etl-agent` pulls from, and how each pages:
//! GBIF occurrence search by `offset`/`limit` until `endOfRecords`;
//! iNaturalist observations by `id_above` (ascending ids), which stays
//! correct while new observations arrive.

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Gbif,
    Inaturalist,
}

/// One fetched page: the records keyed by the source's id, where the
/// next page starts, and whether the source has nothing after it.
pub struct Page {
    pub records: Value,
    pub count: u64,
    pub next: i64,
    pub end: bool,
}

impl Source {
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "gbif" => Some(Self::Gbif),
            "inaturalist" => Some(Self::Inaturalist),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Gbif => "gbif",
            Self::Inaturalist => "inaturalist",
        }
    }

    /// The setting holding the API's address.
    pub fn url_setting(self) -> &'static str {
        match self {
            Self::Gbif => "gbif_url",
            Self::Inaturalist => "inaturalist_url",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Self::Gbif => "/v1/occurrence/search",
            Self::Inaturalist => "/v1/observations",
        }
    }

    /// The query of the page after high-water mark `cursor`.
    pub fn query(self, cursor: i64, page_size: u64) -> Vec<(&'static str, String)> {
        match self {
            Self::Gbif => vec![
                ("offset", cursor.to_string()),
                ("limit", page_size.to_string()),
            ],
            Self::Inaturalist => vec![
                ("id_above", cursor.to_string()),
                ("per_page", page_size.to_string()),
                ("order_by", "id".to_owned()),
                ("order", "asc".to_owned()),
            ],
        }
    }

    /// Reads an answer to [`Source::query`] at `cursor`.
    pub fn page(self, answer: &Value, cursor: i64, page_size: u64) -> Result<Page, String> {
        let results = answer["results"]
            .as_array()
            .ok_or_else(|| format!("{} answered without a results list", self.name()))?;
        let id_field = match self {
            Self::Gbif => "key",
            Self::Inaturalist => "id",
        };
        let mut records = Vec::with_capacity(results.len());
        let mut highest = cursor;
        for result in results {
            let id = result[id_field].as_i64().ok_or_else(|| {
                format!(
                    "{} answered a record without a numeric {id_field}",
                    self.name()
                )
            })?;
            highest = highest.max(id);
            records.push(json!({"key": id.to_string(), "record": result}));
        }
        let count = records.len() as u64;
        let (next, end) = match self {
            Self::Gbif => (
                cursor + count as i64,
                answer["endOfRecords"].as_bool().unwrap_or(count == 0),
            ),
            Self::Inaturalist => (highest, count < page_size),
        };
        Ok(Page {
            records: Value::Array(records),
            count,
            next,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbif_pages_by_offset_until_end_of_records() {
        let answer = json!({"offset": 20, "limit": 2, "endOfRecords": false,
                            "results": [{"key": 7}, {"key": 3}]});
        let page = Source::Gbif.page(&answer, 20, 2).unwrap();
        assert_eq!((page.count, page.next, page.end), (2, 22, false));
        assert_eq!(page.records[1], json!({"key": "3", "record": {"key": 3}}));
        let last = json!({"endOfRecords": true, "results": [{"key": 9}]});
        assert!(Source::Gbif.page(&last, 22, 2).unwrap().end);
    }

    #[test]
    fn inaturalist_pages_above_the_highest_id() {
        let answer = json!({"total_results": 10, "results": [{"id": 41}, {"id": 44}]});
        let page = Source::Inaturalist.page(&answer, 40, 2).unwrap();
        assert_eq!((page.next, page.end), (44, false));
        let short = json!({"results": [{"id": 45}]});
        assert!(Source::Inaturalist.page(&short, 44, 2).unwrap().end);
        let broken = json!({"results": [{"uuid": "x"}]});
        assert!(Source::Inaturalist.page(&broken, 0, 2).is_err());
    }
}
