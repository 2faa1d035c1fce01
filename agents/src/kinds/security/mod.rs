//! Security kinds: the fleet's own evidence, what threatens it and what is
//! done about it.

pub(super) mod audit;
mod canonical;
pub(super) mod soc;
