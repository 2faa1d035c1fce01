//! Data kinds: the fleet's databases, pulls from public APIs, search, and
//! what the fleet measures of the routes and sites it watches.

pub(super) mod etl;
pub(super) mod mindex;
mod page;
mod probe;
pub(super) mod route_monitor;
pub(super) mod search;
pub(super) mod website;
