//! Grants and access changes. Each change is one transaction: a check (or update) of the
//! account item at the version the caller's permission was decided on, the change itself,
//! and its audit entries. A permission decided on stale ownership therefore never lands,
//! and the trail holds exactly the changes that did.

use super::DynamoStore;
use super::items::{self, PK, VERSION, n, s};
use super::writes::{Outcome, built};
use crate::domain::{Account, AccountId, AuditEntry, Grant, TenantId, UserId};
use crate::ports::{AccessWriter, GrantReader, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};
use futures_util::future::try_join_all;
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

    /// Every grant on `account`, from its grants' key prefix.
    async fn grants_of(
        &self,
        tenant: &TenantId,
        account: &AccountId,
    ) -> Result<Vec<(AccountId, Grant)>, StoreError> {
        self.query_all(
            tenant,
            "begins_with(#sk, :prefix)",
            &[(":prefix", s(items::grants_of(account)))],
            items::GRANT_ATTRIBUTES,
        )
        .await?
        .iter()
        .map(items::grant_from_item)
        .collect()
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
        // One query per account, side by side: the list and access decisions read grants
        // with their accounts (`account_reads.rs`); this serves the operator commands.
        let wanted: BTreeSet<&AccountId> = accounts.iter().collect();
        let found = try_join_all(wanted.iter().map(|a| self.grants_of(tenant, a))).await?;
        // Each query answers in user order, and the set is in account order.
        Ok(found.into_iter().flatten().collect())
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
        // A grant of the first layout not yet moved goes too, or the move would bring a
        // revoked grant back (docs/dynamodb.md, "Moving grants beside their accounts").
        let legacy = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(items::legacy_grant_key(
                &account.tenant,
                &account.id,
                user,
            )))
            .build();
        let writes = vec![
            self.version_check(account)?,
            TransactWriteItem::builder().delete(built(delete)?).build(),
            self.put_audit(audit)?,
            TransactWriteItem::builder().delete(built(legacy)?).build(),
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
