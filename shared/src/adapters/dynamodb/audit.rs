//! The audit trail: entries are written by the transactions of the changes they record
//! (see `writes.rs` and `access.rs`); this reads them back, newest first.

use super::items::{self, AUDIT_PREFIX, PK, SK, s};
use super::{DynamoStore, projection, unavailable};
use crate::domain::{AuditEntry, AuditId, Cursor, Page, PageRequest, TenantId};
use crate::ports::{AuditLog, StoreError};
use async_trait::async_trait;

#[async_trait]
impl AuditLog for DynamoStore {
    async fn list_audit(
        &self,
        tenant: &TenantId,
        page: &PageRequest<AuditId>,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        let limit = page.limit as usize;
        // Resume below the cursor's entry; DynamoDB accepts a start key whose item is gone.
        let mut start = page
            .after
            .as_ref()
            .map(|c| items::audit_key(tenant, c.last_seen()));
        let mut entries = Vec::with_capacity(limit + 1);
        // One entry more than asked tells whether another page exists. A query page may stop
        // short (1 MB), so keep reading until there are enough or the trail ends.
        loop {
            let wanted = (limit + 1 - entries.len()) as i32;
            let (expression, mut names) = projection(items::AUDIT_ATTRIBUTES);
            names.insert("#pk".into(), PK.into());
            names.insert("#sk".into(), SK.into());
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_values(":pk", items::tenant_pk(tenant))
                .expression_attribute_values(":prefix", s(AUDIT_PREFIX))
                .projection_expression(expression)
                .set_expression_attribute_names(Some(names))
                .set_exclusive_start_key(start.take())
                // Audit ids are time-ordered: backwards is newest first.
                .scan_index_forward(false)
                .limit(wanted)
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                entries.push(items::audit_from_item(tenant, item)?);
            }
            match out.last_evaluated_key {
                Some(key) if entries.len() <= limit => start = Some(key),
                _ => break,
            }
        }
        let next = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|e| Cursor::after(&e.id))
        } else {
            None
        };
        Ok(Page {
            items: entries,
            next,
        })
    }
}
