//! The window's fleet over HTTP: when the operator enables it, the app
//! serves the same API as `myca serve`, on loopback only, with the same key
//! (the one in the OS keyring), so `myca` and scripts drive the running app.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;

use super::{Desktop, DesktopError, ErrorKind};
use crate::api::resolve_api_key;
use crate::secrets::SecretStore;

/// Where the app serves the API when set (`127.0.0.1:8001`).
pub const DESKTOP_API_ENV: &str = "MYCA_DESKTOP_API";

impl Desktop {
    /// Serves the API of the running fleet on `address` (a loopback
    /// address; another is refused) until the app ends; returns where it
    /// listens.
    pub async fn serve_api(
        self: &Arc<Self>,
        address: SocketAddr,
    ) -> Result<SocketAddr, DesktopError> {
        if !address.ip().is_loopback() {
            return Err(DesktopError::new(
                ErrorKind::Invalid,
                format!("the app serves its API on loopback only, not {address}"),
            ));
        }
        let service = Arc::clone(self.service()?);
        let key = resolve_api_key(None, &SecretStore::default())
            .await
            .map_err(|error| {
                DesktopError::new(ErrorKind::Unavailable, format!("no API key: {error}"))
            })?;
        let (bound_tx, bound_rx) = oneshot::channel();
        let serving = tokio::spawn(async move {
            let served = crate::serve::serve(
                service,
                &key,
                address,
                move |bound| {
                    let _ = bound_tx.send(bound);
                },
                std::future::pending(),
            )
            .await;
            if let Err(error) = served {
                tracing::warn!(%error, "the app's HTTP API stopped");
            }
        });
        match bound_rx.await {
            Ok(bound) => {
                tracing::info!(%bound, "the app serves its HTTP API");
                Ok(bound)
            }
            Err(_) => {
                serving.abort();
                Err(DesktopError::new(
                    ErrorKind::Unavailable,
                    format!("cannot listen on {address} (taken?)"),
                ))
            }
        }
    }
}
