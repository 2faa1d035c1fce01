//! N agents from nothing to healthy (`/health` answers 200) on one engine,
//! three ways, one after the other:
//!
//! - myca: the pool spawns all N at once (create + start);
//! - old CLI: N sequential `docker run -d` without the pool's hardening;
//! - fair CLI: N `docker run -d` at once, as the pool runs them, each with
//!   the flags read off the pool's own container body (cap-drop, no new
//!   privileges, read-only root, tmpfs, user, limits, labels, restart
//!   policy, network, environment); the bench checks the engine really made
//!   containers with the same settings as the pool's.
//!
//! Every container is named after this run and removed on every exit path
//! (success, error, panic, Ctrl-C); nothing else on the engine is touched.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… cargo bench -p myca-e2e --bench pool_spawn [-- N]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::RemoveContainerOptionsBuilder;
use bollard::Docker;
use futures_util::future::join_all;
use futures_util::StreamExt;
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig};
use myca_e2e::agent::{agent_binary, fresh_redis_db, unique_agent_id};
use myca_e2e::containers::ContainerGuard;
use myca_e2e::docker_cli::{compare_settings, docker_run_args};
use myca_e2e::pool::{local_pool_at, quiet_port_block, try_wait_healthy};
use myca_e2e::{docker_socket, unique_instance};
use myca_orchestrator::agent_image::tag_for;
use myca_orchestrator::docker::connect_local;
use myca_orchestrator::pool::{container_body, logs, AgentNetwork, LogQuery};

/// Generous: a busy two-core machine can take minutes to start 50 agents.
const HEALTHY_WITHIN: Duration = Duration::from_secs(300);

fn bench_config(agent_id: &str) -> AgentConfig {
    let mut config = AgentConfig::new(agent_id, "test-agent", AgentCategory::Core);
    config.memory_limit = 64;
    config
}

