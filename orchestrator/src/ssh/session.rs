use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use russh::client::{self, Handle};
use russh::keys::PrivateKeyWithHashAlg;
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelMsg, Disconnect};

use super::host_key::fingerprint;
use super::SshError;

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct SshTarget {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub auth: SshAuth,
}

/// How the client proves who it is. Key material is never logged, stored in
/// plain text by us, or put in an error message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SshAuth {
    /// An unencrypted private key file.
    KeyFile { path: PathBuf },
    /// A private key held in the OS keyring under this secret name.
    Keyring { secret: String },
    /// Keys offered by an ssh-agent (SSH_AUTH_SOCK when no socket is given).
    Agent { socket: Option<PathBuf> },
}

impl SshAuth {
    fn describe(&self) -> String {
        match self {
            SshAuth::KeyFile { path } => path.display().to_string(),
            SshAuth::Keyring { secret } => format!("keyring secret {secret:?}"),
            SshAuth::Agent { socket } => match socket {
                Some(socket) => format!("ssh-agent at {}", socket.display()),
                None => "ssh-agent (SSH_AUTH_SOCK)".to_owned(),
            },
        }
    }
}

impl SshTarget {
    fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOutput {
    pub exit_status: Option<u32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Accepts exactly the pinned key and remembers what the server presented,
/// so a refusal can say which key it was.
struct PinnedKey {
    pinned: Option<String>,
    presented: Arc<Mutex<Option<String>>>,
}

impl client::Handler for PinnedKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(certificate) => {
                russh::keys::PublicKey::from(certificate.public_key().clone())
            }
        };
        let presented = fingerprint(&key);
        let accepted = self.pinned.as_deref() == Some(presented.as_str());
        if let Ok(mut slot) = self.presented.lock() {
            *slot = Some(presented);
        }
        Ok(accepted)
    }
}

/// Runs the key exchange only; the refusal is expected and the result is the
/// fingerprint for the operator to confirm before anything is sent.
pub async fn discover_host_fingerprint(host: &str, port: u16) -> Result<String, SshError> {
    let address = format!("{host}:{port}");
    let presented = Arc::new(Mutex::new(None));
    let handler = PinnedKey {
        pinned: None,
        presented: presented.clone(),
    };
    let outcome = client::connect(Arc::new(client::Config::default()), (host, port), handler).await;
    let seen = presented.lock().ok().and_then(|slot| slot.clone());
    match (outcome, seen) {
        (_, Some(fingerprint)) => Ok(fingerprint),
        (Err(error), None) => Err(SshError::Connect {
            address,
            reason: error.to_string(),
        }),
        (Ok(_), None) => Err(SshError::Connect {
            address,
            reason: "the server presented no host key".to_owned(),
        }),
    }
}

/// Offers the target's key(s); true when the server accepted one.
async fn authenticate(
    handle: &mut Handle<PinnedKey>,
    target: &SshTarget,
) -> Result<bool, SshError> {
    let unusable = |reason: String| SshError::PrivateKey {
        path: target.auth.describe(),
        reason,
    };
    let key = match &target.auth {
        SshAuth::KeyFile { path } => {
            russh::keys::load_secret_key(path, None).map_err(|error| unusable(error.to_string()))?
        }
        SshAuth::Keyring { secret } => {
            let text = crate::secrets::SecretStore::default()
                .get(secret)
                .await
                .map_err(|error| unusable(error.to_string()))?
                .ok_or_else(|| unusable("no such secret in the OS keyring".to_owned()))?;
            russh::keys::decode_secret_key(&text, None)
                .map_err(|error| unusable(error.to_string()))?
        }
        SshAuth::Agent { socket } => {
            return authenticate_with_agent(handle, target, socket.as_deref(), unusable).await
        }
    };
    let hash_alg = handle.best_supported_rsa_hash().await?.flatten();
    let result = handle
        .authenticate_publickey(
            target.user.clone(),
            PrivateKeyWithHashAlg::new(Arc::new(key), hash_alg),
        )
        .await?;
    Ok(result.success())
}

