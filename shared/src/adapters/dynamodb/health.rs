//! Account health: marking an account whose token Meta refused, once.

use super::DynamoStore;
use super::items::{self, NEEDS_REAUTH_CONDITION};
use super::writes::{Outcome, built};
use crate::domain::{AccountId, TenantId};
use crate::ports::{AccountHealth, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Utc};

#[async_trait]
impl AccountHealth for DynamoStore {
    async fn mark_needs_reauth(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // One conditional update, run as a transaction of one so a collision with another
        // transaction in flight is retried: of several marks exactly one lands, and an
        // account that is gone (or another tenant's) fails the condition like one already
        // marked. It names nothing but status, time and version, so the token stays.
        let change = items::needs_reauth_update(at);
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::account_key(tenant, id)))
            .update_expression(change.expression)
            .condition_expression(NEEDS_REAUTH_CONDITION)
            .set_expression_attribute_names(Some(change.names))
            .set_expression_attribute_values(Some(change.values))
            .build();
        let writes = vec![TransactWriteItem::builder().update(built(update)?).build()];
        match self.transact(writes).await? {
            Outcome::Written => Ok(true),
            Outcome::Refused(_) => Ok(false),
        }
    }
}
