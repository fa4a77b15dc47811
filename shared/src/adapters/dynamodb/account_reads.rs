//! Reading accounts with their grants. A grant item sorts right after its account's item
//! (`items/grant.rs`), so a page of the account list is one `Query` over the tenant's
//! `ACCOUNT#` range and deciding access on an account is one `Query` over its own range.

use super::items::{self, Item, PK, SK};
use super::{DynamoStore, projection, unavailable};
use crate::domain::{AccountId, Cursor, Page, PageRequest, TenantId};
use crate::ports::{AccountWithGrants, StoreError};
use std::sync::LazyLock;

/// What a read of an account range names: an account's attributes, a grant's, and the
/// sort key that tells them apart. Never the token.
static RANGE_ATTRIBUTES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut names = vec![SK];
    names.extend(items::ACCOUNT_ATTRIBUTES);
    names.extend(items::GRANT_ATTRIBUTES);
    names
});

/// How many items a listing query may read per account it still needs: the account and as
/// many grants again on average. A page of accounts without grants reads twice the items it
/// keeps (a query cannot stop at "n accounts"); accounts with more grants than that cost
/// another round trip, sized the same way. See docs/dynamodb.md.
const ITEMS_PER_ACCOUNT: usize = 2;

/// DynamoDB's own cap on `Limit` is far above any page; this keeps a query's read bounded.
const MAX_ITEMS_PER_QUERY: usize = 1000;

/// Accounts with their grants gathered from the items of account ranges, in key order.
#[derive(Default)]
struct Gathered {
    accounts: Vec<AccountWithGrants>,
}

impl Gathered {
    /// Adds one item of an account range. A grant belongs to the account read just before
    /// it; one with no such account (its account was deleted, or the read began inside its
    /// range) is not part of the answer.
    fn add(&mut self, item: &Item) -> Result<(), StoreError> {
        if items::is_grant(item)? {
            let (account, grant) = items::grant_from_item(item)?;
            if let Some(last) = self.accounts.last_mut()
                && last.account.id == account
            {
                last.grants.push(grant);
            }
        } else {
            self.accounts.push(AccountWithGrants {
                account: items::account_from_item(item)?,
                grants: Vec::new(),
            });
        }
        Ok(())
    }
}

impl DynamoStore {
    /// One page of the tenant's accounts with their grants. Reads until it holds one
    /// account more than asked (which says another page exists, and closes the grants of
    /// the last one kept) or the range ends.
    pub(super) async fn account_page(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<AccountWithGrants>, StoreError> {
        let limit = page.limit as usize;
        let mut start = page
            .after
            .as_ref()
            .map(|c| items::after_account(tenant, c.last_seen()));
        let (expression, names) = range_projection();
        let mut found = Gathered::default();
        'reading: loop {
            let wanted = limit + 1 - found.accounts.len();
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_values(":pk", items::tenant_pk(tenant))
                .expression_attribute_values(":prefix", items::s(items::ACCOUNT_PREFIX))
                .projection_expression(&expression)
                .set_expression_attribute_names(Some(names.clone()))
                .set_exclusive_start_key(start.take())
                .limit((wanted * ITEMS_PER_ACCOUNT).min(MAX_ITEMS_PER_QUERY) as i32)
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                found.add(item)?;
                if found.accounts.len() > limit {
                    break 'reading;
                }
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        let mut accounts = found.accounts;
        let next = if accounts.len() > limit {
            accounts.truncate(limit);
            accounts.last().map(|a| Cursor::after(&a.account.id))
        } else {
            None
        };
        Ok(Page {
            items: accounts,
            next,
        })
    }

    /// One account with its grants, from one query over its key range.
    pub(super) async fn account_with_grants(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<AccountWithGrants>, StoreError> {
        let (from, to) = items::account_range(id);
        let range = self
            .query_all(
                tenant,
                "#sk BETWEEN :from AND :to",
                &[(":from", from), (":to", to)],
                &RANGE_ATTRIBUTES,
            )
            .await?;
        let mut found = Gathered::default();
        for item in &range {
            found.add(item)?;
        }
        Ok(found.accounts.pop())
    }
}

/// The projection of [`RANGE_ATTRIBUTES`] with the key names the queries use.
fn range_projection() -> (String, std::collections::HashMap<String, String>) {
    let (expression, mut names) = projection(&RANGE_ATTRIBUTES);
    names.insert("#pk".into(), PK.into());
    names.insert("#sk".into(), SK.into());
    (expression, names)
}
