//! Shared harness for the end-to-end tests: where the real services are.
//!
//! `.ci/services start` starts every service and writes their addresses to
//! `services.env`; `.ci/test` sources it. A test whose service is missing
//! fails with a message naming the service — nothing is skipped silently.

use std::path::PathBuf;

use myca_orchestrator::config::{DatabaseTarget, DEFAULT_DOCKER_SOCKET};
use myca_orchestrator::OrchestratorConfig;

/// Reads a service address from the environment or fails the test, naming
/// the service and how to start it.
pub fn service_env(variable: &str, service: &str) -> String {
    match std::env::var(variable) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "{service} is required by this test but {variable} is not set: start the test \
             services with `.ci/services start` and `source \"$(.ci/services env)\"`, or run \
             everything with `.ci/test`"
        ),
    }
}

pub fn redis_url() -> String {
    service_env("MYCA_TEST_REDIS_URL", "Redis")
}

pub fn postgres_url() -> String {
    service_env("MYCA_TEST_POSTGRES_URL", "PostgreSQL")
}

/// The Docker engine's socket; the tests use the engine `.ci/services` started.
pub fn docker_socket() -> PathBuf {
    let host = service_env("DOCKER_HOST", "Docker Engine");
    PathBuf::from(
        host.strip_prefix("unix://")
            .unwrap_or(DEFAULT_DOCKER_SOCKET),
    )
}

/// An orchestrator configuration pointing at the test services, with its
/// SQLite file in `data_dir`.
pub fn orchestrator_config(data_dir: &std::path::Path) -> OrchestratorConfig {
    OrchestratorConfig {
        docker_socket: docker_socket(),
        redis_url: redis_url(),
        database: DatabaseTarget::sqlite_in(data_dir),
    }
}

/// A name no other test run uses, for schemas, keys and secrets.
pub fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// A fleet instance of its own, so the test's pool or service never sees,
/// stops or restarts another test's agents on the shared engine.
pub fn unique_instance() -> myca_orchestrator::pool::FleetInstance {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!("test-{}-{nanos}", std::process::id());
    myca_orchestrator::pool::FleetInstance::parse(&name).expect("a valid instance name")
}

/// A loopback port that was free a moment ago.
/// An HTTP client (reqwest's TLS comes preconfigured from myca-agents).
pub fn http_client() -> reqwest::Client {
    myca_agents::integration::http_client_builder()
        .expect("TLS for the HTTP client")
        .build()
        .expect("an HTTP client")
}

/// A benchmark's size: its first numeric command-line argument, else `default`.
pub fn bench_size<T: std::str::FromStr>(default: T) -> T {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("no free loopback port")
}

/// A loopback address where nothing listens, to show how a dead service is reported.
pub fn closed_port() -> u16 {
    free_port()
}

pub mod agent;
pub mod api;
pub mod captured_logs;
pub mod cleanup;
pub mod containers;
pub mod crowdsec_lapi;
pub mod desktop;
pub mod device_fleet;
pub mod device_sim;
pub mod docker_cli;
pub mod fake_anthropic;
pub mod fake_api;
pub mod fake_biodiversity;
pub mod fake_cloudflare;
pub mod fake_elevenlabs;
pub mod fake_gemini;
pub mod fake_github;
pub mod fake_hooks;
pub mod fake_hubspot;
pub mod fake_llm;
pub mod fake_mailchimp;
pub mod fake_n8n;
pub mod fake_notion;
pub mod fake_openai;
pub mod fake_proxmox;
pub mod fake_quickbooks;
pub mod fake_stripe;
pub mod fake_supabase;
pub mod fake_truenas;
pub mod fake_unifi;
pub mod fleet_api;
pub mod images;
pub mod kinds;
pub mod ledger;
pub mod llm_agent;
pub mod locks;
pub mod mosquitto;
pub mod nginx_server;
pub mod pg_schema;
pub mod pool;
pub mod process;
pub mod prometheus_stack;
pub mod redis_server;
pub mod rss;
pub mod setup_wizard;
pub mod sim_drone;
pub mod sim_lora;
pub mod sim_mycobrain;
pub mod sim_spectrometer;
pub mod stores;
pub mod vms;
pub mod window;
pub mod workload;
