//! What differs between the two backends, so each store operation is written
//! once: [`on_store!`] expands its body for both pools with `d` naming the
//! backend's dialect module.

/// Runs `$body` with `$pool` bound to the store's typed pool and `$d` to its
/// dialect module (`sqlite` or `postgres` below).
macro_rules! on_store {
    ($store:expr, $pool:ident, $d:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($pool) => {
                #[allow(unused_imports)]
                use $crate::store::dialect::sqlite as $d;
                $body
            }
            $crate::store::Store::Postgres($pool) => {
                #[allow(unused_imports)]
                use $crate::store::dialect::postgres as $d;
                $body
            }
        }
    };
}
pub(crate) use on_store;

pub mod sqlite {
    use sqlx::types::Json;
    use uuid::Uuid;

    /// UUID columns are TEXT (sqlx would write a 16-byte BLOB).
    pub fn uuid(id: Uuid) -> String {
        id.hyphenated().to_string()
    }

    /// The seed's `TEXT[]` column holds a JSON array here.
    pub fn names(names: &[String]) -> Json<Vec<String>> {
        Json(names.to_vec())
    }

    /// `related_agents` read back as a JSON array.
    pub const RELATED_AGENTS_JSON: &str = "related_agents";
}

pub mod postgres {
    use uuid::Uuid;

    pub fn uuid(id: Uuid) -> Uuid {
        id
    }

    pub fn names(names: &[String]) -> Vec<String> {
        names.to_vec()
    }

    pub const RELATED_AGENTS_JSON: &str = "to_jsonb(related_agents)";
}
