//! Keeping accounts alive: the refresh queue (a sparse, sharded slice of `gsi1`, see
//! `items/upkeep.rs`), the outbox (another, see `items/audit.rs`) and Meta's data-deletion
//! requests. A refreshed account costs three calls: its share of the queue's four queries,
//! the claim (one `UpdateItem` that also returns the account and its token) and the save
//! (one transaction).

use super::items::{self, Item, ItemUpdate, SHARDS};
use super::writes::{ATTEMPTS, Outcome, back_off, values};
use super::{DynamoStore, unavailable};
use crate::domain::{AccountId, AuditEntry, AuditId, DataDeletion, TenantId};
use crate::ports::{
    ClaimedAccount, DeletionRequests, DueAccount, Outbox, RefreshQueue, StoreError, UpkeepOutcome,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::ReturnValue;
use chrono::{DateTime, Utc};

/// What a single conditional `UpdateItem` found.
enum Updated {
    /// The condition held; the attributes `ReturnValues` asked for.
    Written(Option<Item>),
    /// The condition did not hold; nothing was written.
    Refused,
}

impl DynamoStore {
    /// One `UpdateItem` of the item at `key` as `change` says, returning `returns`. A
    /// collision with a transaction in flight on the item says nothing about the condition,
    /// so the update is tried again after a pause; losing every time is a conflict.
    async fn update_once(
        &self,
        key: Item,
        change: ItemUpdate,
        returns: ReturnValue,
    ) -> Result<Updated, StoreError> {
        for attempt in 0..ATTEMPTS {
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key.clone()))
                .update_expression(&change.expression)
                .set_condition_expression(change.condition.clone())
                .set_expression_attribute_names(Some(change.names.clone()))
                .set_expression_attribute_values(values(change.values.clone()))
                .return_values(returns.clone())
                .send()
                .await;
            match result {
                Ok(out) => return Ok(Updated::Written(out.attributes)),
                Err(e) => match e.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(_)) => {
                        return Ok(Updated::Refused);
                    }
                    Some(UpdateItemError::TransactionConflictException(_)) => {
                        back_off(attempt).await;
                    }
                    _ => return Err(unavailable(e)),
                },
            }
        }
        Err(StoreError::Conflict)
    }
}

#[async_trait]
impl RefreshQueue for DynamoStore {
    async fn due_accounts(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueAccount>, StoreError> {
        // The index names tenant, account and due time in its sort key: nothing else is
        // read. It is eventually consistent, so an account may have moved on since; the
        // claim's condition decides.
        let partitions = (0..SHARDS).map(items::refresh_partition).collect();
        self.queue_head(partitions, Some(items::due_until(now)), limit as usize)
            .await?
            .iter()
            .map(items::due_account_from_index)
            .collect()
    }

    async fn claim_refresh(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<ClaimedAccount>, StoreError> {
        // One conditional update: of overlapping passes exactly one moves the due time, and
        // the account with its token comes back in the same call. An account that is gone
        // (or another tenant's) fails the condition like one not due.
        let change = items::claim_update(tenant, id, now, lease_until);
        let item = match self
            .update_once(items::account_key(tenant, id), change, ReturnValue::AllNew)
            .await?
        {
            Updated::Written(item) => item.unwrap_or_default(),
            Updated::Refused => return Ok(None),
        };
        let account = items::account_from_item(&item)?;
        let token = items::token_of(&item)?
            .ok_or_else(|| StoreError::Corrupt("an active account without its token".into()))?;
        Ok(Some(ClaimedAccount { account, token }))
    }

    async fn save_outcome(&self, outcome: &UpkeepOutcome) -> Result<(), StoreError> {
        let updated = &outcome.account;
        let change = items::upkeep_update(updated, outcome.token.as_ref())?.build();
        let mut writes =
            vec![self.update_item(items::account_key(&updated.tenant, &updated.id), change)?];
        if let Some(entry) = &outcome.audit {
            writes.push(self.put_audit(entry)?);
        }
        // A snapshot is a handful of days: they fit the account's own transaction, whose
        // version condition also keeps them from outliving a disconnect.
        for day in &outcome.days {
            let item = items::insight_item(&updated.tenant, &updated.id, day)?;
            writes.push(self.replace(item)?);
        }
        match self.transact(writes).await? {
            Outcome::Written => Ok(()),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }
}

#[async_trait]
impl Outbox for DynamoStore {
    async fn undelivered(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let partitions = (0..SHARDS).map(items::outbox_partition).collect();
        let head = self.queue_head(partitions, None, limit as usize).await?;
        let mut entries = Vec::with_capacity(head.len());
        for entry in head {
            let (tenant, id) = items::outbox_entry(&entry)?;
            // `gsi1` projects the entry. An index created keys-only (before the outbox)
            // does not: then the entry is read from the table.
            let item = if entry.contains_key("event") {
                entry
            } else {
                match self
                    .get(items::audit_key(&tenant, &id), items::AUDIT_ATTRIBUTES)
                    .await?
                {
                    Some(item) => item,
                    None => continue,
                }
            };
            entries.push(items::audit_from_item(&tenant, &item)?);
        }
        Ok(entries)
    }

    async fn mark_delivered(&self, tenant: &TenantId, id: &AuditId) -> Result<(), StoreError> {
        // Conditioned on the entry existing: an update of a missing key would create one.
        // Delivered already, or never there: nothing to do either way.
        self.update_once(
            items::audit_key(tenant, id),
            items::delivered_update(),
            ReturnValue::None,
        )
        .await
        .map(|_| ())
    }
}

#[async_trait]
impl DeletionRequests for DynamoStore {
    async fn put_deletion(&self, request: &DataDeletion) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::deletion_item(request)?))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get_deletion(&self, code: &str) -> Result<Option<DataDeletion>, StoreError> {
        self.get(items::deletion_key(code), &["body"])
            .await?
            .map(|item| items::deletion_from_item(&item))
            .transpose()
    }
}
