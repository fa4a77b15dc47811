//! Account health: marking an account whose token Meta refused, once.

use super::rows::millis;
use super::{SqliteStore, unavailable};
use crate::domain::{AccountId, AccountStatus, TenantId};
use crate::ports::{AccountHealth, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;

#[async_trait]
impl AccountHealth for SqliteStore {
    async fn mark_needs_reauth(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| {
            // One conditional statement: of two concurrent marks only one changes the row,
            // so only one caller is told it did. Grants are other rows and stay.
            let changed = c
                .execute(
                    "UPDATE accounts SET status = ?1, updated_at = ?2, version = version + 1
                     WHERE tenant = ?3 AND id = ?4 AND status <> ?1",
                    params![
                        AccountStatus::NeedsReauth.as_str(),
                        millis(at),
                        tenant.as_str(),
                        id.as_str(),
                    ],
                )
                .map_err(unavailable)?;
            Ok(changed == 1)
        })
        .await
    }
}
