//! The production Store: one DynamoDB table, partitioned by tenant (see `docs/dynamodb.md`).
//!
//! Every read on a request path is a `GetItem` or a `Query` inside one tenant's partition;
//! nothing here scans. Reads the ports promise to reflect earlier writes (list after
//! connect, token after reconnect) are strongly consistent.

mod access;
mod audit;
mod items;
mod table;
mod writes;

pub use items::{REFRESH_MARGIN, refresh_due_bucket};

use crate::domain::{
    Account, AccountId, Cursor, OAuthState, Page, PageRequest, StateKey, TenantId,
};
use crate::ports::{AccountReader, OAuthStates, SealedSecret, StoreError, TokenReader};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::ReturnValue;
use items::{ACCOUNT_PREFIX, Item, PK, SK, TOKEN, s};
use std::collections::HashMap;

/// A Store over one DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// A store over `table`. The client is built once at start (Lambda init) and shared by
    /// every request.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table this store reads and writes.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// A strongly consistent read of one item, of only the named attributes.
    async fn get(&self, key: Item, attributes: &[&str]) -> Result<Option<Item>, StoreError> {
        let (expression, names) = projection(attributes);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .projection_expression(expression)
            .set_expression_attribute_names(Some(names))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }
}

/// A projection of `attributes` as `#a0, #a1, ...` with its name map. Reads always name
/// what they want, so the token attribute is only ever read by [`TokenReader`], and an IAM
/// policy can deny it to the functions that must not see tokens (`dynamodb:Attributes`).
fn projection(attributes: &[&str]) -> (String, HashMap<String, String>) {
    let names: HashMap<String, String> = attributes
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("#a{i}"), (*name).to_owned()))
        .collect();
    let expression = (0..attributes.len())
        .map(|i| format!("#a{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    (expression, names)
}

/// An SDK failure as a StoreError. The SDK's error context names the operation and the
/// service's error code and message; it never holds request payloads.
fn unavailable<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Unavailable(DisplayErrorContext(&e).to_string())
}

#[async_trait]
impl OAuthStates for DynamoStore {
    async fn put_state(&self, state: &OAuthState) -> Result<(), StoreError> {
        // 256 random bits never collide; the condition only guarantees a state is never
        // silently replaced.
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::state_item(state)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::Conflict)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn take_state(&self, key: &StateKey) -> Result<Option<OAuthState>, StoreError> {
        // One conditional delete that returns what it removed: of concurrent takes exactly
        // one deletes the item, the others fail the condition. TTL deletion is lazy, so an
        // expired state can still be here; the service judges expiry.
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::state_key(key)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => out
                .attributes
                .map(|item| items::state_from_item(key, &item))
                .transpose(),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl AccountReader for DynamoStore {
    async fn get_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError> {
        self.get(items::account_key(tenant, id), items::ACCOUNT_ATTRIBUTES)
            .await?
            .map(|item| items::account_from_item(&item))
            .transpose()
    }

    async fn list_accounts(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError> {
        let limit = page.limit as usize;
        // Resume after the cursor's account; DynamoDB accepts a start key whose item is gone.
        let mut start = page
            .after
            .as_ref()
            .map(|c| items::account_key(tenant, c.last_seen()));
        let mut accounts = Vec::with_capacity(limit + 1);
        // One item more than asked tells whether another page exists. A query page may stop
        // short (1 MB), so keep reading until there are enough or the partition ends.
        loop {
            let wanted = (limit + 1 - accounts.len()) as i32;
            let (expression, mut names) = projection(items::ACCOUNT_ATTRIBUTES);
            names.insert("#pk".into(), PK.into());
            names.insert("#sk".into(), SK.into());
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_values(":pk", items::tenant_pk(tenant))
                .expression_attribute_values(":prefix", s(ACCOUNT_PREFIX))
                // The token stays in the table: a listing never reads it.
                .projection_expression(expression)
                .set_expression_attribute_names(Some(names))
                .set_exclusive_start_key(start.take())
                .limit(wanted)
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                accounts.push(items::account_from_item(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if accounts.len() <= limit => start = Some(key),
                _ => break,
            }
        }
        let next = if accounts.len() > limit {
            accounts.truncate(limit);
            accounts.last().map(|a| Cursor::after(&a.id))
        } else {
            None
        };
        Ok(Page {
            items: accounts,
            next,
        })
    }
}

#[async_trait]
impl TokenReader for DynamoStore {
    async fn sealed_token(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<SealedSecret>, StoreError> {
        match self.get(items::account_key(tenant, id), &[TOKEN]).await? {
            Some(item) => items::token_of(&item),
            None => Ok(None),
        }
    }
}
