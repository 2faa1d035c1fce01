//! The catalog of agent kinds, declared as data ([`KindSpec`]): one
//! declaration per kind, in one folder per category, read by the runtime's
//! handler registry, spawn validation, gap templates, `GET /catalog`, the
//! window's forms and the generated `docs/agents.md`.

mod admission;
mod ai;
mod common;
mod connect;
mod core;
mod corporate;
mod data;
mod device;
mod docs;
mod infrastructure;
mod integration;
mod postgres;
pub mod schema;
mod security;
mod spec;

use std::sync::LazyLock;

pub use admission::{admit, Refusal};
pub use docs::markdown;
pub use schema::FieldError;
pub use spec::{
    CredentialSpec, KindDefaults, KindSpec, Privilege, Run, TaskTypeSpec, HOST_DIRECTORIES,
};

/// Every kind's declaration, in the order `GET /catalog` lists them.
fn declare() -> Vec<KindSpec> {
    let kinds = [
        core::custom::spec(),
        core::test_agent::spec(),
        core::myca_core::spec(),
        core::task_router::spec(),
        core::event_processor::spec(),
        infrastructure::proxmox::spec(),
        infrastructure::docker::spec(),
        infrastructure::network::spec(),
        infrastructure::storage::spec(),
        infrastructure::monitoring::spec(),
        infrastructure::deployment::spec(),
        infrastructure::cloudflare::spec(),
        security::soc::spec(),
        security::audit::spec(),
        data::mindex::spec(),
        data::etl::spec(),
        data::search::spec(),
        data::route_monitor::spec(),
        data::website::spec(),
        ai::openai::spec(),
        ai::openai::grok_spec(),
        ai::anthropic::spec(),
        ai::gemini::spec(),
        integration::n8n::spec(),
        integration::notion::spec(),
        integration::zapier::spec(),
        integration::ifttt::spec(),
        integration::supabase::spec(),
        integration::elevenlabs::spec(),
        corporate::ceo::spec(),
        corporate::cfo::spec(),
        corporate::cto::spec(),
        corporate::coo::spec(),
        corporate::legal::spec(),
        corporate::hr::spec(),
        corporate::marketing::spec(),
        corporate::sales::spec(),
        corporate::procurement::spec(),
        device::coordinator::spec(),
        device::one::spec(),
        device::bme::bme688(),
        device::bme::bme690(),
        device::firmware::spec(),
        device::lora::spec(),
        device::drone::spec(),
        device::spectrometer::spec(),
    ];
    kinds
        .into_iter()
        .map(|mut kind| {
            kind.task_types.splice(0..0, common::task_types());
            kind
        })
        .collect()
}

static CATALOG: LazyLock<Vec<KindSpec>> = LazyLock::new(declare);

/// Every kind this runtime runs.
pub fn catalog() -> &'static [KindSpec] {
    &CATALOG
}

/// The kind named `kind_or_alias` (its registry id or one of the seed's names for it).
pub fn find(kind_or_alias: &str) -> Option<&'static KindSpec> {
    catalog().iter().find(|kind| kind.answers_to(kind_or_alias))
}

#[cfg(test)]
mod tests;