async fn docker_cli(args: &[String]) -> anyhow::Result<()> {
    let output = tokio::process::Command::new("docker")
        .args(args)
        .output()
        .await
        .context("the docker CLI does not run")?;
    if !output.status.success() {
        bail!(
            "docker {}: {}",
            args.first().map(String::as_str).unwrap_or_default(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Waits for every agent; names each one that never became healthy with
/// what the engine says of its container and its last words.
async fn all_healthy(docker: &Docker, agents: &[(String, u16)]) -> anyhow::Result<()> {
    let waits = agents
        .iter()
        .map(|(_, port)| try_wait_healthy(*port, HEALTHY_WITHIN));
    let mut failures = Vec::new();
    for ((agent_id, _), outcome) in agents.iter().zip(join_all(waits).await) {
        if let Err(error) = outcome {
            failures.push(format!(
                "{agent_id}: {error} ({})",
                container_state(docker, agent_id).await
            ));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "{} of {} agents not healthy: {}",
            failures.len(),
            agents.len(),
            failures.join("; ")
        ))
    }
}

async fn container_state(docker: &Docker, agent_id: &str) -> String {
    let container = match docker
        .inspect_container(&container_name(agent_id), None)
        .await
    {
        Ok(container) => container,
        Err(error) => return format!("container not inspectable: {error}"),
    };
    let state = container.state.unwrap_or_default();
    let query = LogQuery {
        tail: Some(3),
        ..Default::default()
    };
    let last_lines: Vec<String> = logs(docker, agent_id, &query)
        .filter_map(|line| async move { line.ok().map(|line| line.text) })
        .collect()
        .await;
    format!(
        "container {}, exit code {}, restarted {} times, last output: {:?}",
        state.status.map(|s| s.to_string()).unwrap_or_default(),
        state.exit_code.unwrap_or_default(),
        container.restart_count.unwrap_or_default(),
        last_lines
    )
}

/// Waits for every agent, then inspects the first one's container and
/// removes them all at once, so the next contender starts on an engine as
/// empty as the first did (the guard retries leftovers). Returns the time
/// from `started` to the last agent healthy.
async fn healthy_then_removed(
    docker: &Docker,
    agents: &[(String, u16)],
    started: Instant,
) -> anyhow::Result<(Duration, ContainerInspectResponse)> {
    all_healthy(docker, agents).await?;
    let elapsed = started.elapsed();
    let first = docker
        .inspect_container(&container_name(&agents[0].0), None)
        .await?;
    let options = RemoveContainerOptionsBuilder::new().force(true).build();
    join_all(agents.iter().map(|(id, _)| {
        let options = options.clone();
        async move {
            let _ = docker
                .remove_container(&container_name(id), Some(options))
                .await;
        }
    }))
    .await;
    Ok((elapsed, first))
}

struct Timings {
    myca: Duration,
    /// Until every `spawn` call returned (the placement lock's share).
    myca_spawn_calls: Duration,
    old_cli: Duration,
    fair_cli: Duration,
    /// The settings found equal in a pool and a fair CLI container.
    same_settings: Vec<String>,
}

async fn run(n: usize, docker: &Docker, guard: &mut ContainerGuard) -> anyhow::Result<Timings> {
    anyhow::ensure!(n > 0, "N must be at least 1");
    let redis = fresh_redis_db().await;
    let contenders = u16::try_from(3 * n).context("N is too large")?;
    let first_port = quiet_port_block(contenders)
        .with_context(|| format!("no {contenders} free ports below the ephemeral range"))?;
    // Contender k (0: pool, 1: old CLI, 2: fair CLI) takes the k-th n ports.
    let per_contender = contenders / 3;
    let ports = |k: u16| (0..per_contender).map(move |i| first_port + k * per_contender + i);
    let instance = unique_instance();
    let pool = local_pool_at(&redis, instance.clone(), first_port).await;
    let image = tag_for(&std::fs::read(agent_binary()).context("agent binary unreadable")?).await?;
    let run = unique_agent_id("bench");
    let ids = |contender: &str| -> Vec<String> {
        (0..n).map(|i| format!("{run}-{contender}-{i}")).collect()
    };
    let (pool_ids, old_ids, fair_ids) = (ids("pool"), ids("cli"), ids("hard"));
    for id in pool_ids.iter().chain(&old_ids).chain(&fair_ids) {
        guard.watch(container_name(id));
    }

    let configs: Vec<AgentConfig> = pool_ids.iter().map(|id| bench_config(id)).collect();
    let started = Instant::now();
    let spawned = join_all(configs.iter().map(|config| pool.spawn(config))).await;
    let myca_spawn_calls = started.elapsed();
    let mut agents = Vec::with_capacity(n);
    for (id, agent) in pool_ids.iter().zip(spawned) {
        let agent = agent.with_context(|| format!("the pool did not spawn {id}"))?;
        let port = agent.port.with_context(|| format!("{id} has no port"))?;
        agents.push((id.clone(), port));
    }
    let (myca, pool_container) = healthy_then_removed(docker, &agents, started).await?;

    let agents: Vec<(String, u16)> = old_ids.iter().cloned().zip(ports(1)).collect();
    let started = Instant::now();
    for (id, port) in &agents {
        let args = [
            "run".to_owned(),
            "-d".to_owned(),
            "--name".to_owned(),
            container_name(id),
            "--network".to_owned(),
            "host".to_owned(),
            "-e".to_owned(),
            format!("AGENT_ID={id}"),
            "-e".to_owned(),
            "AGENT_TYPE=test-agent".to_owned(),
            "-e".to_owned(),
            "AGENT_CATEGORY=core".to_owned(),
            "-e".to_owned(),
            format!("REDIS_URL={redis}"),
            "-e".to_owned(),
            format!("AGENT_PORT={port}"),
            image.clone(),
        ];
        docker_cli(&args).await?;
    }
    let (old_cli, _) = healthy_then_removed(docker, &agents, started).await?;

    let agents: Vec<(String, u16)> = fair_ids.iter().cloned().zip(ports(2)).collect();
    let bodies: Vec<_> = agents
        .iter()
        .map(|(id, port)| {
            let mut body = container_body(
                &bench_config(id),
                &image,
                &redis,
                &AgentNetwork::Host,
                *port,
                None,
            );
            // The pool labels its containers with its fleet instance.
            instance.claim(&mut body);
            body
        })
        .collect();
    let runs = agents
        .iter()
        .zip(&bodies)
        .map(|((id, _), body)| docker_run_args(&container_name(id), body))
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    for outcome in join_all(runs.iter().map(|args| docker_cli(args))).await {
        outcome?;
    }
    let (fair_cli, fair_container) = healthy_then_removed(docker, &agents, started).await?;
    let comparison = compare_settings(&bodies[0], &pool_container, &fair_container);
    if !comparison.differing.is_empty() {
        bail!(
            "the fair CLI's containers differ from the pool's in {:?}",
            comparison.differing
        );
    }
    Ok(Timings {
        myca,
        myca_spawn_calls,
        old_cli,
        fair_cli,
        same_settings: comparison.compared,
    })
}

fn report(n: usize, timings: &Timings) {
    let seconds = |d: Duration| d.as_secs_f64();
    println!("{n} agents from nothing to healthy on one engine");
    for (name, time) in [
        ("myca pool ({n} parallel create+start)", timings.myca),
        (
            "  of which until every spawn call returned",
            timings.myca_spawn_calls,
        ),
        ("old CLI: sequential, unhardened run -d", timings.old_cli),
        (
            "fair CLI: {n} parallel, same flags run -d",
            timings.fair_cli,
        ),
    ] {
        println!(
            "{:<44} {:>8.2} s",
            name.replace("{n}", &n.to_string()),
            seconds(time)
        );
    }
    for (name, baseline) in [
        ("ratio myca / old CLI", timings.old_cli),
        ("ratio myca / fair CLI", timings.fair_cli),
    ] {
        println!(
            "{name:<44} {:>8.2}",
            seconds(timings.myca) / seconds(baseline)
        );
    }
    println!(
        "fair CLI containers equal to the pool's in: {}",
        timings.same_settings.join(", ")
    );
}

#[tokio::main]
async fn main() -> ExitCode {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let docker = match connect_local(&docker_socket()).await {
        Ok(docker) => docker,
        Err(error) => {
            eprintln!("pool_spawn failed: Docker Engine unreachable: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Removes this run's containers when dropped, also while a panic unwinds.
    let mut guard = ContainerGuard::new(&docker);
    let outcome = tokio::select! {
        outcome = run(n, &docker, &mut guard) => outcome,
        _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
    };
    drop(guard);
    match outcome {
        Ok(timings) => {
            report(n, &timings);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("pool_spawn failed (its containers are removed): {error:#}");
            ExitCode::FAILURE
        }
    }
}
