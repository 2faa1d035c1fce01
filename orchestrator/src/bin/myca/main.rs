//! `myca`: the orchestrator headless — `myca status`, `myca serve`.

mod client;
mod serve_args;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use myca_orchestrator::api::resolve_api_key;
use myca_orchestrator::secrets::SecretStore;
use myca_orchestrator::serve;
use myca_orchestrator::service::FleetService;
use myca_orchestrator::{Orchestrator, OrchestratorConfig, Probe, SystemStatus};
use serve_args::ServeArgs;

#[derive(Parser)]
#[command(
    name = "myca",
    version,
    about = "MYCA Control Plane orchestrator (headless)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check the Docker engine, Redis and the SQL store; exit 1 if any is down.
    Status {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the orchestrator and its HTTP API until interrupted.
    Serve(Box<ServeArgs>),
    /// Talk to a running orchestrator.
    #[command(flatten)]
    Client(client::ClientCommand),
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MYCA_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("myca: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = OrchestratorConfig::from_env(None).context("reading configuration")?;
    let orchestrator = Arc::new(Orchestrator::new(config));
    let code = match cli.command {
        Command::Status { json } => {
            let status = orchestrator.status().await;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", render(&status));
            }
            if status.all_up() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Client(command) => {
            client::run(command).await?;
            ExitCode::SUCCESS
        }
        Command::Serve(args) => {
            let config = args.service_config()?;
            let api_key = resolve_api_key(args.api_key.clone(), &SecretStore::default())
                .await
                .context(
                    "no API key: give --api-key or MAS_API_KEY, or run a Secret Service keyring",
                )?;
            let service = FleetService::start(config)
                .await
                .context("starting the orchestrator service")?;
            serve::serve(
                service.clone(),
                &api_key,
                args.listen,
                |bound| tracing::info!(%bound, "orchestrator listening"),
                async {
                    let _ = tokio::signal::ctrl_c().await;
                },
            )
            .await?;
            if let Ok(service) = std::sync::Arc::try_unwrap(service) {
                service.shutdown().await;
            }
            ExitCode::SUCCESS
        }
    };
    orchestrator.shutdown().await;
    Ok(code)
}

fn render(status: &SystemStatus) -> String {
    let mut out = format!("MYCA status at {}\n", status.checked_at.to_rfc3339());
    out += &line(
        "Docker engine",
        &status.docker.endpoint,
        &status.docker.probe,
        |i| {
            format!(
                "Docker {} (API {}), {}/{}, {} of {} containers running",
                i.version, i.api_version, i.os, i.arch, i.containers_running, i.containers
            )
        },
    );
    out += &line("Redis", &status.redis.endpoint, &status.redis.probe, |i| {
        format!("Redis {}, PING → {}", i.version, i.ping)
    });
    out += &line(
        "SQL store",
        &status.store.endpoint,
        &status.store.probe,
        |i| {
            format!(
                "{}, migrations {}/{}{}",
                i.backend,
                i.migrations_applied,
                i.migrations_available,
                if i.up_to_date {
                    " (up to date)"
                } else {
                    " (PENDING)"
                }
            )
        },
    );
    out
}

fn line<T>(
    name: &str,
    endpoint: &str,
    probe: &Probe<T>,
    describe: impl Fn(&T) -> String,
) -> String {
    match probe {
        Probe::Up { latency_ms, info } => {
            format!(
                "  up    {name:<14} {endpoint}  {} [{latency_ms} ms]\n",
                describe(info)
            )
        }
        Probe::Down { latency_ms, reason } => {
            format!("  DOWN  {name:<14} {endpoint}  {reason} [{latency_ms} ms]\n")
        }
    }
}
