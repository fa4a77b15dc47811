//! The audit trail: entries are written by the transactions of the changes they record
//! (see `writes.rs` and `access.rs`); this reads them back, newest first.

use super::items::{self, AUDIT_PREFIX};
use super::{DynamoStore, Listing};
use crate::domain::{AuditEntry, AuditId, Page, PageRequest, TenantId};
use crate::ports::{AuditLog, StoreError};
use async_trait::async_trait;

#[async_trait]
impl AuditLog for DynamoStore {
    async fn list_audit(
        &self,
        tenant: &TenantId,
        page: &PageRequest<AuditId>,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        // Resume below the cursor's entry; DynamoDB accepts a start key whose item is gone.
        let start = page
            .after
            .as_ref()
            .map(|c| items::audit_key(tenant, c.last_seen()));
        let listing = Listing {
            tenant,
            prefix: AUDIT_PREFIX,
            attributes: items::AUDIT_ATTRIBUTES,
            // Audit ids are time-ordered: backwards is newest first.
            newest_first: true,
        };
        self.list(
            listing,
            start,
            page.limit,
            |item| items::audit_from_item(tenant, item),
            |e| &e.id,
        )
        .await
    }

    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        match self.transact(vec![self.put_audit(entry)?]).await? {
            super::writes::Outcome::Written => Ok(()),
            // Entry ids are fresh: a refusal means the id was somehow reused.
            super::writes::Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }
}
