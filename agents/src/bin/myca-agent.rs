//! `myca-agent`: the agent runtime binary, PID 1 of every agent container.

use std::process::ExitCode;

use myca_agents::runtime::{self, RuntimeConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match RuntimeConfig::from_vars(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("myca-agent: {error}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log_level)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stdout)
        .init();
    match runtime::run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "agent failed");
            ExitCode::FAILURE
        }
    }
}
