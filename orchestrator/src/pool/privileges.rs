//! What a granted privilege adds to an agent's container. The Docker socket
//! is bind-mounted where the agent's `docker_host` default points, and the
//! socket's group is added to the agent's unprivileged user, which could
//! not open it otherwise; the grant is labelled so `docker inspect`, the
//! inventory and the API show it.

use std::collections::HashMap;

use bollard::models::ContainerCreateBody;
use myca_agents::protocol::{Privilege, DOCKER_SOCKET_IN_AGENT};

/// Our own label: the privileges granted to the agent, comma-separated.
pub const LABEL_GRANTS: &str = "mas.grants";

/// The engine's socket as its host has it: the path to mount, the group
/// that may use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSocket {
    pub path: String,
    pub gid: u32,
}

/// Adds `grants` to `body`; the pool refused a Docker-socket grant already
/// when it knows no `socket`.
pub fn grant(body: &mut ContainerCreateBody, grants: &[Privilege], socket: Option<&HostSocket>) {
    if grants.is_empty() {
        return;
    }
    let names: Vec<&str> = grants.iter().map(|g| g.as_str()).collect();
    body.labels
        .get_or_insert_with(HashMap::new)
        .insert(LABEL_GRANTS.to_owned(), names.join(","));
    let host = body.host_config.get_or_insert_with(Default::default);
    for privilege in grants {
        match (privilege, socket) {
            (Privilege::DockerSocket, Some(socket)) => {
                host.binds
                    .get_or_insert_with(Vec::new)
                    .push(format!("{}:{DOCKER_SOCKET_IN_AGENT}", socket.path));
                host.group_add
                    .get_or_insert_with(Vec::new)
                    .push(socket.gid.to_string());
            }
            (Privilege::DockerSocket, None) => {}
            // Mounted from the `host_directories` setting (see `spec.rs`).
            (Privilege::HostDirectories, _) => {}
        }
    }
}

/// The privileges a container's labels say it was granted.
pub fn granted(labels: &HashMap<String, String>) -> Vec<Privilege> {
    labels
        .get(LABEL_GRANTS)
        .into_iter()
        .flat_map(|names| names.split(','))
        .filter_map(|name| serde_json::from_value(serde_json::json!(name)).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_granted_socket_is_mounted_with_its_group_and_labelled() {
        let socket = HostSocket {
            path: "/var/run/docker.sock".into(),
            gid: 107,
        };
        let mut plain = ContainerCreateBody::default();
        grant(&mut plain, &[], Some(&socket));
        assert_eq!(plain, ContainerCreateBody::default());
        let mut body = ContainerCreateBody::default();
        grant(&mut body, &[Privilege::DockerSocket], Some(&socket));
        let host = body.host_config.unwrap();
        assert_eq!(
            host.binds.unwrap(),
            ["/var/run/docker.sock:/var/run/docker.sock"]
        );
        assert_eq!(host.group_add.unwrap(), ["107"]);
        let labels = body.labels.unwrap();
        assert_eq!(labels[LABEL_GRANTS], "docker_socket");
        assert_eq!(granted(&labels), [Privilege::DockerSocket]);
        assert!(granted(&HashMap::new()).is_empty());
    }
}
