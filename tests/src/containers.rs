//! Containers a test created, removed even when an assertion fails.

use bollard::query_parameters::RemoveContainerOptionsBuilder;
use bollard::Docker;

use crate::cleanup::run_to_completion;

pub struct ContainerGuard {
    docker: Docker,
    names: Vec<String>,
}

impl ContainerGuard {
    pub fn new(docker: &Docker) -> Self {
        Self {
            docker: docker.clone(),
            names: Vec::new(),
        }
    }

    pub fn watch(&mut self, name: impl Into<String>) {
        self.names.push(name.into());
    }
}

impl Drop for ContainerGuard {
    fn drop(&mut self) {
        let docker = self.docker.clone();
        let names = std::mem::take(&mut self.names);
        run_to_completion(async move {
            for name in names {
                let options = RemoveContainerOptionsBuilder::new().force(true).build();
                let _ = docker.remove_container(&name, Some(options)).await;
            }
        });
    }
}
