//! Daily account metrics: saved in transactions that also check the account is still there,
//! read back as one `BETWEEN` query in the tenant's partition.

use super::items::{self, Item, PK, SK};
use super::removal::MAX_TRANSACTION;
use super::writes::{Outcome, built};
use super::{DynamoStore, projection, unavailable};
use crate::domain::{AccountId, DayMetrics, TenantId};
use crate::ports::{InsightSnapshots, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};
use chrono::NaiveDate;
use std::collections::BTreeMap;

impl DynamoStore {
    /// A check that the account item is still there. Each save carries one, so days saved
    /// after the account was deleted (a snapshot racing a disconnect or Meta's data
    /// deletion) are not left behind, out of reach of the delete that already ran.
    fn account_exists(
        &self,
        tenant: &TenantId,
        account: &AccountId,
    ) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(items::account_key(tenant, account)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build();
        Ok(TransactWriteItem::builder()
            .condition_check(built(check)?)
            .build())
    }

    /// An unconditional put: a day written again replaces what it held.
    pub(super) fn replace(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .build();
        Ok(TransactWriteItem::builder().put(built(put)?).build())
    }
}

#[async_trait]
impl InsightSnapshots for DynamoStore {
    async fn save_days(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        days: &[DayMetrics],
    ) -> Result<(), StoreError> {
        // A transaction may not name one item twice: of a date given twice the last is
        // kept, as writing them in order would.
        let by_date: BTreeMap<NaiveDate, &DayMetrics> = days.iter().map(|d| (d.date, d)).collect();
        let puts = by_date
            .values()
            .map(|day| items::insight_item(tenant, account, day))
            .collect::<Result<Vec<_>, _>>()?;
        // Transactions rather than BatchWriteItem: nothing to retry item by item, and the
        // account check rides along. Beyond one transaction the save is not atomic; a
        // failure leaves the earlier chunks, which saving again replaces.
        for chunk in puts.chunks(MAX_TRANSACTION - 1) {
            let mut writes = Vec::with_capacity(chunk.len() + 1);
            writes.push(self.account_exists(tenant, account)?);
            for item in chunk {
                writes.push(self.replace(item.clone())?);
            }
            match self.transact(writes).await? {
                Outcome::Written => {}
                // The account is gone: its metrics go with it.
                Outcome::Refused(failed) if failed.first() == Some(&true) => return Ok(()),
                Outcome::Refused(_) => return Err(StoreError::Conflict),
            }
        }
        Ok(())
    }

    async fn days(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DayMetrics>, StoreError> {
        let Some((low, high)) = items::insights_between(account, from, to) else {
            return Ok(Vec::new());
        };
        let mut days = Vec::new();
        let mut start = None;
        loop {
            let (expression, mut names) = projection(items::INSIGHT_ATTRIBUTES);
            names.insert("#pk".into(), PK.into());
            names.insert("#sk".into(), SK.into());
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
                .expression_attribute_values(":pk", items::tenant_pk(tenant))
                .expression_attribute_values(":low", low.clone())
                .expression_attribute_values(":high", high.clone())
                .projection_expression(expression)
                .set_expression_attribute_names(Some(names))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                days.push(items::insight_from_item(item)?);
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(days),
            }
        }
    }
}
