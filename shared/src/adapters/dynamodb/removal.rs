//! Ending connections: finding a Meta user's accounts through `gsi2`, revoking an account
//! (one transaction; its grants, posts and daily metrics stay) and deleting one with
//! everything hanging off it (queries inside the tenant's partition, then transactions of at
//! most 100 writes, the account's own last).

use super::items::{self, ACCOUNT_ID, GSI2, GSI2_PK, Item, PK, SK, s};
use super::writes::{Outcome, built};
use super::{DynamoStore, unavailable};
use crate::domain::{Account, AccountId, AuditEntry, IgUserId, LoginPath, TenantId};
use crate::ports::MediaStore;
use crate::ports::{AccountRemoval, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap};

/// The most writes DynamoDB takes in one transaction.
pub(super) const MAX_TRANSACTION: usize = 100;

impl DynamoStore {
    /// The tenants and ids of the accounts on `gsi2` under `meta_user_id`, every page.
    async fn grantor_entries(
        &self,
        meta_user_id: &str,
    ) -> Result<BTreeSet<(TenantId, AccountId)>, StoreError> {
        self.gsi2_entries(items::grantor_partition(meta_user_id))
            .await
    }

    /// The accounts `entries` of `gsi2` stand for, read back (consistently: the index is
    /// eventually consistent) and kept only where `still_matches` (an entry may be stale).
    async fn accounts_of_entries(
        &self,
        entries: &BTreeSet<(TenantId, AccountId)>,
        still_matches: impl Fn(&Account) -> bool,
    ) -> Result<Vec<Account>, StoreError> {
        let keys = entries
            .iter()
            .map(|(tenant, id)| items::account_key(tenant, id))
            .collect();
        let mut accounts = Vec::with_capacity(entries.len());
        for item in self
            .get_each(keys, items::ACCOUNT_ATTRIBUTES)
            .await?
            .into_iter()
            .flatten()
        {
            let account = items::account_from_item(&item)?;
            if still_matches(&account) {
                accounts.push(account);
            }
        }
        Ok(accounts)
    }

    /// The tenants and ids of the entries of one `gsi2` partition, every page.
    async fn gsi2_entries(
        &self,
        partition: AttributeValue,
    ) -> Result<BTreeSet<(TenantId, AccountId)>, StoreError> {
        let mut found = BTreeSet::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI2)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", GSI2_PK)
                .expression_attribute_values(":pk", partition.clone())
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for entry in out.items() {
                found.insert(items::account_of_grantor_entry(entry)?);
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(found),
            }
        }
    }

    /// The keys of the tenant's items whose sort key starts with `prefix`, every page.
    async fn keys_under(&self, tenant: &TenantId, prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_all(
            tenant,
            "begins_with(#sk, :prefix)",
            &[(":prefix", s(prefix))],
            &[PK, SK],
        )
        .await
    }

    /// The delete of the item at `key`, under `condition` when given.
    fn delete(
        &self,
        key: Item,
        condition: Option<Condition>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut delete = Delete::builder().table_name(&self.table).set_key(Some(key));
        if let Some(condition) = condition {
            delete = delete
                .condition_expression(condition.expression)
                .set_expression_attribute_names(Some(condition.names))
                .set_expression_attribute_values(condition.values);
        }
        Ok(TransactWriteItem::builder()
            .delete(built(delete.build())?)
            .build())
    }
}

/// A condition with its names and values.
struct Condition {
    expression: &'static str,
    names: HashMap<String, String>,
    values: Option<Item>,
}

impl Condition {
    /// The account item is still there.
    fn exists() -> Self {
        Self {
            expression: "attribute_exists(#pk)",
            names: HashMap::from([("#pk".to_owned(), PK.to_owned())]),
            values: None,
        }
    }

    /// The lookup item names account `id`, or is missing (then there is nothing to
    /// delete; a lookup naming another account is never touched).
    fn lookup_of(id: &AccountId) -> Self {
        Self {
            expression: "attribute_not_exists(#pk) OR #account_id = :id",
            names: HashMap::from([
                ("#pk".to_owned(), PK.to_owned()),
                ("#account_id".to_owned(), ACCOUNT_ID.to_owned()),
            ]),
            values: Some(HashMap::from([(":id".to_owned(), s(id.as_str()))])),
        }
    }
}

