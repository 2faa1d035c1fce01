//! Containers for the docker- and deployment-agents to manage: this
//! machine's redis-server built `FROM scratch` (no registry needed), run
//! under a name of the test's own, labelled as a Compose project would be,
//! removed by the test's [`ContainerGuard`] even when an assertion fails.

use std::collections::HashMap;
use std::path::Path;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::CreateContainerOptionsBuilder;
use bollard::Docker;
use myca_orchestrator::broker_image::ensure_broker_image;

use crate::containers::ContainerGuard;

/// A long-running image (redis-server, which stops cleanly on SIGTERM).
pub async fn workload_image(docker: &Docker) -> String {
    ensure_broker_image(docker, Path::new("/usr/bin/redis-server"))
        .await
        .expect("the redis-server image builds (run .ci/setup)")
        .tag
}

/// Creates and starts `name` from `image` in Compose project `project`
/// (service `cache`), watched by `guard`.
pub async fn start_workload(
    docker: &Docker,
    guard: &mut ContainerGuard,
    name: &str,
    image: &str,
    project: &str,
) {
    guard.watch(name);
    let labels = HashMap::from([
        ("com.docker.compose.project".to_owned(), project.to_owned()),
        ("com.docker.compose.service".to_owned(), "cache".to_owned()),
    ]);
    let body = ContainerCreateBody {
        image: Some(image.to_owned()),
        labels: Some(labels),
        // The image's redis-server keeps its (unused) files in /tmp.
        host_config: Some(HostConfig {
            tmpfs: Some(HashMap::from([("/tmp".to_owned(), String::new())])),
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::new().name(name).build();
    docker
        .create_container(Some(options), body)
        .await
        .unwrap_or_else(|error| panic!("cannot create {name}: {error}"));
    docker
        .start_container(name, None)
        .await
        .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
}

/// The container's state as the engine reports it (`running`, `exited`…).
pub async fn state_of(docker: &Docker, name: &str) -> String {
    docker
        .inspect_container(name, None)
        .await
        .unwrap_or_else(|error| panic!("cannot inspect {name}: {error}"))
        .state
        .and_then(|state| state.status)
        .map(|status| status.to_string())
        .unwrap_or_default()
}
