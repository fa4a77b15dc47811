//! Saving a login: the account item, its `(tenant, ig_user_id)` lookup item and the audit
//! entry, written together in one transaction under conditions, so racing logins (two tabs,
//! a reconnect during a refresh) can neither create two accounts nor lose an update, and the
//! trail records exactly the saves that landed. Also the transaction runner the access
//! writes share.

use super::items::{self, ACCOUNT_ID, Item, ItemUpdate, PK, VERSION, n};
use super::{DynamoStore, unavailable};
use crate::domain::{Account, AccountId, AuditEntry, Connection, IgUserId, TenantId};
use crate::ports::{AccountWriter, SealedSecret, StoreError};
use aes_gcm::aead::{OsRng, rand_core::RngCore};
use async_trait::async_trait;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use std::time::Duration;

/// How many times a write retries after losing a race before giving up (a save reads the
/// account again first; an access change retries the same transaction).
pub(super) const ATTEMPTS: u32 = 6;

pub(super) fn built<T>(r: Result<T, aws_sdk_dynamodb::error::BuildError>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Unavailable(format!("building a write: {e}")))
}

/// What the Instagram user lookup found.
enum ByIgUser {
    /// The account, or none connected yet.
    Found(Option<Box<Account>>),
    /// The lookup item names an account that is not there (yet): another login's
    /// transaction is landing between the two reads (moto applies a transaction's items
    /// one at a time), so the reader tries again after a back-off.
    Landing,
}

impl DynamoStore {
    /// The tenant's account for this Instagram user, through the lookup item.
    async fn account_by_ig_user(
        &self,
        tenant: &TenantId,
        ig_user_id: &IgUserId,
    ) -> Result<ByIgUser, StoreError> {
        let Some(lookup) = self
            .get(items::ig_user_key(tenant, ig_user_id), &[ACCOUNT_ID])
            .await?
        else {
            return Ok(ByIgUser::Found(None));
        };
        let id = items::account_id_of_lookup(&lookup)?;
        match self
            .get(items::account_key(tenant, &id), items::ACCOUNT_ATTRIBUTES)
            .await?
        {
            Some(item) => {
                items::account_from_item(&item).map(|a| ByIgUser::Found(Some(Box::new(a))))
            }
            None => Ok(ByIgUser::Landing),
        }
    }

    pub(super) fn put(&self, item: Item, condition: &str) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .put(built(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .condition_expression(condition)
                    .expression_attribute_names("#pk", PK)
                    .build(),
            )?)
            .build())
    }

    /// The update of the item at `key` as `change` says, under its condition.
    pub(super) fn update_item(
        &self,
        key: Item,
        change: ItemUpdate,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(change.expression)
            .set_condition_expression(change.condition)
            .set_expression_attribute_names(Some(change.names))
            .set_expression_attribute_values(values(change.values))
            .build();
        Ok(TransactWriteItem::builder().update(built(update)?).build())
    }

    /// The put of an audit entry. Entry ids are fresh UUIDs, so the condition never fails
    /// in practice; it guarantees an entry is never silently rewritten.
    pub(super) fn put_audit(&self, entry: &AuditEntry) -> Result<TransactWriteItem, StoreError> {
        self.put(items::audit_item(entry)?, "attribute_not_exists(#pk)")
    }

    /// A first connection: the lookup and the account must not exist yet; the token item
    /// goes with them.
    fn create(
        &self,
        account: &Account,
        token: &SealedSecret,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        Ok(vec![
            self.put(items::ig_user_item(account), "attribute_not_exists(#pk)")?,
            self.put(items::account_item(account)?, "attribute_not_exists(#pk)")?,
            self.put_token(account, token)?,
        ])
    }

    /// The put of an account's token item, unconditional: it is only ever written beside
    /// a conditioned write of its account in the same transaction, which decides.
    pub(super) fn put_token(
        &self,
        account: &Account,
        token: &SealedSecret,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(items::token_item(&account.tenant, &account.id, token)))
            .build();
        Ok(TransactWriteItem::builder().put(built(put)?).build())
    }

    /// Runs a transaction whose conditions the caller judges: on a failed condition it
    /// answers [`Outcome::Refused`] with which items failed. A collision with another
    /// transaction in flight says nothing about those conditions, so the same transaction
    /// is tried again after a pause; losing every time is a [`StoreError::Conflict`].
    pub(super) async fn transact(
        &self,
        writes: Vec<TransactWriteItem>,
    ) -> Result<Outcome, StoreError> {
        for attempt in 0..ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            let e = match result {
                Ok(_) => return Ok(Outcome::Written),
                Err(e) => e,
            };
            match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled))
                    if cancelled
                        .cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some(CONDITION_FAILED)) =>
                {
                    let failed = cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|r| r.code() == Some(CONDITION_FAILED))
                        .collect();
                    return Ok(Outcome::Refused(failed));
                }
                Some(service) if lost_race(service) => back_off(attempt).await,
                _ => return Err(unavailable(e)),
            }
        }
        Err(StoreError::Conflict)
    }

    /// A reconnect: the account must still be at the version it was read at, and the lookup
    /// must still point at it (it follows the login path onto or off the grantor index).
    fn update(
        &self,
        account: &Account,
        read_version: u64,
        token: &SealedSecret,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let account_put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(items::account_item(account)?))
            .condition_expression("#version = :read")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":read", n(read_version))
            .build();
        Ok(vec![
            TransactWriteItem::builder()
                .put(built(account_put)?)
                .build(),
            self.update_item(
                items::ig_user_key(&account.tenant, &account.ig_user_id),
                items::lookup_update(account),
            )?,
            self.put_token(account, token)?,
        ])
    }
}

