//! `myca agents | spawn | task | gaps | hosts`: a running orchestrator's
//! HTTP API from the command line.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use myca_orchestrator::api::resolve_api_key;
use myca_orchestrator::secrets::SecretStore;
use serde_json::{json, Value};

#[derive(Args)]
pub struct Connection {
    /// The orchestrator's HTTP API.
    #[arg(long, env = "MYCA_URL", default_value = "http://127.0.0.1:8001")]
    url: String,
    /// The API key; default the one `myca serve` keeps in the OS keyring.
    #[arg(long, env = "MAS_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// List agents with their status.
    Agents {
        #[command(flatten)]
        connection: Connection,
    },
    /// Spawn an agent (an existing id is returned as it is).
    Spawn {
        #[command(flatten)]
        connection: Connection,
        agent_id: String,
        #[arg(long = "type")]
        agent_type: String,
        #[arg(long, default_value = "core")]
        category: String,
        #[arg(long, default_value_t = 512)]
        memory_limit: u32,
        /// A variable for the agent's container, NAME=VALUE (repeatable). A
        /// secret-named one goes to the OS keyring instead, as a credential.
        #[arg(long = "env", value_name = "NAME=VALUE", value_parser = parse_variable)]
        environment: Vec<(String, String)>,
        /// A credential from the OS keyring the agent needs (repeatable).
        #[arg(long = "credential", value_name = "NAME")]
        credentials: Vec<String>,
        /// The fleet host to run on; default: the least loaded host that is up.
        #[arg(long)]
        host: Option<String>,
    },
    /// Submit a task to an agent and wait for its result; `myca task cancel
    /// TASK_ID` cancels one.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Task {
        #[command(flatten)]
        connection: Connection,
        #[command(subcommand)]
        action: Option<TaskAction>,
        #[arg(required = true)]
        agent_id: Option<String>,
        #[arg(required = true)]
        task_type: Option<String>,
        /// JSON payload.
        #[arg(long, default_value = "{}")]
        payload: String,
        #[arg(long, default_value_t = 60)]
        wait_seconds: u64,
    },
    /// List missing required agents.
    Gaps {
        #[command(flatten)]
        connection: Connection,
    },
    /// List the fleet's hosts with their state.
    Hosts {
        #[command(flatten)]
        connection: Connection,
    },
}

#[derive(Subcommand)]
pub enum TaskAction {
    /// Cancel a queued or running task (an error once it has settled).
    Cancel {
        #[command(flatten)]
        connection: Connection,
        task_id: String,
    },
}

impl ClientCommand {
    fn connection(&self) -> &Connection {
        match self {
            ClientCommand::Task {
                action: Some(TaskAction::Cancel { connection, .. }),
                ..
            }
            | ClientCommand::Agents { connection }
            | ClientCommand::Spawn { connection, .. }
            | ClientCommand::Task { connection, .. }
            | ClientCommand::Gaps { connection }
            | ClientCommand::Hosts { connection } => connection,
        }
    }
}

fn parse_variable(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

struct Client {
    http: reqwest::Client,
    url: String,
    key: String,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.url.trim_end_matches('/')))
            .header("X-API-Key", &self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach the orchestrator at {}", self.url))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!(
                "{status}: {}",
                body["detail"].as_str().unwrap_or("no detail")
            );
        }
        Ok(body)
    }
}

