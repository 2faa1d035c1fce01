//! `docker run -d` arguments read off a container create body, so a CLI
//! baseline runs the very container the pool creates: every setting the
//! body holds becomes a flag, and a setting without a flag here is an error
//! rather than a silently lighter container.

use bollard::models::{ContainerCreateBody, ContainerInspectResponse};
use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum RunArgsError {
    #[error(
        "no `docker run` flag is known here for the container setting {0}; without one the \
         CLI would run a different container"
    )]
    Untranslated(String),
    #[error("the container setting {field} is not {expected}")]
    Shape {
        field: String,
        expected: &'static str,
    },
}

/// The settings of one JSON object of the body, taken one by one; what is
/// left untaken at the end has no flag.
struct Settings {
    path: &'static str,
    map: Map<String, Value>,
}

impl Settings {
    fn of(path: &'static str, value: Value) -> Result<Self, RunArgsError> {
        match value {
            Value::Object(map) => Ok(Self { path, map }),
            _ => Err(shape(path, "", "an object")),
        }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|value| !value.is_null())
    }

    fn string(&mut self, key: &str) -> Result<Option<String>, RunArgsError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(shape(self.path, key, "a string")),
        }
    }

    fn strings(&mut self, key: &str) -> Result<Vec<String>, RunArgsError> {
        let Some(value) = self.take(key) else {
            return Ok(Vec::new());
        };
        let items = match value {
            Value::Array(items) => items,
            _ => return Err(shape(self.path, key, "a list of strings")),
        };
        items
            .into_iter()
            .map(|item| match item {
                Value::String(text) => Ok(text),
                _ => Err(shape(self.path, key, "a list of strings")),
            })
            .collect()
    }

    /// An object of string values, sorted by key.
    fn string_map(&mut self, key: &str) -> Result<Vec<(String, String)>, RunArgsError> {
        let Some(value) = self.take(key) else {
            return Ok(Vec::new());
        };
        let mut pairs = Vec::new();
        for (name, value) in Settings::of(self.path, value)?.map {
            match value {
                Value::String(text) => pairs.push((name, text)),
                _ => return Err(shape(self.path, key, "an object of strings")),
            }
        }
        pairs.sort();
        Ok(pairs)
    }

    fn integer(&mut self, key: &str) -> Result<Option<i64>, RunArgsError> {
        match self.take(key) {
            None => Ok(None),
            Some(value) => value
                .as_i64()
                .map(Some)
                .ok_or_else(|| shape(self.path, key, "an integer")),
        }
    }

    fn flag(&mut self, key: &str) -> Result<bool, RunArgsError> {
        match self.take(key) {
            None => Ok(false),
            Some(Value::Bool(on)) => Ok(on),
            Some(_) => Err(shape(self.path, key, "a boolean")),
        }
    }

    /// Fails on the first setting nobody took.
    fn finish(self) -> Result<(), RunArgsError> {
        match self.map.into_iter().find(|(_, value)| !is_empty(value)) {
            Some((key, _)) => Err(RunArgsError::Untranslated(field(self.path, &key))),
            None => Ok(()),
        }
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn field(path: &str, key: &str) -> String {
    match (path.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => path.to_owned(),
        _ => format!("{path}.{key}"),
    }
}

fn shape(path: &str, key: &str, expected: &'static str) -> RunArgsError {
    RunArgsError::Shape {
        field: field(path, key),
        expected,
    }
}

/// `docker run -d --name NAME …flags… IMAGE` for the container `body` describes.
pub fn docker_run_args(
    name: &str,
    body: &ContainerCreateBody,
) -> Result<Vec<String>, RunArgsError> {
    let json = serde_json::to_value(body).map_err(|_| shape("", "body", "serialisable"))?;
    let mut top = Settings::of("", json)?;
    let mut args = Args(["run", "-d", "--name", name].map(str::to_owned).into());
    let image = top
        .string("Image")?
        .ok_or_else(|| shape("", "Image", "set"))?;
    if let Some(hostname) = top.string("Hostname")? {
        args.option("--hostname", hostname);
    }
    if let Some(user) = top.string("User")? {
        args.option("--user", user);
    }
    for variable in top.strings("Env")? {
        args.option("--env", variable);
    }
    for (label, value) in top.string_map("Labels")? {
        args.option("--label", format!("{label}={value}"));
    }
    if let Some(host) = top.take("HostConfig") {
        host_flags(Settings::of("HostConfig", host)?, &mut args)?;
    }
    top.finish()?;
    args.0.push(image);
    Ok(args.0)
}

struct Args(Vec<String>);

impl Args {
    fn option(&mut self, flag: &str, value: String) {
        self.0.extend([flag.to_owned(), value]);
    }

    fn switch(&mut self, flag: &str) {
        self.0.push(flag.to_owned());
    }
}

fn host_flags(mut host: Settings, args: &mut Args) -> Result<(), RunArgsError> {
    if let Some(network) = host.string("NetworkMode")? {
        args.option("--network", network);
    }
    if let Some(nano_cpus) = host.integer("NanoCpus")? {
        args.option("--cpus", (nano_cpus as f64 / 1e9).to_string());
    }
    if let Some(bytes) = host.integer("Memory")? {
        args.option("--memory", format!("{bytes}b"));
    }
    if let Some(pids) = host.integer("PidsLimit")? {
        args.option("--pids-limit", pids.to_string());
    }
    if host.flag("ReadonlyRootfs")? {
        args.switch("--read-only");
    }
    if host.flag("Init")? {
        args.switch("--init");
    }
    for capability in host.strings("CapDrop")? {
        args.option("--cap-drop", capability);
    }
    for capability in host.strings("CapAdd")? {
        args.option("--cap-add", capability);
    }
    for security in host.strings("SecurityOpt")? {
        args.option("--security-opt", security);
    }
    for (path, mount_options) in host.string_map("Tmpfs")? {
        args.option("--tmpfs", format!("{path}:{mount_options}"));
    }
    if let Some(policy) = host.take("RestartPolicy") {
        let mut policy = Settings::of("HostConfig.RestartPolicy", policy)?;
        let name = policy.string("Name")?.unwrap_or_default();
        let retries = policy.integer("MaximumRetryCount")?;
        policy.finish()?;
        args.option(
            "--restart",
            match (name.as_str(), retries) {
                ("", _) => "no".to_owned(),
                ("on-failure", Some(retries)) => format!("on-failure:{retries}"),
                (name, _) => name.to_owned(),
            },
        );
    }
    host.finish()
}

/// Which settings of two containers made from bodies like `body` were
/// compared, and which of them differ.
#[derive(Debug, Default)]
pub struct SettingsComparison {
    pub compared: Vec<String>,
    pub differing: Vec<String>,
}

/// Compares every host setting `body` sets, the user, and the names of the
/// labels and environment variables (their values name each container).
pub fn compare_settings(
    body: &ContainerCreateBody,
    one: &ContainerInspectResponse,
    other: &ContainerInspectResponse,
) -> SettingsComparison {
    let as_json = |value| serde_json::to_value(value).unwrap_or(Value::Null);
    let (one_host, other_host) = (as_json(&one.host_config), as_json(&other.host_config));
    let mut comparison = SettingsComparison::default();
    let mut compare = |name: String, same: bool| {
        if !same {
            comparison.differing.push(name.clone());
        }
        comparison.compared.push(name);
    };
    if let Value::Object(set_by_body) = as_json(&body.host_config) {
        for key in set_by_body.keys() {
            compare(
                format!("HostConfig.{key}"),
                one_host.get(key) == other_host.get(key),
            );
        }
    }
    let (one, other) = (ConfigShape::of(one), ConfigShape::of(other));
    compare("User".to_owned(), one.user == other.user);
    compare("Labels (names)".to_owned(), one.labels == other.labels);
    compare("Env (names)".to_owned(), one.env == other.env);
    comparison
}

/// What two containers of one kind share in their config.
struct ConfigShape {
    user: Option<String>,
    labels: Vec<String>,
    env: Vec<String>,
}

impl ConfigShape {
    fn of(container: &ContainerInspectResponse) -> Self {
        let config = container.config.clone().unwrap_or_default();
        let mut labels: Vec<String> = config.labels.unwrap_or_default().into_keys().collect();
        labels.sort();
        let mut env: Vec<String> = config
            .env
            .unwrap_or_default()
            .into_iter()
            .map(|variable| variable.split('=').next().unwrap_or_default().to_owned())
            .collect();
        env.sort();
        Self {
            user: config.user,
            labels,
            env,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::HostConfig;
    use myca_agents::protocol::{AgentCategory, AgentConfig};
    use myca_orchestrator::pool::{container_body, AgentNetwork};

    fn pool_body() -> ContainerCreateBody {
        let config = AgentConfig::new("cli-1", "test-agent", AgentCategory::Core);
        container_body(
            &config,
            "myca-agent:abc",
            "redis://127.0.0.1:6390/3",
            &AgentNetwork::Host,
            18080,
            None,
        )
    }

    fn value_after<'a>(args: &'a [String], flag: &str) -> Vec<&'a str> {
        args.windows(2)
            .filter(|pair| pair[0] == flag)
            .map(|pair| pair[1].as_str())
            .collect()
    }

    #[test]
    fn every_setting_of_the_pools_body_becomes_a_flag() {
        let args = docker_run_args("mas-agent-cli-1", &pool_body()).expect("translatable");
        assert_eq!(args[..4], ["run", "-d", "--name", "mas-agent-cli-1"]);
        assert_eq!(args.last().map(String::as_str), Some("myca-agent:abc"));
        assert_eq!(value_after(&args, "--user"), ["65534:65534"]);
        assert_eq!(value_after(&args, "--cap-drop"), ["ALL"]);
        assert_eq!(
            value_after(&args, "--security-opt"),
            ["no-new-privileges:true"]
        );
        assert_eq!(
            value_after(&args, "--tmpfs"),
            ["/tmp:rw,noexec,nosuid,size=16m"]
        );
        assert_eq!(value_after(&args, "--network"), ["host"]);
        assert_eq!(value_after(&args, "--pids-limit"), ["256"]);
        assert!(args.contains(&"--read-only".to_owned()));
        assert_eq!(value_after(&args, "--restart").len(), 1);
        assert!(value_after(&args, "--label").contains(&"mas.agent=true"));
        assert!(value_after(&args, "--env").contains(&"AGENT_PORT=18080"));
    }

    #[test]
    fn a_setting_without_a_flag_is_refused_by_name() {
        let mut body = pool_body();
        body.host_config = Some(HostConfig {
            privileged: Some(true),
            ..body.host_config.unwrap_or_default()
        });
        let error = docker_run_args("mas-agent-cli-1", &body).unwrap_err();
        assert!(
            matches!(&error, RunArgsError::Untranslated(name) if name == "HostConfig.Privileged"),
            "{error}"
        );
    }
}
