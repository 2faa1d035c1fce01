//! One fleet over the local engine and two "remote VMs" reached only by
//! SSH, each host with its own managed broker: hosts added at runtime (first
//! contact pinned only once the key ssh-keygen prints is confirmed),
//! placement spreading agents, an explicit host honoured, type-routed tasks
//! run on every host, a message answered across hosts with its correlation,
//! the topology drawn per host, a host whose key changed refused, and a
//! host removed with its agents.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use myca_agents::protocol::names::container_name;
use myca_e2e::agent::unique_agent_id;
use myca_e2e::api::ApiServer;
use myca_e2e::containers::ContainerGuard;
use myca_e2e::fleet_api::{
    finished_task, managed_fleet_config, spawn, wait_for_host, wait_until_live, JOINING, PATIENCE,
};
use myca_e2e::locks::vm_link_shared;
use myca_e2e::vms::Vm;
use myca_orchestrator::pool::broker_container;
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn one_fleet_runs_on_the_local_engine_and_two_vms() {
    let _link = vm_link_shared();
    let (vm1, vm2) = (Vm::nth(1), Vm::nth(2));
    let dir = tempfile::tempdir().unwrap();
    let config = managed_fleet_config(dir.path()).await;
    let instance = config.instance.clone();
    let api = ApiServer::start(config).await;
    let local_docker = api.service.first_pool().unwrap().docker().clone();
    let mut guards = vec![
        ContainerGuard::new(&local_docker),
        ContainerGuard::new(&vm1.docker().await),
        ContainerGuard::new(&vm2.docker().await),
    ];
    for guard in &mut guards {
        guard.watch(broker_container(&instance));
    }

    // First contact: the key is shown, a wrong confirmation pins nothing,
    // the key ssh-keygen prints is the one to confirm.
    let (code, pending) = api
        .call(Method::POST, "/hosts", Some(vm1.profile("vm-one")))
        .await;
    assert_eq!(code, 200, "{pending}");
    assert_eq!(pending["status"], "pending_confirmation");
    assert_eq!(pending["presented_fingerprint"], json!(vm1.fingerprint()));
    let (_, listed) = api.call(Method::GET, "/hosts", None).await;
    assert_eq!(
        listed["hosts"].as_array().unwrap().len(),
        1,
        "nothing joined yet: {listed}"
    );
    let wrong = json!({"fingerprint": vm2.fingerprint()});
    let (code, refused) = api
        .call(Method::POST, "/hosts/vm-one/confirm", Some(wrong))
        .await;
    assert_eq!(code, 409, "{refused}");
    let right = json!({"fingerprint": vm1.fingerprint()});
    let (code, joined) = api
        .call(Method::POST, "/hosts/vm-one/confirm", Some(right))
        .await;
    assert_eq!(code, 200, "{joined}");
    assert_eq!(joined["status"], "connecting");
    // A key known beforehand pins at once; labels are the operator's own.
    let mut second = vm2.profile("vm-two");
    second["host_key_fingerprint"] = json!(vm2.fingerprint());
    second["labels"] = json!({"zone": "two"});
    let (code, joined) = api.call(Method::POST, "/hosts", Some(second)).await;
    assert_eq!(code, 200, "{joined}");
    // The same machine under a key it does not have: refused, and said so.
    let mut impostor = vm1.profile("vm-impostor");
    impostor["host_key_fingerprint"] = json!(vm2.fingerprint());
    let (code, _) = api.call(Method::POST, "/hosts", Some(impostor)).await;
    assert_eq!(code, 200);

    let local = wait_for_host(&api, "local", "up", PATIENCE).await;
    let one = wait_for_host(&api, "vm-one", "up", JOINING).await;
    let two = wait_for_host(&api, "vm-two", "up", JOINING).await;
    let impostor = wait_for_host(&api, "vm-impostor", "key_changed", PATIENCE).await;
    assert_eq!(
        impostor["presented"],
        json!(vm1.fingerprint()),
        "{impostor}"
    );
    for host in [&local, &one, &two] {
        assert!(
            host["engine"]["docker_version"]
                .as_str()
                .is_some_and(|v| !v.is_empty()),
            "{host}"
        );
        assert!(host["engine"]["cpus"].as_f64().unwrap() >= 1.0, "{host}");
        assert_eq!(
            host["broker"], host["name"],
            "a managed broker per host: {host}"
        );
    }

    // Placement: three agents without a host, spawned at once, land one per host; one with
    // a host goes there; one asking for a label goes where it is.
    let ids: Vec<String> = (1..=3)
        .map(|n| unique_agent_id(&format!("spread{n}")))
        .collect();
    let pinned = unique_agent_id("pinned");
    let labelled = unique_agent_id("labelled");
    for guard in &mut guards {
        for id in ids.iter().chain([&pinned, &labelled]) {
            guard.watch(container_name(id));
        }
    }
    // At once, as a burst of requests comes: each placement sees where the
    // others went before any container runs.
    let spawns = ids.iter().map(|id| {
        spawn(
            &api,
            json!({"agent_id": id, "agent_type": "test-agent",
            "category": "core", "cpu_limit": 0.5, "memory_limit": 64}),
        )
    });
    let mut placed = BTreeMap::new();
    for (id, spawned) in ids.iter().zip(futures_util::future::join_all(spawns).await) {
        placed.insert(id.clone(), spawned["host"].as_str().unwrap().to_owned());
    }
    let hosts: BTreeSet<&str> = placed.values().map(String::as_str).collect();
    assert_eq!(
        hosts,
        BTreeSet::from(["local", "vm-one", "vm-two"]),
        "{placed:?}"
    );
    let spawned = spawn(
        &api,
        json!({"agent_id": pinned, "agent_type": "test-agent",
        "category": "core", "memory_limit": 64, "host": "vm-one"}),
    )
    .await;
    assert_eq!(spawned["host"], "vm-one");
    let spawned = spawn(
        &api,
        json!({"agent_id": labelled, "agent_type": "test-agent",
        "category": "core", "memory_limit": 64, "host_labels": {"zone": "two"}}),
    )
    .await;
    assert_eq!(spawned["host"], "vm-two");
    let (code, refused) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(json!({"agent_id": unique_agent_id("nowhere"),
        "agent_type": "test-agent", "category": "core", "host": "vm-impostor"})),
        )
        .await;
    assert_eq!(code, 409, "a refused host takes no agent: {refused}");
    let (code, _) = api
        .call(
            Method::POST,
            "/agents/spawn",
            Some(json!({"agent_id": ids[0],
        "agent_type": "test-agent", "category": "core", "host": "vm-two"})),
        )
        .await;
    assert_eq!(
        code, 200,
        "an id stays unique across the fleet: the existing agent is the answer"
    );
    let everyone: Vec<&str> = ids
        .iter()
        .chain([&pinned, &labelled])
        .map(String::as_str)
        .collect();
    wait_until_live(&api, &everyone).await;
    let (_, listed) = api.call(Method::GET, "/agents", None).await;
    assert_eq!(listed["agents"].as_array().unwrap().len(), 5, "{listed}");

    // Tasks for an agent go to its host; tasks for the type run on every host.
    for (id, host) in &placed {
        let (code, submitted) = api
            .call(
                Method::POST,
                "/tasks",
                Some(json!({"agent_id": id,
            "task_type": "echo", "payload": {"on": host}})),
            )
            .await;
        assert_eq!(code, 200, "{submitted}");
        let task = finished_task(&api, submitted["task_id"].as_str().unwrap()).await;
        assert_eq!(task["result"], json!({"on": host}));
        assert_eq!(
            task["broker"],
            json!(host),
            "queued on its host's broker: {task}"
        );
    }
    let mut by_type = Vec::new();
    for n in 0..24 {
        let (code, submitted) = api
            .call(
                Method::POST,
                "/tasks",
                Some(json!({"agent_type": "test-agent",
            "task_type": "sleep", "payload": {"ms": 300, "n": n}})),
            )
            .await;
        assert_eq!(code, 200, "{submitted}");
        by_type.push(submitted["task_id"].as_str().unwrap().to_owned());
    }
    let mut ran_on = BTreeMap::<String, usize>::new();
    for task_id in &by_type {
        let task = finished_task(&api, task_id).await;
        let agent = task["agent_id"].as_str().unwrap();
        let host = if agent == pinned {
            "vm-one"
        } else if agent == labelled {
            "vm-two"
        } else {
            &placed[agent]
        };
        *ran_on.entry(host.to_owned()).or_default() += 1;
    }
    assert_eq!(
        ran_on.len(),
        3,
        "type-routed tasks ran on every host: {ran_on:?}"
    );

    // A request from an agent on the local engine to one on vm-two, and the
    // response relayed back across hosts with the request's correlation.
    let (local_agent, remote_agent) = (
        placed
            .iter()
            .find(|(_, h)| *h == "local")
            .unwrap()
            .0
            .clone(),
        placed
            .iter()
            .find(|(_, h)| *h == "vm-two")
            .unwrap()
            .0
            .clone(),
    );
    let (code, sent) = api
        .call(
            Method::POST,
            "/messages",
            Some(json!({"from_agent": local_agent,
        "to_agent": remote_agent, "message_type": "request",
        "payload": {"task_type": "echo", "asked": "across"}, "requires_ack": true})),
        )
        .await;
    assert_eq!(code, 200, "{sent}");
    let id = sent["message_id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + PATIENCE;
    let response = loop {
        let (_, listed) = api
            .call(Method::GET, &format!("/messages?correlation_id={id}"), None)
            .await;
        let found = listed["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["message_type"] == "response").cloned());
        if let Some(found) = found {
            break found;
        }
        assert!(Instant::now() < deadline, "no response: {listed}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(response["from_agent"], json!(remote_agent));
    assert_eq!(response["to_agent"], json!(local_agent));
    assert_eq!(response["payload"]["result"]["asked"], "across");

    // The topology: each host with its broker and its agents, the message edge across.
    let (_, topology) = api.call(Method::GET, "/api/dashboard/topology", None).await;
    let edges = topology["edges"].as_array().unwrap();
    let has = |kind: &str, source: &str, target: &str| {
        edges
            .iter()
            .any(|e| e["kind"] == kind && e["source"] == source && e["target"] == target)
    };
    for host in ["local", "vm-one", "vm-two"] {
        assert!(
            has("uses", &format!("host:{host}"), &format!("broker:{host}")),
            "{topology}"
        );
    }
    for (id, host) in &placed {
        assert!(has("placement", &format!("host:{host}"), id), "{topology}");
    }
    assert!(has("messages", &local_agent, &remote_agent), "{topology}");
    let impostor_node = topology["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "host:vm-impostor")
        .cloned()
        .unwrap();
    assert_eq!(impostor_node["unhealthy"], true, "{impostor_node}");

    // Disabled: kept, not connected; removed with its agents: gone.
    let (code, _) = api
        .call(
            Method::PATCH,
            "/hosts/vm-impostor",
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(code, 200);
    wait_for_host(&api, "vm-impostor", "disabled", PATIENCE).await;
    let (code, removed) = api
        .call(Method::DELETE, "/hosts/vm-two?agents=stop", None)
        .await;
    assert_eq!(code, 200, "{removed}");
    let mut stopped: Vec<&str> = removed["agents_stopped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    stopped.sort();
    let mut expected = vec![
        placed
            .iter()
            .find(|(_, h)| *h == "vm-two")
            .unwrap()
            .0
            .as_str(),
        labelled.as_str(),
    ];
    expected.sort();
    assert_eq!(stopped, expected);
    let (_, listed) = api.call(Method::GET, "/hosts", None).await;
    let names: Vec<&str> = listed["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["local", "vm-impostor", "vm-one"]);
    let remaining = vm2
        .docker()
        .await
        .list_containers(None::<bollard::query_parameters::ListContainersOptions>)
        .await
        .unwrap();
    assert!(
        remaining
            .iter()
            .all(|c| c.names.iter().flatten().all(|n| !n.contains(&labelled))),
        "removed from vm-two"
    );

    api.stop().await;
}
