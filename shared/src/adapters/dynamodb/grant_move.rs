//! Moving grants of the first layout (`GRANT#<account>#<user>`) beside their accounts
//! (`ACCOUNT#<account>#GRANT#<user>`, see `items/grant.rs`). An operator runs it once after
//! deploying the release that reads the new layout (`igconnect migrate`); until then, grants
//! given before the upgrade are not seen, so members see less, never more. It is the one
//! scan in the store, and no function's role may run it.
//!
//! Each grant moves in one transaction: the account still exists, no newer grant was
//! given in the new layout since the upgrade (that one wins), and the old item goes. A
//! grant removed since the upgrade cannot come back: removing one deletes its old item too.

use super::items::{self, Item, PK, SK, s};
use super::writes::{Outcome, built};
use super::{DynamoStore, projection, unavailable};
use crate::domain::{AccountId, Grant, TenantId};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem};

/// What a move did, so far or in all.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GrantMove {
    /// Old items looked at.
    pub seen: u64,
    /// Grants now beside their account.
    pub moved: u64,
    /// Old items dropped because a grant given since the upgrade replaced them.
    pub superseded: u64,
    /// Old items dropped because their account is gone.
    pub orphaned: u64,
}

/// Old grant items read per scan page.
const SCAN_PAGE: i32 = 500;

impl DynamoStore {
    /// Moves every grant of the first layout, calling `progress` after each scan page.
    /// Safe to run again (and to stop midway): what moved is not seen twice.
    pub async fn move_legacy_grants(
        &self,
        mut progress: impl FnMut(&GrantMove),
    ) -> Result<GrantMove, StoreError> {
        let mut attributes = vec![PK, SK];
        attributes.extend(items::GRANT_ATTRIBUTES);
        let (expression, mut names) = projection(&attributes);
        names.insert("#sk".into(), SK.into());
        let mut done = GrantMove::default();
        let mut start = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(#sk, :legacy)")
                .expression_attribute_values(":legacy", s(items::LEGACY_GRANT_PREFIX))
                .projection_expression(&expression)
                .set_expression_attribute_names(Some(names.clone()))
                .set_exclusive_start_key(start.take())
                .limit(SCAN_PAGE)
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                done.seen += 1;
                let (tenant, account, grant) = legacy_grant(item)?;
                match self.move_one(&tenant, &account, &grant).await? {
                    Fate::Moved => done.moved += 1,
                    Fate::Superseded => done.superseded += 1,
                    Fate::Orphaned => done.orphaned += 1,
                }
            }
            progress(&done);
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(done),
            }
        }
    }

    async fn move_one(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        grant: &Grant,
    ) -> Result<Fate, StoreError> {
        let old = self.delete_old(tenant, account, grant)?;
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(items::account_key(tenant, account)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build();
        let writes = vec![
            TransactWriteItem::builder()
                .condition_check(built(check)?)
                .build(),
            self.put(
                items::grant_item(tenant, account, grant),
                "attribute_not_exists(#pk)",
            )?,
            old.clone(),
        ];
        let outcome = match self.transact(writes).await? {
            Outcome::Written => return Ok(Fate::Moved),
            Outcome::Refused(failed) if failed.first() == Some(&true) => Fate::Orphaned,
            Outcome::Refused(_) => Fate::Superseded,
        };
        if let Outcome::Refused(_) = self.transact(vec![old]).await? {
            return Err(StoreError::Conflict);
        }
        Ok(outcome)
    }

    fn delete_old(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        grant: &Grant,
    ) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(items::legacy_grant_key(
                tenant,
                account,
                &grant.user_id,
            )))
            .build();
        Ok(TransactWriteItem::builder().delete(built(delete)?).build())
    }
}

/// What became of one old grant item.
enum Fate {
    Moved,
    Superseded,
    Orphaned,
}

/// The tenant, account and grant of an old grant item.
fn legacy_grant(item: &Item) -> Result<(TenantId, AccountId, Grant), StoreError> {
    let tenant = items::tenant_of_pk(item)?;
    let (account, grant) = items::grant_from_item(item)?;
    Ok((tenant, account, grant))
}
