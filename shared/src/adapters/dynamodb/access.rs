//! Grants and access changes. Each change is one transaction: a check (or update) of the
//! account item at the version the caller's permission was decided on, the change itself,
//! and its audit entries. A permission decided on stale ownership therefore never lands,
//! and the trail holds exactly the changes that did.

use super::items::{self, Item, PK, SK, VERSION, n};
use super::writes::{Outcome, built};
use super::{DynamoStore, projection, unavailable};
use crate::domain::{Account, AccountId, AuditEntry, Grant, TenantId, UserId};
use crate::ports::{AccessWriter, GrantReader, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};
use std::collections::BTreeSet;

impl DynamoStore {
    /// Holds the transaction to `account` still being stored at its version. Goes first in
    /// every access transaction, so its failure is the one reported when several fail.
    fn version_check(&self, account: &Account) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(items::account_key(&account.tenant, &account.id)))
            .condition_expression("#version = :read")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":read", n(account.version))
            .build();
        Ok(TransactWriteItem::builder()
            .condition_check(built(check)?)
            .build())
    }

    /// One page of grant items in a key range of the tenant's partition.
    async fn grant_items(
        &self,
        tenant: &TenantId,
        first: &AccountId,
        last: &AccountId,
        start: Option<Item>,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let (from, to) = items::grants_between(first, last);
        let (expression, mut names) = projection(items::GRANT_ATTRIBUTES);
        names.insert("#pk".into(), PK.into());
        names.insert("#sk".into(), SK.into());
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", items::tenant_pk(tenant))
            .expression_attribute_values(":from", from)
            .expression_attribute_values(":to", to)
            .projection_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }
}

#[async_trait]
impl GrantReader for DynamoStore {
    async fn grant(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        user: &UserId,
    ) -> Result<Option<Grant>, StoreError> {
        self.get(
            items::grant_key(tenant, account, user),
            items::GRANT_ATTRIBUTES,
        )
        .await?
        .map(|item| items::grant_from_item(&item).map(|(_, grant)| grant))
        .transpose()
    }

    async fn grants_on(
        &self,
        tenant: &TenantId,
        accounts: &[AccountId],
    ) -> Result<Vec<(AccountId, Grant)>, StoreError> {
        // Listing asks for a page of accounts, a contiguous run of ids: one query over the
        // key range from the first to the last reads exactly their grants. Accounts asked
        // out of a run cost only the grants in between, which are filtered out here.
        let wanted: BTreeSet<&AccountId> = accounts.iter().collect();
        let (Some(first), Some(last)) = (wanted.first(), wanted.last()) else {
            return Ok(Vec::new());
        };
        let mut grants = Vec::new();
        let mut start = None;
        loop {
            let (found, more) = self.grant_items(tenant, first, last, start).await?;
            for item in &found {
                let (account, grant) = items::grant_from_item(item)?;
                if wanted.contains(&account) {
                    grants.push((account, grant));
                }
            }
            match more {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        // Key order already is account then user; sorting keeps the promise explicit.
        grants.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| x.user_id.cmp(&y.user_id)));
        Ok(grants)
    }
}

#[async_trait]
impl AccessWriter for DynamoStore {
    async fn put_grant(
        &self,
        account: &Account,
        grant: &Grant,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        // Unconditional: a grant replaces whatever the user had on the account.
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(items::grant_item(&account.tenant, &account.id, grant)))
            .build();
        let writes = vec![
            self.version_check(account)?,
            TransactWriteItem::builder().put(built(put)?).build(),
            self.put_audit(audit)?,
        ];
        match self.transact(writes).await? {
            Outcome::Written => Ok(()),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }

    async fn delete_grant(
        &self,
        account: &Account,
        user: &UserId,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        // Conditional on the grant existing, so removing nothing cancels the transaction
        // and its audit entry with it.
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(items::grant_key(&account.tenant, &account.id, user)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build();
        let writes = vec![
            self.version_check(account)?,
            TransactWriteItem::builder().delete(built(delete)?).build(),
            self.put_audit(audit)?,
        ];
        match self.transact(writes).await? {
            Outcome::Written => Ok(true),
            Outcome::Refused(failed) if failed.first() == Some(&true) => Err(StoreError::Conflict),
            Outcome::Refused(failed) if failed.get(1) == Some(&true) => Ok(false),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }

    async fn update_access(
        &self,
        updated: &Account,
        audit: &[AuditEntry],
    ) -> Result<(), StoreError> {
        // No stored account is at version 0, so an update claiming version 1 can only lose.
        let read = updated.version.checked_sub(1).ok_or(StoreError::Conflict)?;
        let change = items::access_update(updated);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::account_key(&updated.tenant, &updated.id)))
            .update_expression(change.expression)
            .set_expression_attribute_names(Some(change.names))
            .set_expression_attribute_values(Some(change.values))
            .condition_expression("#version = :read")
            .expression_attribute_values(":read", n(read))
            .build();
        let mut writes = vec![TransactWriteItem::builder().update(built(update)?).build()];
        for entry in audit {
            writes.push(self.put_audit(entry)?);
        }
        match self.transact(writes).await? {
            Outcome::Written => Ok(()),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }
}
