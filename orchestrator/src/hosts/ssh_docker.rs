//! bollard over russh: every Docker request is a `direct-streamlocal`
//! channel to the remote docker.sock, and every forwarded connection (the
//! pool's broker) a `direct-tcpip` channel, all multiplexed over one SSH
//! connection per host, re-established with backoff when the link drops.
//! No docker CLI is needed on the remote host.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bollard::{BollardRequest, Docker};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use super::HostError;
use crate::ssh::{SshError, SshSession, SshTarget};

/// Seconds bollard waits for one request.
const REQUEST_TIMEOUT_SECS: u64 = 120;
/// A dead TCP link can leave a channel open waiting forever: bound it.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
const RECONNECT_DELAYS: [Duration; 4] = [
    Duration::from_millis(0),
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(3),
];

type Stream = russh::ChannelStream<russh::client::Msg>;

/// What a channel leads to on the remote host.
#[derive(Clone)]
enum Destination {
    UnixSocket(String),
    Tcp(String, u16),
}

pub struct SshLink {
    target: SshTarget,
    pinned: String,
    session: Mutex<Option<Arc<SshSession>>>,
}

impl SshLink {
    async fn session(&self) -> Result<Arc<SshSession>, SshError> {
        let mut slot = self.session.lock().await;
        if let Some(session) = slot.as_ref().filter(|s| !s.is_closed()) {
            return Ok(session.clone());
        }
        let session = Arc::new(SshSession::connect(&self.target, &self.pinned).await?);
        *slot = Some(session.clone());
        Ok(session)
    }

    async fn open(&self, destination: &Destination) -> Result<Stream, SshError> {
        let mut last_error = None;
        for delay in RECONNECT_DELAYS {
            tokio::time::sleep(delay).await;
            let session = match self.session().await {
                Ok(session) => session,
                // A changed host key will not fix itself: stop at once.
                Err(error @ SshError::HostKeyMismatch { .. }) => return Err(error),
                Err(error) => {
                    last_error = Some(error);
                    continue;
                }
            };
            let opening = async {
                match destination {
                    Destination::UnixSocket(path) => session.open_unix_socket(path).await,
                    Destination::Tcp(host, port) => session.open_tcp(host, *port).await,
                }
            };
            let opened = tokio::time::timeout(OPEN_TIMEOUT, opening)
                .await
                .unwrap_or_else(|_| {
                    Err(SshError::Connect {
                        address: self.address(),
                        reason: format!("no channel within {} s", OPEN_TIMEOUT.as_secs()),
                    })
                });
            match opened {
                Ok(stream) => return Ok(stream),
                Err(error) => {
                    tracing::warn!(host = %self.target.host, %error, "SSH link lost; reconnecting");
                    self.session.lock().await.take();
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| SshError::Connect {
            address: self.address(),
            reason: "no attempt made".to_owned(),
        }))
    }

    /// Runs `command` on the SSH host.
    pub async fn exec(&self, command: &str) -> Result<crate::ssh::ExecOutput, SshError> {
        self.session().await?.exec(command).await
    }

    fn address(&self) -> String {
        format!("{}:{}", self.target.host, self.target.port)
    }

    /// Listens on a loopback port and carries each connection to `host:port`
    /// as seen from the SSH host, so a service there is reached without
    /// being exposed on any network. Stops when the returned task is aborted.
    pub async fn forward_tcp(
        self: &Arc<Self>,
        host: &str,
        port: u16,
    ) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), std::io::Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let local = listener.local_addr()?;
        let link = self.clone();
        let destination = Destination::Tcp(host.to_owned(), port);
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let link = link.clone();
                let destination = destination.clone();
                tokio::spawn(async move {
                    match link.open(&destination).await {
                        Ok(mut remote) => {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut remote).await;
                        }
                        Err(error) => tracing::warn!(%error, "forwarded connection refused"),
                    }
                });
            }
        });
        Ok((local, task))
    }
}

/// HTTP/1.1 over a raw stream needs what a connection pool would add: an
/// origin-form target and a Host header (the engine rejects requests
/// without one, and bollard's is empty for a custom transport).
fn prepare(mut request: BollardRequest) -> BollardRequest {
    if let Some(target) = request.uri().path_and_query().cloned() {
        *request.uri_mut() = hyper::Uri::from(target);
    }
    request.headers_mut().insert(
        hyper::header::HOST,
        hyper::header::HeaderValue::from_static("docker"),
    );
    request
}

async fn send(
    link: Arc<SshLink>,
    socket: Destination,
    request: BollardRequest,
) -> Result<hyper::Response<hyper::body::Incoming>, bollard::errors::Error> {
    let request = prepare(request);
    let stream = link
        .open(&socket)
        .await
        .map_err(|error| std::io::Error::other(error.to_string()))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(bollard::errors::Error::from)?;
    tokio::spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::debug!(%error, "SSH-tunnelled Docker connection closed");
        }
    });
    Ok(sender.send_request(request).await?)
}

/// A Docker client for the engine behind `socket` on the SSH host, and the
/// link it rides on; the first connection happens now so a wrong key or pin
/// is reported at once.
pub async fn connect_over_ssh(
    target: SshTarget,
    pinned: String,
    socket: String,
) -> Result<(Docker, Arc<SshLink>), HostError> {
    let session = SshSession::connect(&target, &pinned).await?;
    let client_addr = format!("ssh://{}", target.host);
    let link = Arc::new(SshLink {
        target,
        pinned,
        session: Mutex::new(Some(Arc::new(session))),
    });
    let transport_link = link.clone();
    let destination = Destination::UnixSocket(socket);
    let docker = Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            Box::pin(send(transport_link.clone(), destination.clone(), request))
        },
        Some(client_addr),
        REQUEST_TIMEOUT_SECS,
        bollard::API_DEFAULT_VERSION,
    )?;
    Ok((docker.negotiate_version().await?, link))
}
