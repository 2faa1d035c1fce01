//! Security kinds: the fleet's own evidence and defences.

pub(super) mod audit;
mod canonical;
