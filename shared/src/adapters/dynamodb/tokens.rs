//! Reads of sealed tokens, which live in `TOKEN#<tenant>` items of their own (see
//! `items/token.rs` for why): one `GetItem` for a request that uses one token, and
//! `BatchGetItem` for a refresh chunk, so a pass pays about one read per hundred accounts
//! rather than one per account.

use super::items::{self, Item, PK, SK, TOKEN};
use super::writes::{ATTEMPTS, back_off};
use super::{DynamoStore, projection, unavailable};
use crate::domain::{AccountId, TenantId};
use crate::ports::{SealedSecret, StoreError};
use aws_sdk_dynamodb::types::KeysAndAttributes;
use std::collections::HashMap;

/// DynamoDB's limit of keys per `BatchGetItem`.
const BATCH: usize = 100;

/// Where a token item sits: its partition and sort key, as text.
type Place = (String, String);

fn place_of(item: &Item) -> Option<Place> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    Some((text(PK)?, text(SK)?))
}

impl DynamoStore {
    /// The sealed token in an account's token item, if it has one (consistent).
    pub(super) async fn token_item(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<SealedSecret>, StoreError> {
        match self.get(items::token_key(tenant, id), &[TOKEN]).await? {
            Some(item) => items::token_of(&item),
            None => Ok(None),
        }
    }

    /// The sealed tokens of `accounts`, by account: consistent `BatchGetItem`s of up to a
    /// hundred keys, asking again for what DynamoDB left unprocessed. An account without a
    /// token item is absent from the answer.
    pub(super) async fn token_items(
        &self,
        accounts: &[(TenantId, AccountId)],
    ) -> Result<HashMap<(TenantId, AccountId), SealedSecret>, StoreError> {
        let mut wanted: HashMap<Place, (TenantId, AccountId)> = HashMap::new();
        let mut keys = Vec::with_capacity(accounts.len());
        for (tenant, id) in accounts {
            let key = items::token_key(tenant, id);
            if let Some(place) = place_of(&key) {
                wanted.insert(place, (tenant.clone(), id.clone()));
                keys.push(key);
            }
        }
        let mut found = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(BATCH) {
            let mut pending = chunk.to_vec();
            for attempt in 0..ATTEMPTS {
                let (expression, names) = projection(&[PK, SK, TOKEN]);
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .projection_expression(expression)
                    .set_expression_attribute_names(Some(names))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                for item in out
                    .responses
                    .unwrap_or_default()
                    .remove(&self.table)
                    .unwrap_or_default()
                {
                    let account = place_of(&item).and_then(|place| wanted.get(&place));
                    if let (Some(account), Some(token)) = (account, items::token_of(&item)?) {
                        found.insert(account.clone(), token);
                    }
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut left| left.remove(&self.table))
                    .map(|left| left.keys)
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                if attempt + 1 == ATTEMPTS {
                    return Err(StoreError::Unavailable(
                        "DynamoDB kept leaving token reads unprocessed".into(),
                    ));
                }
                back_off(attempt).await;
            }
        }
        Ok(found)
    }
}
