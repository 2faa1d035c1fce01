use super::types::StoreInfo;
use crate::store::{Store, StoreError};

pub(crate) async fn probe_store(store: &Store) -> Result<StoreInfo, StoreError> {
    let migrations = store.migration_status().await?;
    Ok(StoreInfo {
        backend: store.backend(),
        migrations_applied: migrations.applied,
        migrations_available: migrations.available,
        up_to_date: migrations.up_to_date(),
    })
}
