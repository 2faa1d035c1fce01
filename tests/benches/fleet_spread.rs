//! N agents (300 unless told) over the local engine and the two test VMs,
//! from nothing to live, two ways, one after the other:
//!
//! - myca: N `POST /agents/spawn` at once, no host named: placement spreads
//!   them, each host's pool creates and starts its share (the VMs' through
//!   their SSH link);
//! - docker CLI: on each host, as many `docker run -d` at once as myca put
//!   there, each with the flags of the pool's own container body, against
//!   the host's engine socket directly (an operator logged into every host:
//!   no SSH in the way, so the baseline is the stricter one).
//!
//! "Live" is the same test for both: the fleet lists the agent with a
//! heartbeat (the CLI's containers carry the fleet's labels, so the fleet
//! adopts them). With the N agents live it then times what the window's
//! Refresh costs: `GET /agents`, and `GET /agents` + `/hosts` + the topology
//! together, against the raw floor: listing the agent containers of all
//! three engines at once.
//!
//!   .ci/services start && source "$(.ci/services env)"
//!   MYCA_AGENT_BIN=… cargo bench -p myca-e2e --bench fleet_spread [-- N]

use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};
use bollard::Docker;
use futures_util::future::join_all;
use myca_agents::protocol::names::container_name;
use myca_agents::protocol::{AgentCategory, AgentConfig};
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::docker_cli::docker_run_args;
use myca_e2e::fleet_api::{join_vm, managed_fleet_config};
use myca_e2e::vms::Vm;
use myca_orchestrator::pool::{broker_container, container_body, AgentNetwork, FleetInstance};
use reqwest::Method;
use serde_json::{json, Value};

/// A busy two-core machine with two vfs-backed VMs is slow to start 300.
const LIVE_WITHIN: Duration = Duration::from_secs(1200);
const SAMPLES: usize = 20;
const LIVE: [&str; 3] = ["idle", "active", "busy"];

struct Host {
    name: String,
    docker: Docker,
    socket: String,
}

struct Figures {
    n: usize,
    spread: BTreeMap<String, usize>,
    myca: Duration,
    cli: Duration,
    list: Duration,
    refresh: Duration,
    raw_list: Duration,
}

/// How many of `ids` the fleet lists as live.
async fn live_count(api: &ApiServer, ids: &HashSet<String>) -> anyhow::Result<usize> {
    let (code, listed) = api.call(Method::GET, "/agents", None).await;
    anyhow::ensure!(code == 200, "GET /agents answered {code}: {listed}");
    let agents = listed["agents"].as_array().context("no agents array")?;
    Ok(agents
        .iter()
        .filter(|a| a["agent_id"].as_str().is_some_and(|id| ids.contains(id)))
        .filter(|a| a["status"].as_str().is_some_and(|s| LIVE.contains(&s)))
        .count())
}

