//! The pool's managed broker: one Redis container (`mas-redis`) on the
//! pool's bridge network, reachable by the agents by name and never
//! published on a host port.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, RestartPolicy, RestartPolicyNameEnum};
use bollard::query_parameters::{CreateContainerOptions, InspectContainerOptions};
use bollard::Docker;

use super::{status_code, PoolError};
use crate::broker_image::BROKER_PORT;

pub const BROKER_CONTAINER: &str = "mas-redis";
const PROVIDE_BROKER_IMAGE: &str =
    "build it from this machine's redis-server with the orchestrator's \
     broker image builder (Debian package redis-server) and ship it to this host, `docker load` a \
     Redis image, or configure an external Redis URL instead";
const LABEL_BROKER: &str = "mas.broker";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedBroker {
    pub container_id: String,
    /// Its address on the pool's network, as the engine's host sees it.
    pub ip: String,
    pub port: u16,
    /// The URL agents on the network use.
    pub agent_url: String,
}

/// Creates (or finds) and starts the broker container on `network`,
/// creating the network if needed.
pub async fn ensure_managed_broker(
    docker: &Docker,
    network: &str,
    image: &str,
) -> Result<ManagedBroker, PoolError> {
    super::ensure_network(docker, network).await?;
    let body = ContainerCreateBody {
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
    let options = CreateContainerOptions {
        name: Some(BROKER_CONTAINER.to_owned()),
        ..Default::default()
    };
    match docker.create_container(Some(options), body).await {
        Ok(_) => tracing::info!(network, "managed broker created"),
        Err(error) if status_code(&error) == Some(409) => {}
        Err(error) => return Err(super::missing_image(error, image, PROVIDE_BROKER_IMAGE)),
    }
    match docker.start_container(BROKER_CONTAINER, None).await {
        Err(error) if status_code(&error) != Some(304) => return Err(error.into()),
        _ => {}
    }
    let inspect = docker
        .inspect_container(BROKER_CONTAINER, None::<InspectContainerOptions>)
        .await?;
    let ip = inspect
        .network_settings
        .and_then(|settings| settings.networks)
        .and_then(|networks| networks.get(network).and_then(|n| n.ip_address.clone()))
        .filter(|ip| !ip.is_empty())
        .ok_or_else(|| {
            PoolError::BrokerUnreachable(format!("{BROKER_CONTAINER} has no address on {network}"))
        })?;
    Ok(ManagedBroker {
        container_id: inspect.id.unwrap_or_default(),
        ip,
        port: BROKER_PORT,
        agent_url: format!("redis://{BROKER_CONTAINER}:{BROKER_PORT}/0"),
    })
}
