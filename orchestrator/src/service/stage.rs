//! The stages a starting service goes through, in order.

/// One stage of [`super::FleetService::start_reporting`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartStage {
    Store,
    DockerHost,
    Broker,
    AgentImage,
    FleetServices,
}

impl StartStage {
    pub const ALL: [StartStage; 5] = [
        StartStage::Store,
        StartStage::DockerHost,
        StartStage::Broker,
        StartStage::AgentImage,
        StartStage::FleetServices,
    ];

    pub fn label(self) -> &'static str {
        match self {
            StartStage::Store => "SQL store",
            StartStage::DockerHost => "Docker engine",
            StartStage::Broker => "Redis broker",
            StartStage::AgentImage => "Agent image",
            StartStage::FleetServices => "Fleet services",
        }
    }

    /// What an operator can do when this stage fails.
    pub fn hint(self) -> &'static str {
        match self {
            StartStage::Store => {
                "Check MYCA_DATABASE_URL (or the free space of the app's data directory); \
                 a PostgreSQL server must be reachable and accept the login."
            }
            StartStage::DockerHost => {
                "Start Docker Engine (`sudo systemctl start docker`) and make sure this user \
                 may use /var/run/docker.sock (the `docker` group), or set DOCKER_HOST."
            }
            StartStage::Broker => {
                "The managed broker is built from this machine's redis-server: install the \
                 Debian package redis-server, or set MYCA_REDIS_URL to a Redis you run."
            }
            StartStage::AgentImage => {
                "The agent image is built from the static myca-agent binary: install it beside \
                 the app or set MYCA_AGENT_BINARY to its path."
            }
            StartStage::FleetServices => "See the app's log (MYCA_LOG=debug) for the cause.",
        }
    }
}
