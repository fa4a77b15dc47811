//! The production Store: one DynamoDB table, partitioned by tenant (see `docs/dynamodb.md`).
//!
//! Every read on a request path is a `GetItem` or a `Query` inside one tenant's partition;
//! nothing here scans but the operator's one-off grant move (`grant_move.rs`). Reads the ports promise to reflect earlier writes (list after
//! connect, token after reconnect) are strongly consistent.

mod access;
mod account_reads;
mod audit;
mod grant_move;
mod health;
mod insights;
mod items;
mod lifecycle;
mod media;
mod posts;
mod queue;
mod removal;
mod table;
mod tokens;
mod writes;

use crate::domain::{
    Account, AccountId, Cursor, CursorKey, OAuthState, Page, PageRequest, StateKey, TenantId,
};
use crate::ports::{
    AccountReader, AccountWithGrants, OAuthStates, SealedSecret, StoreError, TokenReader,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::ReturnValue;
pub use grant_move::GrantMove;
use items::{Item, PK, SK, TOKEN, s};
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
        // Grants sit among the accounts, so the page reads them too; only operator
        // commands list accounts without wanting them.
        let page = self.account_page(tenant, page).await?;
        Ok(Page {
            items: page.items.into_iter().map(|a| a.account).collect(),
            next: page.next,
        })
    }

    async fn list_accounts_with_grants(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<AccountWithGrants>, StoreError> {
        self.account_page(tenant, page).await
    }

    async fn get_account_with_grants(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<AccountWithGrants>, StoreError> {
        self.account_with_grants(tenant, id).await
    }
}

impl DynamoStore {
    /// Every item of the tenant's partition whose sort key meets `sk` (an expression over
    /// `#sk` and the given values), all pages, consistent, only the named attributes.
    pub(super) async fn query_all(
        &self,
        tenant: &TenantId,
        sk: &str,
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
        attributes: &[&str],
    ) -> Result<Vec<Item>, StoreError> {
        let (expression, mut names) = projection(attributes);
        names.insert("#pk".into(), PK.into());
        names.insert("#sk".into(), SK.into());
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(format!("#pk = :pk AND {sk}"))
                .expression_attribute_values(":pk", items::tenant_pk(tenant));
            for (name, value) in values {
                query = query.expression_attribute_values(*name, value.clone());
            }
            let out = query
                .projection_expression(&expression)
                .set_expression_attribute_names(Some(names.clone()))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            found.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(found),
            }
        }
    }
}

/// A listing of one kind of item in a tenant's partition.
pub(super) struct Listing<'a> {
    pub tenant: &'a TenantId,
    /// The sort-key prefix of the kind (`ACCOUNT#`, `AUDIT#`).
    pub prefix: &'a str,
    /// What to read: listings always name their attributes.
    pub attributes: &'a [&'a str],
    /// Sort keys descending (time-ordered ids: newest first).
    pub newest_first: bool,
}

impl DynamoStore {
    /// One page of `listing` from `start`, decoded. One item more than asked tells whether
    /// another page exists; a query page may stop short (1 MB), so this keeps reading until
    /// there are enough or the partition ends.
    pub(super) async fn list<T, K: CursorKey>(
        &self,
        listing: Listing<'_>,
        mut start: Option<Item>,
        limit: u32,
        decode: impl Fn(&Item) -> Result<T, StoreError>,
        id_of: impl Fn(&T) -> &K,
    ) -> Result<Page<T, K>, StoreError> {
        let limit = limit as usize;
        let mut found = Vec::with_capacity(limit + 1);
        loop {
            let wanted = (limit + 1 - found.len()) as i32;
            let (expression, mut names) = projection(listing.attributes);
            names.insert("#pk".into(), PK.into());
            names.insert("#sk".into(), SK.into());
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_values(":pk", items::tenant_pk(listing.tenant))
                .expression_attribute_values(":prefix", s(listing.prefix))
                .projection_expression(expression)
                .set_expression_attribute_names(Some(names))
                .set_exclusive_start_key(start.take())
                .scan_index_forward(!listing.newest_first)
                .limit(wanted)
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                found.push(decode(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if found.len() <= limit => start = Some(key),
                _ => break,
            }
        }
        let next = if found.len() > limit {
            found.truncate(limit);
            found.last().map(|t| Cursor::after(id_of(t)))
        } else {
            None
        };
        Ok(Page { items: found, next })
    }
}

#[async_trait]
impl TokenReader for DynamoStore {
    async fn sealed_token(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<SealedSecret>, StoreError> {
        if let Some(token) = self.token_item(tenant, id).await? {
            return Ok(Some(token));
        }
        // An account stored before tokens had items of their own.
        match self.get(items::account_key(tenant, id), &[TOKEN]).await? {
            Some(item) => items::token_of(&item),
            None => Ok(None),
        }
    }
}
