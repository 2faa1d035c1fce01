//! The pool's managed broker: one Redis container per fleet instance
//! (`mas-redis` for the default instance, `mas-redis-{instance}` for the
//! others) on the pool's bridge network, reachable by the agents by name and
//! never published on a host port. One per instance, not per host, because
//! task and result streams have fixed names: two fleets on one Redis
//! database would take each other's results.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, RestartPolicy, RestartPolicyNameEnum};
use bollard::query_parameters::{CreateContainerOptions, InspectContainerOptions};
use bollard::Docker;

use super::{status_code, FleetInstance, PoolError};
use crate::broker_image::BROKER_PORT;

/// The default instance's broker container.
pub const BROKER_CONTAINER: &str = "mas-redis";
const PROVIDE_BROKER_IMAGE: &str =
    "build it from this machine's redis-server with the orchestrator's \
     broker image builder (Debian package redis-server) and ship it to this host, `docker load` a \
     Redis image, or configure an external Redis URL instead";
const LABEL_BROKER: &str = "mas.broker";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedBroker {
    /// The container's name, which is also its host name on the network.
    pub name: String,
    pub container_id: String,
    /// Its address on the pool's network, as the engine's host sees it.
    pub ip: String,
    pub port: u16,
    /// The URL agents on the network use.
    pub agent_url: String,
}

/// The broker container of `instance`.
pub fn broker_container(instance: &FleetInstance) -> String {
    if instance.is_default() {
        BROKER_CONTAINER.to_owned()
    } else {
        format!("{BROKER_CONTAINER}-{instance}")
    }
}

/// Creates (or finds) and starts `instance`'s broker container on
/// `network`, creating the network if needed.
pub async fn ensure_managed_broker(
    docker: &Docker,
    network: &str,
    image: &str,
    instance: &FleetInstance,
) -> Result<ManagedBroker, PoolError> {
    super::ensure_network(docker, network).await?;
    let name = broker_container(instance);
    let mut body = ContainerCreateBody {
        image: Some(image.to_owned()),
        labels: Some(HashMap::from([(
            LABEL_BROKER.to_owned(),
            "true".to_owned(),
        )])),
        host_config: Some(HostConfig {
            network_mode: Some(network.to_owned()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                maximum_retry_count: None,
            }),
            cap_drop: Some(vec!["ALL".to_owned()]),
            security_opt: Some(vec!["no-new-privileges:true".to_owned()]),
            readonly_rootfs: Some(true),
            tmpfs: Some(HashMap::from([(
                "/tmp".to_owned(),
                "rw,noexec,nosuid,size=256m".to_owned(),
            )])),
            ..Default::default()
        }),
        ..Default::default()
    };
    instance.claim(&mut body);
    let options = CreateContainerOptions {
        name: Some(name.clone()),
        ..Default::default()
    };
    match docker.create_container(Some(options), body).await {
        Ok(_) => tracing::info!(network, %instance, "managed broker created"),
        Err(error) if status_code(&error) == Some(409) => {}
        Err(error) => return Err(super::missing_image(error, image, PROVIDE_BROKER_IMAGE)),
    }
    match docker.start_container(&name, None).await {
        Err(error) if status_code(&error) != Some(304) => return Err(error.into()),
        _ => {}
    }
    let inspect = docker
        .inspect_container(&name, None::<InspectContainerOptions>)
        .await?;
    let ip = inspect
        .network_settings
        .and_then(|settings| settings.networks)
        .and_then(|networks| networks.get(network).and_then(|n| n.ip_address.clone()))
        .filter(|ip| !ip.is_empty())
        .ok_or_else(|| {
            PoolError::BrokerUnreachable(format!("{name} has no address on {network}"))
        })?;
    Ok(ManagedBroker {
        agent_url: format!("redis://{name}:{BROKER_PORT}/0"),
        name,
        container_id: inspect.id.unwrap_or_default(),
        ip,
        port: BROKER_PORT,
    })
}
