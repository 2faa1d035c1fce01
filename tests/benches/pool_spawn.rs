//! 50 agents spawned to healthy by our pool, against 50 sequential
//! `docker run -d` of the same image by the docker CLI, on one engine.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… cargo bench -p myca-e2e --bench pool_spawn [-- N]

use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig};
use myca_e2e::agent::fresh_redis_db;
use myca_e2e::free_port;
use myca_e2e::pool::{local_pool, wait_healthy};

const HEALTHY_WITHIN: Duration = Duration::from_secs(120);

fn docker_cli(args: &[&str]) {
    let output = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI runs");
    assert!(
        output.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let redis = fresh_redis_db().await;
    let pool = local_pool(&redis).await;
    let run = std::process::id();

    let configs: Vec<AgentConfig> = (0..n)
        .map(|i| {
            let mut config = AgentConfig::new(
                format!("bench-{run}-{i}"),
                "test-agent",
                AgentCategory::Core,
            );
            config.memory_limit = 64;
            config
        })
        .collect();
    let started = Instant::now();
    let agents: Vec<_> = join_all(configs.iter().map(|c| pool.spawn(c)))
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("pool spawns");
    join_all(
        agents
            .iter()
            .map(|a| wait_healthy(a.port.unwrap(), HEALTHY_WITHIN)),
    )
    .await;
    let ours = started.elapsed();
    for config in &configs {
        pool.remove(&config.agent_id).await.expect("removed");
    }

    let tag = myca_orchestrator::agent_image::tag_for(
        &std::fs::read(myca_e2e::agent::agent_binary()).unwrap(),
    );
    let ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
    let started = Instant::now();
    for (i, port) in ports.iter().enumerate() {
        let name = container_name(&format!("cli-{run}-{i}"));
        docker_cli(&[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            "host",
            "-e",
            &format!("AGENT_ID=cli-{run}-{i}"),
            "-e",
            "AGENT_TYPE=test-agent",
            "-e",
            "AGENT_CATEGORY=core",
            "-e",
            &format!("REDIS_URL={redis}"),
            "-e",
            &format!("AGENT_PORT={port}"),
            &tag,
        ]);
    }
    join_all(ports.iter().map(|port| wait_healthy(*port, HEALTHY_WITHIN))).await;
    let cli = started.elapsed();
    for i in 0..n {
        docker_cli(&["rm", "-f", &container_name(&format!("cli-{run}-{i}"))]);
    }

    println!("{n} agents from nothing to healthy on one engine");
    println!(
        "{:<40} {:>10.2} s",
        "myca pool (parallel create+start)",
        ours.as_secs_f64()
    );
    println!(
        "{:<40} {:>10.2} s",
        "docker CLI (sequential docker run -d)",
        cli.as_secs_f64()
    );
    println!(
        "{:<40} {:>10.2}",
        "ratio myca / CLI",
        ours.as_secs_f64() / cli.as_secs_f64()
    );
}