/// Expression values, if there are any: DynamoDB refuses an empty map.
pub(super) fn values(values: Item) -> Option<Item> {
    (!values.is_empty()).then_some(values)
}

/// How a transaction run by [`DynamoStore::transact`] ended.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Every write landed.
    Written,
    /// A condition failed and nothing was written: whether each item's condition failed,
    /// in the order of the transaction.
    Refused(Vec<bool>),
}

/// The cancellation reason of an item whose condition did not hold.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Whether a failed transaction lost a race (a condition or a concurrent transaction),
/// which a fresh read and retry resolves.
fn lost_race(e: &TransactWriteItemsError) -> bool {
    match e {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => cancelled
            .cancellation_reasons()
            .iter()
            .any(|r| matches!(r.code(), Some(CONDITION_FAILED | "TransactionConflict"))),
        TransactWriteItemsError::TransactionInProgressException(_) => true,
        _ => false,
    }
}

/// A short randomised pause, growing with each attempt, so racing writers spread out.
pub(super) async fn back_off(attempt: u32) {
    let base = 10u64 << attempt.min(5);
    let jitter = u64::from(OsRng.next_u32()) % base;
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}

#[async_trait]
impl AccountWriter for DynamoStore {
    async fn save_connection(
        &self,
        connection: &Connection,
        token: &SealedSecret,
    ) -> Result<Account, StoreError> {
        for attempt in 0..ATTEMPTS {
            let ByIgUser::Found(existing) = self
                .account_by_ig_user(&connection.tenant, &connection.ig_user_id)
                .await?
            else {
                back_off(attempt).await;
                continue;
            };
            let (account, mut writes) = match existing.as_deref() {
                Some(old) => {
                    let account = connection.reconnect(old);
                    let writes = self.update(&account, old.version, token)?;
                    (account, writes)
                }
                None => {
                    let account = connection.new_account(AccountId::generate());
                    let writes = self.create(&account, token)?;
                    (account, writes)
                }
            };
            // Decided per attempt: a login that lost a first-connection race lands as a
            // reconnect, and its entry must say so.
            writes.push(self.put_audit(&AuditEntry::for_connection(connection, &account))?);
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(account),
                Err(e) if e.as_service_error().is_some_and(lost_race) => back_off(attempt).await,
                Err(e) => return Err(unavailable(e)),
            }
        }
        Err(StoreError::Conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::CancellationReason;
    use aws_sdk_dynamodb::types::error::TransactionCanceledException;
    use std::collections::HashMap;

    fn cancelled(codes: &[&str]) -> TransactWriteItemsError {
        let mut e = TransactionCanceledException::builder();
        for code in codes {
            e = e.cancellation_reasons(CancellationReason::builder().code(*code).build());
        }
        TransactWriteItemsError::TransactionCanceledException(e.build())
    }

    #[test]
    fn a_failed_condition_is_a_lost_race() {
        assert!(lost_race(&cancelled(&["None", "ConditionalCheckFailed"])));
        assert!(lost_race(&cancelled(&["TransactionConflict"])));
    }

    #[test]
    fn other_cancellations_are_not_retried() {
        assert!(!lost_race(&cancelled(&["ValidationError"])));
    }

    #[test]
    fn lookups_name_an_account() {
        let map: HashMap<String, _> = HashMap::from([(ACCOUNT_ID.to_owned(), items::s("abc"))]);
        assert_eq!(
            items::account_id_of_lookup(&map).expect("id").as_str(),
            "abc"
        );
    }
}
