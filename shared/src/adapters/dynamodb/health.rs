//! Account health: marking an account whose token Meta refused, once, with its audit entry.

use super::DynamoStore;
use super::items::{self, s};
use super::writes::{ATTEMPTS, Outcome};
use crate::domain::{AccountId, AccountStatus, AuditEntry, AuditEvent, TenantId};
use crate::ports::{AccountHealth, AccountReader, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
impl AccountHealth for DynamoStore {
    async fn mark_needs_reauth(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
        code: &str,
    ) -> Result<bool, StoreError> {
        // The code goes into the upkeep document, so the account is read first; the write
        // is then conditioned on the version read and on the account still being active,
        // in one transaction with the audit entry. Of concurrent marks exactly one lands:
        // the others fail the condition, read again, find the account marked and answer
        // `false`, so the entry (and its event) is written once.
        for _ in 0..ATTEMPTS {
            let Some(account) = self.get_account(tenant, id).await? else {
                return Ok(false);
            };
            if account.status != AccountStatus::Active {
                return Ok(false);
            }
            let next = account.needing_reauth(at, code);
            let change = items::upkeep_update(&next, false)?
                .value(":active", s(AccountStatus::Active.as_str()))
                .condition("#version = :read AND #status = :active")
                .build();
            let entry = AuditEntry::by_system(
                tenant,
                id,
                at,
                AuditEvent::NeedsReauth {
                    code: code.to_owned(),
                },
            );
            let writes = vec![
                self.update_item(items::account_key(tenant, id), change)?,
                self.put_audit(&entry)?,
            ];
            match self.transact(writes).await? {
                Outcome::Written => return Ok(true),
                // Changed since the read: the next read tells whether by another mark.
                Outcome::Refused(_) => continue,
            }
        }
        // Changed under every attempt: something else keeps writing it.
        Err(StoreError::Conflict)
    }
}
