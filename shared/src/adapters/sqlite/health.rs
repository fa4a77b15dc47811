//! Account health: marking an account whose token Meta refused, once.

use super::audit::insert_audit;
use super::lifecycle::{read_account, write_upkeep};
use super::{SqliteStore, immediate, unavailable};
use crate::domain::{AccountId, AccountStatus, AuditEntry, AuditEvent, TenantId};
use crate::ports::{AccountHealth, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl AccountHealth for SqliteStore {
    async fn mark_needs_reauth(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
        code: &str,
    ) -> Result<bool, StoreError> {
        let (tenant, id, code) = (tenant.clone(), id.clone(), code.to_owned());
        self.run(move |c| {
            // Read and write in one transaction behind the store's single connection: of
            // two concurrent marks only one finds the account active, so only one writes
            // the audit entry (and its event). Grants are other rows and stay.
            let tx = immediate(c)?;
            let Some(account) = read_account(&tx, &tenant, &id)? else {
                return Ok(false);
            };
            if account.status != AccountStatus::Active {
                return Ok(false);
            }
            let next = account.needing_reauth(at, code.as_ref());
            write_upkeep(&tx, &next, None)?;
            insert_audit(
                &tx,
                &AuditEntry::by_system(&tenant, &id, at, AuditEvent::NeedsReauth { code }),
            )?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
        .await
    }
}
