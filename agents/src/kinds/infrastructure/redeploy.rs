//! Recreating a container on another image, keeping what the operator
//! configured (what its old image only defaulted is left to the new image),
//! and putting the old container back when the new one does not come up.
//! The image it replaced is labelled on the new container, so a rollback
//! knows where to go.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::docker_engine::{bare_name, container_ref, image_ref, Engine};

/// The image a redeploy replaced, on the container it made.
pub const LABEL_PREVIOUS_IMAGE: &str = "mas.previous_image";
/// How long a container without a health check must stay up to count as started.
const SETTLE: Duration = Duration::from_secs(2);
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Container settings an image provides when the container does not set them.
const IMAGE_DEFAULTS: [&str; 8] = [
    "Entrypoint",
    "Cmd",
    "WorkingDir",
    "User",
    "Healthcheck",
    "StopSignal",
    "ExposedPorts",
    "Volumes",
];

pub struct Redeploy<'a> {
    pub container: &'a str,
    pub image: &'a str,
    pub wait: Duration,
    pub stop_seconds: u64,
}

/// The create body of `inspected` on `image`: its own settings kept, what
/// the old image defaulted dropped, `previous` recorded.
fn create_body(inspected: &Value, old_image: &Value, image: &str, previous: &str) -> Value {
    let mut config = inspected["Config"].as_object().cloned().unwrap_or_default();
    let defaults = &old_image["Config"];
    for key in IMAGE_DEFAULTS {
        if config.get(key) == defaults.get(key) {
            config.remove(key);
        }
    }
    let image_env: Vec<&Value> = defaults["Env"].as_array().into_iter().flatten().collect();
    if let Some(Value::Array(env)) = config.get_mut("Env") {
        env.retain(|variable| !image_env.contains(&variable));
    }
    let mut labels: Map<String, Value> = config
        .get("Labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    labels.retain(|name, value| defaults["Labels"].get(name) != Some(value));
    labels.insert(LABEL_PREVIOUS_IMAGE.to_owned(), json!(previous));
    config.insert("Labels".to_owned(), Value::Object(labels));
    // The engine named it after the old container's id.
    let id = inspected["Id"].as_str().unwrap_or_default();
    if config
        .get("Hostname")
        .and_then(Value::as_str)
        .is_some_and(|hostname| id.starts_with(hostname))
    {
        config.remove("Hostname");
    }
    config.insert("Image".to_owned(), json!(image));
    let mut body = Value::Object(config);
    body["HostConfig"] = inspected["HostConfig"].clone();
    if let Some((network, endpoint)) = main_network(inspected) {
        body["NetworkingConfig"] = json!({"EndpointsConfig": {network: endpoint}});
    }
    body
}

/// The network the container's network mode names, with its aliases (an
/// engine before API 1.44 takes one network at create; others are
/// connected after).
fn main_network(inspected: &Value) -> Option<(String, Value)> {
    let mode = inspected["HostConfig"]["NetworkMode"]
        .as_str()
        .unwrap_or("default");
    let name = if mode == "default" { "bridge" } else { mode };
    let endpoint = inspected["NetworkSettings"]["Networks"].get(name)?;
    Some((name.to_owned(), endpoint_config(inspected, endpoint)))
}

fn endpoint_config(inspected: &Value, endpoint: &Value) -> Value {
    let id = inspected["Id"].as_str().unwrap_or_default();
    let aliases: Vec<&Value> = endpoint["Aliases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|alias| !alias.as_str().is_some_and(|a| id.starts_with(a)))
        .collect();
    json!({"Aliases": aliases, "IPAMConfig": endpoint["IPAMConfig"], "Links": endpoint["Links"]})
}

/// Waits until `container` runs (healthy, when it has a health check, or
/// up for [`SETTLE`] otherwise); why not, when it does not.
async fn started(engine: &Engine, container: &str, wait: Duration) -> Result<Value, String> {
    let deadline = Instant::now() + wait;
    let mut up_since: Option<Instant> = None;
    loop {
        let state = engine.inspect(container).await?["State"].clone();
        match (state["Status"].as_str(), state["Health"]["Status"].as_str()) {
            (Some("exited" | "dead"), _) => {
                let error = state["Error"].as_str().filter(|e| !e.is_empty());
                return Err(format!(
                    "it exited with code {}{}",
                    state["ExitCode"],
                    error.map(|e| format!(" ({e})")).unwrap_or_default()
                ));
            }
            (Some("running"), Some("healthy")) => return Ok(state),
            (Some("running"), Some("unhealthy")) => {
                return Err("its health check failed".to_owned())
            }
            (Some("running"), None) => {
                let since = *up_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= SETTLE {
                    return Ok(state);
                }
            }
            _ => up_since = None,
        }
        if Instant::now() >= deadline {
            return Err(format!("it was not running after {} s", wait.as_secs()));
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// Creates and starts the replacement `name` from `body`, with the other networks.
async fn replace(
    engine: &Engine,
    name: &str,
    body: &Value,
    inspected: &Value,
    wait: Duration,
) -> Result<Value, String> {
    engine
        .call(
            Method::POST,
            "/containers/create",
            &[("name", name.to_owned())],
            Some(body),
        )
        .await
        .map_err(|e| format!("it could not be created: {e}"))?;
    let main = main_network(inspected).map(|(network, _)| network);
    for (network, endpoint) in inspected["NetworkSettings"]["Networks"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(network, _)| Some(*network) != main.as_ref())
    {
        let connect =
            json!({"Container": name, "EndpointConfig": endpoint_config(inspected, endpoint)});
        engine
            .call(
                Method::POST,
                &format!("/networks/{}/connect", container_ref(network)?),
                &[],
                Some(&connect),
            )
            .await
            .map_err(|e| format!("it could not join network {network}: {e}"))?;
    }
    engine.act(name, "start", 0).await?;
    started(engine, name, wait).await
}

async fn rename(engine: &Engine, from: &str, to: &str) -> Result<(), String> {
    engine
        .call(
            Method::POST,
            &format!("/containers/{}/rename", container_ref(from)?),
            &[("name", to.to_owned())],
            None,
        )
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Recreates the container on the new image; on failure the old container
/// is back under its name (and running if it was) and the error says why.
pub async fn redeploy(engine: &Engine, plan: Redeploy<'_>) -> Result<Value, String> {
    let image = image_ref(plan.image)?;
    let inspected = engine.inspect(plan.container).await?;
    let name = bare_name(&inspected["Name"]);
    let previous = inspected["Config"]["Image"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if engine.image(image).await?.is_none() {
        return Err(format!(
            "the engine has no image {image}: pull or load it first"
        ));
    }
    let old_image = engine
        .image(inspected["Image"].as_str().unwrap_or_default())
        .await?
        .unwrap_or(Value::Null);
    let body = create_body(&inspected, &old_image, image, &previous);
    let was_running = inspected["State"]["Running"] == true;
    let backup = format!("{name}-myca-previous");
    engine.act(&name, "stop", plan.stop_seconds).await?;
    rename(engine, &name, &backup).await?;
    match replace(engine, &name, &body, &inspected, plan.wait).await {
        Ok(state) => {
            engine.remove(&backup).await?;
            Ok(
                json!({"container": name, "image": image, "previous_image": previous,
                      "state": state["Status"], "health": state["Health"]["Status"]}),
            )
        }
        Err(reason) => {
            // Whatever the new container got to, the old one takes its name back.
            let _ = engine.remove(&name).await;
            rename(engine, &backup, &name).await?;
            let restored = if was_running {
                engine.act(&name, "start", 0).await?;
                started(engine, &name, plan.wait)
                    .await
                    .map(|_| "running".to_owned())
                    .unwrap_or_else(|why| format!("not running: {why}"))
            } else {
                "stopped, as it was".to_owned()
            };
            Err(format!(
                "{name} did not start on {image}: {reason}; rolled back to {previous} ({restored})"
            ))
        }
    }
}

/// The image the last redeploy of `container` replaced.
pub async fn previous_image(engine: &Engine, container: &str) -> Result<String, String> {
    let inspected = engine.inspect(container).await?;
    inspected["Config"]["Labels"][LABEL_PREVIOUS_IMAGE]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| {
            format!("{container} was not redeployed by an agent: name the image to roll back to")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_container_keeps_its_own_settings_and_takes_the_new_images_defaults() {
        let inspected = json!({
            "Id": "0123456789abcdef", "Name": "/web",
            "Config": {"Hostname": "0123456789ab", "Image": "app:v1", "Entrypoint": ["/app"],
                       "Cmd": ["--port", "80"], "Env": ["PATH=/bin", "MODE=prod"],
                       "Labels": {"com.docker.compose.project": "shop", "org.version": "1"}},
            "HostConfig": {"NetworkMode": "default", "Tmpfs": {"/tmp": ""}},
            "NetworkSettings": {"Networks": {"bridge": {"Aliases": null}, "backend": {"Aliases": ["web", "0123456789ab"]}}}
        });
        let old_image = json!({"Config": {"Entrypoint": ["/app"], "Cmd": ["--port", "8080"],
                                          "Env": ["PATH=/bin"], "Labels": {"org.version": "1"}}});
        let body = create_body(&inspected, &old_image, "app:v2", "app:v1");
        assert_eq!(body["Image"], "app:v2");
        assert!(body.get("Entrypoint").is_none(), "the image's own");
        assert_eq!(body["Cmd"], json!(["--port", "80"]), "the operator's");
        assert_eq!(body["Env"], json!(["MODE=prod"]));
        assert!(body.get("Hostname").is_none());
        assert_eq!(
            body["Labels"],
            json!({"com.docker.compose.project": "shop", LABEL_PREVIOUS_IMAGE: "app:v1"})
        );
        assert_eq!(body["HostConfig"]["Tmpfs"], json!({"/tmp": ""}));
        assert_eq!(
            body["NetworkingConfig"]["EndpointsConfig"]["bridge"]["Aliases"],
            json!([])
        );
        let backend = endpoint_config(
            &inspected,
            &inspected["NetworkSettings"]["Networks"]["backend"],
        );
        assert_eq!(backend["Aliases"], json!(["web"]));
    }
}