async fn all_live(
    api: &ApiServer,
    ids: &HashSet<String>,
    started: Instant,
) -> anyhow::Result<Duration> {
    loop {
        let live = live_count(api, ids).await?;
        if live == ids.len() {
            return Ok(started.elapsed());
        }
        if started.elapsed() > LIVE_WITHIN {
            bail!(
                "only {live} of {} agents live after {LIVE_WITHIN:?}",
                ids.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn bench_config(agent_id: &str) -> AgentConfig {
    let mut config = AgentConfig::new(agent_id, "test-agent", AgentCategory::Core);
    config.cpu_limit = 0.1;
    config.memory_limit = 64;
    config.heartbeat_interval = 5;
    config
}

async fn median_of<F, Fut>(mut call: F) -> anyhow::Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        call().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times[SAMPLES / 2])
}

async fn get_ok(api: &ApiServer, path: &str) -> anyhow::Result<()> {
    let (code, answer) = api.call(Method::GET, path, None).await;
    anyhow::ensure!(code == 200, "GET {path} answered {code}: {answer}");
    Ok(())
}

async fn raw_listing(hosts: &[Host]) -> anyhow::Result<()> {
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&std::collections::HashMap::from([(
            "label",
            vec!["mas.agent=true"],
        )]))
        .build();
    for listed in join_all(
        hosts
            .iter()
            .map(|h| h.docker.list_containers(Some(options.clone()))),
    )
    .await
    {
        listed?;
    }
    Ok(())
}

async fn remove_all(hosts: &[Host], placed: &BTreeMap<String, Vec<String>>) {
    let removals = hosts.iter().flat_map(|host| {
        placed
            .get(&host.name)
            .into_iter()
            .flatten()
            .map(move |id| async move {
                let options = RemoveContainerOptionsBuilder::new().force(true).build();
                let _ = host
                    .docker
                    .remove_container(&container_name(id), Some(options))
                    .await;
            })
    });
    join_all(removals).await;
}

/// The pool's body for `agent_id` on `host`, rebuilt from a container the
/// pool made there (its image, broker URL, network and port).
async fn pool_like_body(
    host: &Host,
    template_id: &str,
    agent_id: &str,
    instance: &FleetInstance,
) -> anyhow::Result<bollard::models::ContainerCreateBody> {
    let made = host
        .docker
        .inspect_container(&container_name(template_id), None)
        .await?;
    let config = made.config.context("no container config")?;
    let image = config.image.context("no image")?;
    let env = config.env.unwrap_or_default();
    let variable = |name: &str| {
        env.iter()
            .find_map(|e| e.strip_prefix(&format!("{name}=")).map(str::to_owned))
            .with_context(|| format!("no {name} in the pool's container"))
    };
    let network = made
        .host_config
        .and_then(|h| h.network_mode)
        .context("no network mode")?;
    let port: u16 = variable("AGENT_PORT")?.parse()?;
    let mut body = container_body(
        &bench_config(agent_id),
        &image,
        &variable("REDIS_URL")?,
        &AgentNetwork::Bridge(network),
        port,
        None,
    );
    instance.claim(&mut body);
    Ok(body)
}

async fn docker_cli(socket: &str, args: Vec<String>) -> anyhow::Result<()> {
    let output = tokio::process::Command::new("docker")
        .arg("-H")
        .arg(format!("unix://{socket}"))
        .args(&args)
        .output()
        .await
        .context("the docker CLI does not run")?;
    if !output.status.success() {
        bail!(
            "docker run: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

async fn run(
    n: usize,
    api: &ApiServer,
    hosts: &[Host],
    guards: &mut [ContainerGuard],
    instance: &FleetInstance,
) -> anyhow::Result<Figures> {
    anyhow::ensure!(n > 0, "N must be at least 1");
    let run = unique_agent_id("spread");
    let ids: Vec<String> = (0..n).map(|i| format!("{run}-m{i}")).collect();
    let started = Instant::now();
    let spawns = ids.iter().map(|id| {
        let body = json!({"agent_id": id, "agent_type": "test-agent", "category": "core",
                          "cpu_limit": 0.1, "memory_limit": 64, "heartbeat_interval": 5});
        api.call(Method::POST, "/agents/spawn", Some(body))
    });
    let mut placed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut refused = Vec::new();
    for (id, (code, answer)) in ids.iter().zip(join_all(spawns).await) {
        match (code, answer["host"].as_str()) {
            (200, Some(host)) => placed.entry(host.to_owned()).or_default().push(id.clone()),
            _ => refused.push(format!("{id}: {code} {answer}")),
        }
    }
    for (host, guard) in hosts.iter().zip(guards.iter_mut()) {
        for id in placed.get(&host.name).into_iter().flatten() {
            guard.watch(container_name(id));
        }
    }
    if !refused.is_empty() {
        bail!("{} spawns refused, first: {}", refused.len(), refused[0]);
    }
    let myca = all_live(api, &ids.iter().cloned().collect(), started).await?;

    let list = median_of(|| get_ok(api, "/agents")).await?;
    let refresh = median_of(|| async {
        let (a, h, t) = tokio::join!(
            get_ok(api, "/agents"),
            get_ok(api, "/hosts"),
            get_ok(api, "/api/dashboard/topology")
        );
        a.and(h).and(t)
    })
    .await?;
    let raw_list = median_of(|| raw_listing(hosts)).await?;

    // The CLI puts as many on each host as placement did, with the pool's
    // body for that host.
    let mut runs = Vec::new();
    let mut cli_placed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (host, guard) in hosts.iter().zip(guards.iter_mut()) {
        let mine = placed.get(&host.name).cloned().unwrap_or_default();
        for (i, template) in mine.iter().enumerate() {
            let id = format!("{run}-c{}-{i}", host.name);
            guard.watch(container_name(&id));
            let body = pool_like_body(host, template, &id, instance).await?;
            runs.push((
                host.socket.clone(),
                docker_run_args(&container_name(&id), &body)?,
            ));
            cli_placed.entry(host.name.clone()).or_default().push(id);
        }
    }
    remove_all(hosts, &placed).await;
    let cli_ids: HashSet<String> = cli_placed.values().flatten().cloned().collect();
    let started = Instant::now();
    for outcome in join_all(
        runs.into_iter()
            .map(|(socket, args)| async move { docker_cli(&socket, args).await }),
    )
    .await
    {
        outcome?;
    }
    let cli = all_live(api, &cli_ids, started).await?;
    remove_all(hosts, &cli_placed).await;
    Ok(Figures {
        n,
        spread: placed
            .iter()
            .map(|(h, ids)| (h.clone(), ids.len()))
            .collect(),
        myca,
        cli,
        list,
        refresh,
        raw_list,
    })
}

fn report(figures: &Figures) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = figures.n;
    println!("{n} agents over the local engine and two VMs, from nothing to live");
    let spread: Vec<String> = figures
        .spread
        .iter()
        .map(|(h, c)| format!("{h} {c}"))
        .collect();
    println!("placement spread: {}", spread.join(", "));
    println!(
        "{:<52} {:>10.2} s",
        "myca: N spawns at once, placement picks hosts",
        figures.myca.as_secs_f64()
    );
    println!(
        "{:<52} {:>10.2} s",
        "docker CLI: per-host parallel run -d, same flags",
        figures.cli.as_secs_f64()
    );
    println!(
        "{:<52} {:>10.2}",
        "ratio myca / docker CLI",
        figures.myca.as_secs_f64() / figures.cli.as_secs_f64()
    );
    println!("with {n} agents live (median of {SAMPLES}):");
    println!("{:<52} {:>10.1} ms", "GET /agents", ms(figures.list));
    println!(
        "{:<52} {:>10.1} ms",
        "full refresh: /agents + /hosts + topology",
        ms(figures.refresh)
    );
    println!(
        "{:<52} {:>10.1} ms",
        "raw: list agent containers of 3 engines",
        ms(figures.raw_list)
    );
    println!(
        "{:<52} {:>10.2}",
        "ratio GET /agents / raw listing",
        ms(figures.list) / ms(figures.raw_list)
    );
    println!(
        "{:<52} {:>10.3} ms",
        "GET /agents per agent",
        ms(figures.list) / n as f64
    );
}

async fn hosts_of(api: &ApiServer) -> anyhow::Result<Vec<Host>> {
    let local_socket = myca_e2e::docker_socket().display().to_string();
    let mut hosts = vec![Host {
        name: "local".into(),
        docker: api
            .service
            .first_pool()
            .context("no local pool")?
            .docker()
            .clone(),
        socket: local_socket,
    }];
    for (number, name) in [(1, "vm-one"), (2, "vm-two")] {
        let vm = Vm::nth(number);
        let joined: Value = join_vm(api, &vm, name).await;
        println!("joined {name}: {} CPUs", joined["engine"]["cpus"]);
        hosts.push(Host {
            name: name.into(),
            docker: vm.docker().await,
            socket: vm.docker_socket.clone(),
        });
    }
    Ok(hosts)
}

#[tokio::main]
async fn main() -> ExitCode {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(300);
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("fleet_spread failed: no temporary directory: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = managed_fleet_config(dir.path()).await;
    let instance = config.instance.clone();
    let api = ApiServer::start(config).await;
    let outcome = async {
        let hosts = hosts_of(&api).await?;
        // Removes this run's containers (and each host's broker) when
        // dropped, also while a panic unwinds.
        let mut guards: Vec<ContainerGuard> = hosts
            .iter()
            .map(|h| {
                let mut guard = ContainerGuard::new(&h.docker);
                guard.watch(broker_container(&instance));
                guard
            })
            .collect();
        tokio::select! {
            outcome = run(n, &api, &hosts, &mut guards, &instance) => outcome,
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        }
    }
    .await;
    api.stop().await;
    match outcome {
        Ok(figures) => {
            report(&figures);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("fleet_spread failed (its containers are removed): {error:#}");
            ExitCode::FAILURE
        }
    }
}
