//! bollard over russh: every Docker request is a `direct-streamlocal`
//! channel to the remote docker.sock, all of them multiplexed over one SSH
//! connection per host, re-established with backoff when the link drops.
//! No docker CLI is needed on the remote host.

use std::sync::Arc;
use std::time::Duration;

use bollard::{BollardRequest, Docker};
use hyper_util::rt::TokioIo;
use tokio::sync::Mutex;

use super::HostError;
use crate::ssh::{SshError, SshSession, SshTarget};

/// Seconds bollard waits for one request.
const REQUEST_TIMEOUT_SECS: u64 = 120;
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
const RECONNECT_DELAYS: [Duration; 4] = [
    Duration::from_millis(0),
    Duration::from_millis(250),
    Duration::from_secs(1),
    Duration::from_secs(3),
];

struct Link {
    target: SshTarget,
    pinned: String,
    socket: String,
    session: Mutex<Option<Arc<SshSession>>>,
}

impl Link {
    /// A stream to the remote socket, reconnecting the SSH session as needed.
    async fn open(&self) -> Result<russh::ChannelStream<russh::client::Msg>, SshError> {
        let mut last_error = None;
        for delay in RECONNECT_DELAYS {
            tokio::time::sleep(delay).await;
            let session = {
                let mut slot = self.session.lock().await;
                match slot.as_ref().filter(|s| !s.is_closed()) {
                    Some(session) => session.clone(),
                    None => match SshSession::connect(&self.target, &self.pinned).await {
                        Ok(session) => slot.insert(Arc::new(session)).clone(),
                        // A changed host key will not fix itself: stop at once.
                        Err(error @ SshError::HostKeyMismatch { .. }) => return Err(error),
                        Err(error) => {
                            last_error = Some(error);
                            continue;
                        }
                    },
                }
            };
            // A dead TCP link can leave the open waiting forever: bound it.
            let opened = tokio::time::timeout(OPEN_TIMEOUT, session.open_unix_socket(&self.socket))
                .await
                .unwrap_or_else(|_| {
                    Err(SshError::Connect {
                        address: format!("{}:{}", self.target.host, self.target.port),
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
            address: format!("{}:{}", self.target.host, self.target.port),
            reason: "no attempt made".to_owned(),
        }))
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
    link: Arc<Link>,
    request: BollardRequest,
) -> Result<hyper::Response<hyper::body::Incoming>, bollard::errors::Error> {
    let request = prepare(request);
    let stream = link
        .open()
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

/// A Docker client for the engine behind `socket` on the SSH host; the
/// first connection happens now so a wrong key or pin is reported at once.
pub async fn connect_over_ssh(
    target: SshTarget,
    pinned: String,
    socket: String,
) -> Result<Docker, HostError> {
    let session = SshSession::connect(&target, &pinned).await?;
    let client_addr = format!("ssh://{}", target.host);
    let link = Arc::new(Link {
        target,
        pinned,
        socket,
        session: Mutex::new(Some(Arc::new(session))),
    });
    let docker = Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let link = link.clone();
            Box::pin(send(link, request))
        },
        Some(client_addr),
        REQUEST_TIMEOUT_SECS,
        bollard::API_DEFAULT_VERSION,
    )?;
    Ok(docker.negotiate_version().await?)
}
