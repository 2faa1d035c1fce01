//! A host going away under load and coming back: the fleet runs on the
//! local engine and a VM (each with its own broker); the VM's only link is
//! cut while type-routed tasks run. The VM turns `unreachable` with a reason
//! within 10 s, its agent shows `unknown` (not removed), new work goes to
//! the local replica, a task for the VM's agent waits in SQL; once the link
//! is back every task completes exactly once (one result each across both
//! brokers) and no container is duplicated.

use std::collections::BTreeMap;
use std::time::Duration;

use myca_agents::protocol::names::{container_name, RESULTS_STREAM};
use myca_agents::streams::decode;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fleet_api::{
    finished_task, join_vm, managed_fleet_config, spawn, wait_for_host, wait_until_live,
};
use myca_e2e::locks::vm_link_exclusive;
use myca_e2e::vms::Vm;
use myca_orchestrator::pool::broker_container;
use reqwest::Method;
use serde_json::{json, Value};

/// The promise: a cut link is seen within 10 s.
const NOTICED: Duration = Duration::from_secs(10);

/// Restores the link however the test ends.
struct LinkCut<'a>(&'a Vm);

impl Drop for LinkCut<'_> {
    fn drop(&mut self) {
        self.0.set_link(true);
    }
}

async fn submit(api: &ApiServer, body: Value) -> String {
    let (code, submitted) = api.call(Method::POST, "/tasks", Some(body)).await;
    assert_eq!(code, 200, "{submitted}");
    submitted["task_id"].as_str().unwrap().to_owned()
}

/// How many results each task has on `redis_url`'s results stream.
async fn results_on(redis_url: &str, ids: &[String]) -> BTreeMap<String, usize> {
    let client = redis::Client::open(redis_url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg(RESULTS_STREAM)
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    for entry in &reply.ids {
        if let Ok(delivery) = decode(RESULTS_STREAM, entry) {
            let id = delivery.task.id.to_string();
            if ids.contains(&id) {
                *counts.entry(id).or_default() += 1;
            }
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cut_host_holds_its_work_and_the_fleet_carries_on_exactly_once() {
    let _link = vm_link_exclusive();
    let vm = Vm::nth(1);
    let dir = tempfile::tempdir().unwrap();
    let config = managed_fleet_config(dir.path()).await;
    let instance = config.instance.clone();
    let api = ApiServer::start(config).await;
    let local_docker = api.service.first_pool().unwrap().docker().clone();
    let vm_docker = vm.docker().await;
    let mut guards = [
        ContainerGuard::new(&local_docker),
        ContainerGuard::new(&vm_docker),
    ];
    let (here, there) = (unique_agent_id("loss-here"), unique_agent_id("loss-there"));
    for guard in &mut guards {
        guard.watch(broker_container(&instance));
        guard.watch(container_name(&here));
        guard.watch(container_name(&there));
    }
    join_vm(&api, &vm, "vm-one").await;
    spawn(
        &api,
        json!({"agent_id": here, "agent_type": "test-agent", "category": "core",
        "memory_limit": 64, "max_concurrent_tasks": 2, "host": "local"}),
    )
    .await;
    spawn(
        &api,
        json!({"agent_id": there, "agent_type": "test-agent", "category": "core",
        "memory_limit": 64, "max_concurrent_tasks": 2, "host": "vm-one"}),
    )
    .await;
    wait_until_live(&api, &[&here, &there]).await;

    // Load on both hosts, then the VM's link is cut.
    let mut ids = Vec::new();
    for n in 0..8 {
        ids.push(
            submit(
                &api,
                json!({"agent_type": "test-agent", "task_type": "sleep",
            "payload": {"ms": 1500, "n": n}}),
            )
            .await,
        );
    }
    vm.set_link(false);
    let cut = LinkCut(&vm);
    let lost = wait_for_host(&api, "vm-one", "unreachable", NOTICED).await;
    assert!(
        lost["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{lost}"
    );
    let (_, listed) = api.call(Method::GET, "/agents", None).await;
    let status = |id: &str| {
        listed["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agent_id"] == id)
            .map(|a| a["status"].clone())
    };
    assert_eq!(status(&there), Some(json!("unknown")), "{listed}");
    assert_ne!(
        status(&here),
        Some(json!("unknown")),
        "the local agent is seen: {listed}"
    );

    // During the cut: new type-routed work runs here; work for the VM's
    // agent waits in SQL with its reason.
    let mut during = Vec::new();
    for n in 0..4 {
        during.push(
            submit(
                &api,
                json!({"agent_type": "test-agent", "task_type": "echo",
            "payload": {"during": n}}),
            )
            .await,
        );
    }
    for id in &during {
        let task = finished_task(&api, id).await;
        assert_eq!(task["agent_id"], json!(here), "{task}");
        assert_eq!(task["broker"], "local", "{task}");
    }
    let held = submit(
        &api,
        json!({"agent_id": there, "task_type": "echo",
        "payload": {"held": true}}),
    )
    .await;
    let (_, waiting) = api.call(Method::GET, &format!("/tasks/{held}"), None).await;
    assert_ne!(waiting["status"], "completed", "{waiting}");
    assert!(
        waiting["waiting_reason"]
            .as_str()
            .is_some_and(|r| r.contains(&there)),
        "{waiting}"
    );

    // Back: the VM is adopted as it is and everything completes once.
    drop(cut);
    wait_for_host(&api, "vm-one", "up", NOTICED * 3).await;
    let held_task = finished_task(&api, &held).await;
    assert_eq!(held_task["agent_id"], json!(there));
    assert_eq!(held_task["result"], json!({"held": true}));
    assert_eq!(
        held_task["broker"], "vm-one",
        "moved to its agent's broker: {held_task}"
    );
    let mut ran_on = BTreeMap::<String, usize>::new();
    for id in &ids {
        let task = finished_task(&api, id).await;
        *ran_on
            .entry(task["agent_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(ran_on.values().sum::<usize>(), ids.len(), "{ran_on:?}");
    let all: Vec<String> = ids.iter().chain(&during).chain([&held]).cloned().collect();
    let mut results = BTreeMap::<String, usize>::new();
    for broker in api.service.hosts.brokers() {
        for (id, count) in results_on(&broker.url, &all).await {
            *results.entry(id).or_default() += count;
        }
    }
    assert_eq!(
        results.len(),
        all.len(),
        "every task has a result: {results:?}"
    );
    assert!(
        results.values().all(|n| *n == 1),
        "each exactly once: {results:?}"
    );
    for (docker, id) in [(&local_docker, &here), (&vm_docker, &there)] {
        let options = bollard::query_parameters::ListContainersOptionsBuilder::new()
            .all(true)
            .build();
        let named = docker
            .list_containers(Some(options))
            .await
            .unwrap()
            .into_iter()
            .filter(|c| {
                c.names
                    .iter()
                    .flatten()
                    .any(|n| n.trim_start_matches('/') == container_name(id))
            })
            .count();
        assert_eq!(named, 1, "one container of {id}");
    }
    let (_, listed) = api.call(Method::GET, "/agents", None).await;
    assert_eq!(
        listed["agents"].as_array().unwrap().len(),
        2,
        "no agent duplicated: {listed}"
    );

    api.stop().await;
}
