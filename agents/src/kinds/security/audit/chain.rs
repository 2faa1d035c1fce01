//! The hash chain: `audit_chain` holds, for every sealed history row, the
//! canonical JSON that was hashed, the previous link's hash and its own
//! (`sha256(prev_hash ‖ record)`, hex). The first link's previous hash is
//! [`GENESIS`]. A link names its source row (`source`, `source_id`), so
//! verification can also compare the sealed copy with the row as it is now.

use serde_json::{json, Value};

use super::super::canonical::canonical;
use crate::kinds::core::fleet_api::SETTLED;
use crate::sealing::sha256_hex;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub const TABLES: &str = "
CREATE TABLE IF NOT EXISTS audit_chain (
    seq       BIGINT PRIMARY KEY,
    source    TEXT NOT NULL,
    source_id TEXT NOT NULL,
    record    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    sealed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (source, source_id)
);";

/// A history table the chain covers: its name in the chain, and the SQL of
/// its rows as `(id text, row jsonb)` from `FROM {rows} AS t`, in the order
/// they are sealed.
pub struct Source {
    pub name: &'static str,
    /// The relation that must exist in the fleet's database.
    pub table: &'static str,
    /// A subquery of the sealed columns, aliased `t` with an `id`.
    pub rows: String,
    /// Which rows are final enough to seal (they no longer change).
    pub sealable: String,
    pub order: &'static str,
}

/// The fleet's history as migrations/postgres stores it: agent actions,
/// settled tasks (only the columns that do not change once settled) and
/// the operator's audit trail.
pub fn sources() -> Vec<Source> {
    let settled = SETTLED.map(|s| format!("'{s}'")).join(", ");
    vec![
        Source {
            name: "action",
            table: "agent_logs",
            rows: "agent_logs".to_owned(),
            sealable: "TRUE".to_owned(),
            order: "t.id",
        },
        Source {
            name: "task",
            table: "tasks",
            rows: "(SELECT id, agent_id, task_type, payload, priority, status, result, error, retries, \
                   max_retries, requester_agent, created_at, started_at, completed_at FROM tasks)"
                .to_owned(),
            sealable: format!("t.status IN ({settled})"),
            order: "t.completed_at, t.id",
        },
        Source {
            name: "audit",
            table: "audit",
            rows: "audit".to_owned(),
            sealable: "TRUE".to_owned(),
            order: "t.id",
        },
    ]
}

impl Source {
    /// Rows not chained yet, up to `$1`, as `(id, row)`.
    pub fn unsealed_sql(&self) -> String {
        format!(
            "SELECT t.id::text, to_jsonb(t) FROM {} AS t WHERE {} AND NOT EXISTS \
             (SELECT 1 FROM audit_chain c WHERE c.source = '{}' AND c.source_id = t.id::text) \
             ORDER BY {} LIMIT $1",
            self.rows, self.sealable, self.name, self.order
        )
    }

    /// Every link of this source with its row as it is now (NULL when gone),
    /// as `(seq, source_id, record, row)`.
    pub fn compare_sql(&self) -> String {
        format!(
            "SELECT c.seq, c.source_id, c.record, to_jsonb(t) FROM audit_chain c LEFT JOIN {} AS t \
             ON t.id::text = c.source_id WHERE c.source = '{}' ORDER BY c.seq",
            self.rows, self.name
        )
    }
}

/// The text a link hashes for row `id` of `source`.
pub fn record(source: &str, id: &str, row: &Value) -> String {
    canonical(&json!({"source": source, "id": id, "row": row}))
}

pub fn link_hash(prev_hash: &str, record: &str) -> String {
    sha256_hex(format!("{prev_hash}{record}").as_bytes())
}

/// One stored link, as verification reads it.
pub struct Link {
    pub seq: i64,
    pub source: String,
    pub source_id: String,
    pub record: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What is wrong with a link, the first found in chain order.
#[derive(Debug, PartialEq)]
pub struct Broken {
    pub seq: i64,
    pub problem: String,
}

/// The first link that does not follow from the one before it: one
/// missing (a gap in `seq`, or a previous hash that is not the last
/// hash), or one whose record or hash was altered.
pub fn first_broken_link(links: &[Link]) -> Option<Broken> {
    let mut expected_seq = 1;
    let mut previous = GENESIS.to_owned();
    for link in links {
        let problem = if link.seq != expected_seq {
            Some(format!(
                "links {expected_seq} to {} are missing",
                link.seq - 1
            ))
        } else if link.prev_hash != previous {
            Some("its previous hash is not the hash of the link before it".to_owned())
        } else if link_hash(&link.prev_hash, &link.record) != link.hash {
            Some("its record or hash was altered".to_owned())
        } else {
            None
        };
        if let Some(problem) = problem {
            return Some(Broken {
                seq: link.seq,
                problem,
            });
        }
        expected_seq = link.seq + 1;
        previous = link.hash.clone();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(records: &[&str]) -> Vec<Link> {
        let mut previous = GENESIS.to_owned();
        records
            .iter()
            .enumerate()
            .map(|(index, record)| {
                let hash = link_hash(&previous, record);
                let link = Link {
                    seq: index as i64 + 1,
                    source: "action".into(),
                    source_id: index.to_string(),
                    record: (*record).to_owned(),
                    prev_hash: previous.clone(),
                    hash: hash.clone(),
                };
                previous = hash;
                link
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_each_tampering_is_found_where_it_is() {
        let links = chain(&["a", "b", "c", "d"]);
        assert_eq!(first_broken_link(&links), None);
        assert_eq!(first_broken_link(&[]), None);

        let mut altered = chain(&["a", "b", "c", "d"]);
        altered[2].record = "C".into();
        assert_eq!(first_broken_link(&altered).unwrap().seq, 3);

        let mut rehashed = chain(&["a", "b", "c", "d"]);
        rehashed[1].record = "B".into();
        rehashed[1].hash = link_hash(&rehashed[1].prev_hash, "B");
        let broken = first_broken_link(&rehashed).unwrap();
        assert_eq!(broken.seq, 3, "the next link no longer follows");

        let mut deleted = chain(&["a", "b", "c", "d"]);
        deleted.remove(1);
        assert_eq!(
            first_broken_link(&deleted),
            Some(Broken {
                seq: 3,
                problem: "links 2 to 2 are missing".into()
            })
        );
    }

    #[test]
    fn records_are_canonical() {
        let row = serde_json::json!({"success": true, "id": 4});
        assert_eq!(
            record("action", "4", &row),
            r#"{"id":"4","row":{"id":4,"success":true},"source":"action"}"#
        );
        assert_eq!(
            link_hash(GENESIS, "x"),
            sha256_hex(format!("{GENESIS}x").as_bytes())
        );
    }
}
