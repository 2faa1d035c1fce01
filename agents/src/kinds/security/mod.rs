//! Security kinds: what threatens the fleet and what is done about it.

pub(super) mod soc;
