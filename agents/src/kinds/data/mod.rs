//! Data kinds: the fleet's databases, pulls from public APIs and search.

pub(super) mod etl;
pub(super) mod mindex;
pub(super) mod search;