async fn authenticate_with_agent(
    handle: &mut Handle<PinnedKey>,
    target: &SshTarget,
    socket: Option<&std::path::Path>,
    unusable: impl Fn(String) -> SshError,
) -> Result<bool, SshError> {
    let connected = match socket {
        Some(socket) => russh::keys::agent::client::AgentClient::connect_uds(socket).await,
        None => russh::keys::agent::client::AgentClient::connect_env().await,
    };
    let mut agent = connected.map_err(|error| unusable(error.to_string()))?;
    let identities = agent
        .request_identities()
        .await
        .map_err(|error| unusable(error.to_string()))?;
    let hash_alg = handle.best_supported_rsa_hash().await?.flatten();
    for identity in identities {
        let russh::keys::agent::AgentIdentity::PublicKey { key, .. } = identity else {
            continue;
        };
        let result = handle
            .authenticate_publickey_with(target.user.clone(), key, hash_alg, &mut agent)
            .await
            .map_err(|error| unusable(error.to_string()))?;
        if result.success() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An authenticated SSH connection to a host whose key matched the pin.
pub struct SshSession {
    handle: Handle<PinnedKey>,
}

impl SshSession {
    pub async fn connect(target: &SshTarget, pinned_fingerprint: &str) -> Result<Self, SshError> {
        let address = target.address();
        let presented = Arc::new(Mutex::new(None));
        let handler = PinnedKey {
            pinned: Some(pinned_fingerprint.to_owned()),
            presented: presented.clone(),
        };
        let config = Arc::new(client::Config::default());
        let connected = client::connect(config, (target.host.as_str(), target.port), handler).await;
        let mut handle = match connected {
            Ok(handle) => handle,
            Err(error) => {
                let seen = presented.lock().ok().and_then(|slot| slot.clone());
                return Err(match seen {
                    Some(presented) if presented != pinned_fingerprint => {
                        SshError::HostKeyMismatch {
                            address,
                            pinned: pinned_fingerprint.to_owned(),
                            presented,
                        }
                    }
                    _ => SshError::Connect {
                        address,
                        reason: error.to_string(),
                    },
                });
            }
        };
        if !authenticate(&mut handle, target).await? {
            return Err(SshError::AuthRejected {
                user: target.user.clone(),
                address,
                key_path: target.auth.describe(),
            });
        }
        Ok(Self { handle })
    }

    /// Runs a command on the host and collects its output and exit status.
    pub async fn exec(&self, command: &str) -> Result<ExecOutput, SshError> {
        let mut channel = self.handle.channel_open_session().await?;
        channel.exec(true, command).await?;
        let mut output = ExecOutput {
            exit_status: None,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        while let Some(message) = channel.wait().await {
            match message {
                ChannelMsg::Data { data } => output.stdout.extend_from_slice(&data),
                ChannelMsg::ExtendedData { data, .. } => output.stderr.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => output.exit_status = Some(exit_status),
                _ => {}
            }
        }
        Ok(output)
    }

    /// A byte stream to a unix socket on the host (`direct-streamlocal`),
    /// multiplexed over this one SSH connection.
    pub async fn open_unix_socket(
        &self,
        path: &str,
    ) -> Result<russh::ChannelStream<client::Msg>, SshError> {
        let channel = self.handle.channel_open_direct_streamlocal(path).await?;
        Ok(channel.into_stream())
    }

    /// A byte stream to `host:port` as seen from the SSH host (`direct-tcpip`).
    pub async fn open_tcp(
        &self,
        host: &str,
        port: u16,
    ) -> Result<russh::ChannelStream<client::Msg>, SshError> {
        let channel = self
            .handle
            .channel_open_direct_tcpip(host, u32::from(port), "127.0.0.1", 0)
            .await?;
        Ok(channel.into_stream())
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    pub async fn close(self) -> Result<(), SshError> {
        self.handle
            .disconnect(Disconnect::ByApplication, "closing", "en")
            .await?;
        Ok(())
    }
}
