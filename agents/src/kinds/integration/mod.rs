//! Integration kinds: the workflow, automation, voice, database and
//! documentation services the fleet hands work to.

pub(super) mod elevenlabs;
pub(super) mod ifttt;
pub(super) mod n8n;
pub(super) mod notion;
pub(super) mod supabase;
pub(super) mod zapier;
