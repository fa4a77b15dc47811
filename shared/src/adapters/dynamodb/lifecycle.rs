//! Keeping accounts alive: the refresh queue (a sparse, sharded slice of `gsi1`, see
//! `items/upkeep.rs`), the outbox (another, see `items/audit.rs`) and Meta's data-deletion
//! requests. A refreshed account costs about three calls: its share of the queue's four
//! queries, the claim (one `UpdateItem` that also returns the account), its share of one
//! `BatchGetItem` of a chunk's tokens (tokens live in a partition of their own, see
//! `items/token.rs`) and the save (one transaction).

use super::items::{self, Item, ItemUpdate, SHARDS};
use super::writes::{ATTEMPTS, Outcome, back_off, values};
use super::{DynamoStore, unavailable};
use crate::domain::{Account, AccountId, AuditEntry, AuditId, DataDeletion, TenantId};
use crate::ports::{
    ClaimedAccount, DeletionRequests, DueAccount, Outbox, RefreshQueue, SealedSecret, StoreError,
    UpkeepOutcome,
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

impl DynamoStore {
    /// The claim of a due account: one conditional update, so of overlapping passes exactly
    /// one moves the due time, and the account comes back in the same call. An account that
    /// is gone (or another tenant's) fails the condition like one not due. Its token is the
    /// winner's next read, unless the item still holds one from before tokens had items of
    /// their own (the save moves it).
    async fn claim(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<(Account, Option<SealedSecret>)>, StoreError> {
        let change = items::claim_update(tenant, id, now, lease_until);
        let item = match self
            .update_once(items::account_key(tenant, id), change, ReturnValue::AllNew)
            .await?
        {
            Updated::Written(item) => item.unwrap_or_default(),
            Updated::Refused => return Ok(None),
        };
        Ok(Some((
            items::account_from_item(&item)?,
            items::token_of(&item)?,
        )))
    }
}

/// A claimed account with its token: an active account without one is corrupt.
fn with_token(account: Account, token: Option<SealedSecret>) -> Result<ClaimedAccount, StoreError> {
    let token =
        token.ok_or_else(|| StoreError::Corrupt("an active account without its token".into()))?;
    Ok(ClaimedAccount { account, token })
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
        let Some((account, legacy)) = self.claim(tenant, id, now, lease_until).await? else {
            return Ok(None);
        };
        let token = match legacy {
            Some(token) => Some(token),
            None => self.token_item(tenant, id).await?,
        };
        with_token(account, token).map(Some)
    }

    async fn claim_refresh_many(
        &self,
        due: &[DueAccount],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Vec<Result<Option<ClaimedAccount>, StoreError>> {
        // Each claim is its own conditional update, concurrently; the winners' tokens then
        // come in one batched read per hundred accounts.
        let claims = futures_util::future::join_all(
            due.iter()
                .map(|d| self.claim(&d.tenant, &d.id, now, lease_until)),
        )
        .await;
        let wanted: Vec<(TenantId, AccountId)> = claims
            .iter()
            .filter_map(|claim| match claim {
                Ok(Some((account, None))) => Some((account.tenant.clone(), account.id.clone())),
                _ => None,
            })
            .collect();
        let mut tokens = if wanted.is_empty() {
            Ok(Default::default())
        } else {
            self.token_items(&wanted).await
        };
        claims
            .into_iter()
            .map(|claim| {
                let Some((account, legacy)) = claim? else {
                    return Ok(None);
                };
                let token = match (legacy, &mut tokens) {
                    (Some(token), _) => Some(token),
                    (None, Ok(found)) => {
                        found.remove(&(account.tenant.clone(), account.id.clone()))
                    }
                    (None, Err(e)) => return Err(StoreError::Unavailable(e.to_string())),
                };
                with_token(account, token).map(Some)
            })
            .collect()
    }

    async fn save_outcome(&self, outcome: &UpkeepOutcome) -> Result<(), StoreError> {
        let updated = &outcome.account;
        let change = items::upkeep_update(updated, outcome.token.is_some())?.build();
        let mut writes =
            vec![self.update_item(items::account_key(&updated.tenant, &updated.id), change)?];
        if let Some(token) = &outcome.token {
            writes.push(self.put_token(updated, token)?);
        }
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
