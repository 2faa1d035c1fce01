//! The catalog view: every kind the runtime runs, as declared, with which
//! of the credentials it needs the OS keyring holds.

use std::collections::BTreeMap;

use myca_agents::kinds::{catalog, KindSpec};
use serde::Serialize;

use super::error::failed;
use super::{Desktop, DesktopError};
use crate::pool::PoolError;
use crate::secrets::CredentialError;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CatalogEntry {
    #[serde(flatten)]
    #[ts(flatten)]
    pub kind: KindSpec,
    /// Each declared credential's name: whether the keyring holds a value.
    pub credentials_present: BTreeMap<String, bool>,
}

impl Desktop {
    pub async fn catalog(&self) -> Result<Vec<CatalogEntry>, DesktopError> {
        self.service()?;
        // The keyring is this machine's, whichever host an agent runs on.
        let credentials = crate::secrets::Credentials::default();
        let mut entries = Vec::with_capacity(catalog().len());
        for kind in catalog() {
            let mut present = BTreeMap::new();
            for credential in &kind.credentials {
                let held = credentials
                    .present(credential.name)
                    .await
                    .map_err(|e| failed(PoolError::from(CredentialError::from(e))))?;
                present.insert(credential.name.to_owned(), held);
            }
            entries.push(CatalogEntry {
                kind: kind.clone(),
                credentials_present: present,
            });
        }
        Ok(entries)
    }
}