/// Whether `account` is one Meta user `meta_user_id` can take back: they granted it, or,
/// on Instagram Login, they are the Instagram account.
fn is_of_meta_user(account: &Account, meta_user_id: &str) -> bool {
    account.grantor.meta_user_id == meta_user_id
        || (account.login == LoginPath::Instagram && account.ig_user_id.as_str() == meta_user_id)
}

#[async_trait]
impl AccountRemoval for DynamoStore {
    async fn accounts_of_meta_user(&self, meta_user_id: &str) -> Result<Vec<Account>, StoreError> {
        // One partition of `gsi2` holds both ways to match: account items by grantor, and
        // Instagram Login lookup items by Instagram user. The index is eventually
        // consistent, so each account is read back (consistently) and checked again.
        let entries = self.grantor_entries(meta_user_id).await?;
        self.accounts_of_entries(&entries, |a| is_of_meta_user(a, meta_user_id))
            .await
    }

    async fn accounts_of_instagram_user(
        &self,
        ig_user_id: &IgUserId,
    ) -> Result<Vec<Account>, StoreError> {
        // Instagram Login lookup items sit on `gsi2` under `GRANTOR#<ig user id>`, Facebook
        // Login ones under `IGUSER#<ig user id>`; each account is read back and checked.
        let mut entries = self
            .gsi2_entries(items::grantor_partition(ig_user_id.as_str()))
            .await?;
        entries.extend(
            self.gsi2_entries(items::instagram_partition(ig_user_id))
                .await?,
        );
        self.accounts_of_entries(&entries, |a| a.ig_user_id == *ig_user_id)
            .await
    }

    async fn revoke_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        // One transaction: the update (conditioned on the account being there and not
        // revoked yet) takes it off the queue, the token item is deleted, beside the audit
        // entry.
        let writes = vec![
            self.update_item(items::account_key(tenant, id), items::revoke_update(at))?,
            self.delete(items::token_key(tenant, id), None)?,
            self.put_audit(audit)?,
        ];
        match self.transact(writes).await? {
            Outcome::Written => Ok(true),
            Outcome::Refused(failed) if failed.first() == Some(&true) => Ok(false),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }

    async fn delete_account(
        &self,
        account: &Account,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let (tenant, id) = (&account.tenant, &account.id);
        // The token item, then grants, posts, idempotency items and daily metrics, which sit
        // under the account's prefixes in the tenant's partition (idempotency items name
        // their post, which goes too).
        let mut children = vec![items::token_key(tenant, id)];
        for prefix in [
            items::grants_of(id),
            items::posts_of(id),
            items::idems_of(id),
            items::insights_of(id),
        ] {
            children.extend(self.keys_under(tenant, &prefix).await?);
        }
        // The account, its lookup and the audit entry go last, in one transaction with
        // what fits beside them: until it lands the account is still there, so a delete
        // that stopped midway is simply asked again.
        let last = [
            self.delete(items::account_key(tenant, id), Some(Condition::exists()))?,
            self.delete(
                items::ig_user_key(tenant, &account.ig_user_id),
                Some(Condition::lookup_of(id)),
            )?,
            self.put_audit(audit)?,
        ];
        let room = MAX_TRANSACTION - last.len();
        let first = children.len().saturating_sub(room);
        let mut rest = children.split_off(first);
        for chunk in children.chunks(MAX_TRANSACTION) {
            let writes = chunk
                .iter()
                .map(|key| self.delete(key.clone(), None))
                .collect::<Result<Vec<_>, _>>()?;
            if let Outcome::Refused(_) = self.transact(writes).await? {
                return Err(StoreError::Conflict);
            }
        }
        let mut writes = rest
            .drain(..)
            .map(|key| self.delete(key, None))
            .collect::<Result<Vec<_>, _>>()?;
        let account_at = writes.len();
        writes.extend(last);
        match self.transact(writes).await? {
            Outcome::Written => {
                // The media its posts named go at the next expiry pass. After the account:
                // a delete asked again finds no account, so this must not fail it.
                if let Err(e) = self.expire_account_media(tenant, id, audit.at).await {
                    tracing::warn!(account = %id, error = %e, "media of a deleted account not expired");
                }
                Ok(true)
            }
            // Deleted by someone else in the meantime.
            Outcome::Refused(failed) if failed.get(account_at) == Some(&true) => Ok(false),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }
}