pub async fn run(command: ClientCommand) -> anyhow::Result<()> {
    let connection = command.connection();
    let key = resolve_api_key(connection.api_key.clone(), &SecretStore::default())
        .await
        .context("no API key: give --api-key or MAS_API_KEY")?;
    let client = Client {
        http: myca_agents::integration::http_client_builder()
            .context("TLS for the HTTP client")?
            .build()
            .context("an HTTP client")?,
        url: connection.url.clone(),
        key,
    };
    match command {
        ClientCommand::Agents { .. } => {
            let body = client.call(reqwest::Method::GET, "/agents", None).await?;
            for agent in body["agents"].as_array().into_iter().flatten() {
                println!(
                    "{:<32} {:<16} {:<16} {:<10} {:<8} tasks {}",
                    agent["agent_id"].as_str().unwrap_or_default(),
                    agent["agent_type"].as_str().unwrap_or_default(),
                    agent["host"].as_str().unwrap_or_default(),
                    agent["status"].as_str().unwrap_or_default(),
                    agent["container_state"].as_str().unwrap_or_default(),
                    agent["tasks_completed"]
                );
            }
        }
        ClientCommand::Spawn {
            agent_id,
            agent_type,
            category,
            memory_limit,
            environment,
            credentials,
            host,
            ..
        } => {
            let environment: serde_json::Map<String, Value> = environment
                .into_iter()
                .map(|(name, value)| (name, Value::String(value)))
                .collect();
            let body = json!({"agent_id": agent_id, "agent_type": agent_type, "category": category,
                "memory_limit": memory_limit, "environment": environment, "credentials": credentials,
                "host": host});
            let agent = client
                .call(reqwest::Method::POST, "/agents/spawn", Some(body))
                .await?;
            println!(
                "{} {} on {}",
                agent["agent_id"].as_str().unwrap_or_default(),
                agent["status"].as_str().unwrap_or_default(),
                agent["host"].as_str().unwrap_or_default()
            );
        }
        ClientCommand::Task {
            action: Some(TaskAction::Cancel { task_id, .. }),
            ..
        } => {
            let task = client
                .call(
                    reqwest::Method::POST,
                    &format!("/tasks/{task_id}/cancel"),
                    None,
                )
                .await?;
            println!(
                "{} {}",
                task["id"].as_str().unwrap_or_default(),
                task["status"].as_str().unwrap_or_default()
            );
        }
        ClientCommand::Task {
            agent_id: Some(agent_id),
            task_type: Some(task_type),
            payload,
            wait_seconds,
            ..
        } => {
            let payload: Value = serde_json::from_str(&payload).context("--payload is not JSON")?;
            let body = json!({"agent_id": agent_id, "task_type": task_type, "payload": payload});
            let submitted = client
                .call(reqwest::Method::POST, "/tasks", Some(body))
                .await?;
            let id = submitted["task_id"].as_str().unwrap_or_default().to_owned();
            let deadline = Instant::now() + Duration::from_secs(wait_seconds);
            loop {
                let task = client
                    .call(reqwest::Method::GET, &format!("/tasks/{id}"), None)
                    .await?;
                match task["status"].as_str().unwrap_or_default() {
                    "completed" => {
                        println!("{}", task["result"]);
                        return Ok(());
                    }
                    "dead_lettered" => bail!(
                        "task {id} failed: {}",
                        task["error"].as_str().unwrap_or_default()
                    ),
                    "cancelled" => bail!("task {id} was cancelled"),
                    _ if Instant::now() > deadline => {
                        bail!("task {id} not done after {wait_seconds} s")
                    }
                    _ => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        }
        ClientCommand::Task { .. } => bail!("give AGENT_ID and TASK_TYPE, or `cancel TASK_ID`"),
        ClientCommand::Gaps { .. } => {
            let body = client.call(reqwest::Method::GET, "/gaps", None).await?;
            for gap in body["gaps"].as_array().into_iter().flatten() {
                println!(
                    "{:<9} {:<24} {:<16} {}",
                    gap["severity"].as_str().unwrap_or_default(),
                    gap["agent_id"].as_str().unwrap_or_default(),
                    gap["category"].as_str().unwrap_or_default(),
                    gap["reason"].as_str().unwrap_or_default()
                );
            }
        }
        ClientCommand::Hosts { .. } => {
            let body = client.call(reqwest::Method::GET, "/hosts", None).await?;
            for host in body["hosts"].as_array().into_iter().flatten() {
                let why = host["reason"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| {
                        host["presented"]
                            .as_str()
                            .map(|key| format!("presents {key}"))
                    })
                    .unwrap_or_default();
                println!(
                    "{:<20} {:<12} {:<40} agents {:<4} {}",
                    host["name"].as_str().unwrap_or_default(),
                    host["state"].as_str().unwrap_or_default(),
                    host["address"].as_str().unwrap_or_default(),
                    host["running_agents"],
                    why
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Harness {
        #[command(subcommand)]
        command: ClientCommand,
    }

    fn parse(args: &[&str]) -> Result<ClientCommand, clap::Error> {
        Harness::try_parse_from(std::iter::once("myca").chain(args.iter().copied()))
            .map(|harness| harness.command)
    }

    #[test]
    fn task_submits_or_cancels() {
        let Ok(ClientCommand::Task {
            action: None,
            agent_id: Some(agent_id),
            task_type: Some(task_type),
            ..
        }) = parse(&["task", "a1", "echo", "--payload", "{}"])
        else {
            panic!("task AGENT_ID TASK_TYPE submits");
        };
        assert_eq!((agent_id.as_str(), task_type.as_str()), ("a1", "echo"));
        let Ok(ClientCommand::Task {
            action:
                Some(TaskAction::Cancel {
                    task_id,
                    connection,
                }),
            ..
        }) = parse(&["task", "cancel", "8d6f3c1e", "--url", "http://127.0.0.1:9"])
        else {
            panic!("task cancel TASK_ID cancels");
        };
        assert_eq!(task_id, "8d6f3c1e");
        assert_eq!(connection.url, "http://127.0.0.1:9");
        assert!(parse(&["task", "a1"]).is_err(), "a task type is required");
        assert!(parse(&["task", "cancel"]).is_err(), "a task id is required");
    }
}
