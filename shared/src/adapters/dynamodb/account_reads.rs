//! Reading accounts with their grants. A grant item sorts right after its account's item
//! (`items/grant.rs`), so a page of the account list is one `Query` over the tenant's
//! `ACCOUNT#` range and deciding access on an account is one `Query` over its own range.
//! The reads name an account's listing document and the attributes that overlay it
//! (`items/listing.rs`); a range holding an account without the document (written before
//! it, `igconnect migrate` not run yet) is read again with every attribute.

use super::items::{self, Item, PK, SK};
use super::{DynamoStore, projection, unavailable};
use crate::domain::{AccountId, Cursor, Page, PageRequest, TenantId};
use crate::ports::{AccountWithGrants, StoreError};
use std::collections::HashMap;
use std::sync::LazyLock;

/// What a read of account ranges names, and whether it holds every attribute.
struct RangeRead {
    attributes: Vec<&'static str>,
    expression: String,
    names: HashMap<String, String>,
    /// Every attribute of either layout, not just the listing document's.
    whole: bool,
}

impl RangeRead {
    fn new(accounts: &[&'static str], whole: bool) -> Self {
        let mut attributes = vec![SK];
        attributes.extend(accounts);
        attributes.extend(items::GRANT_ATTRIBUTES);
        let (expression, mut names) = projection(&attributes);
        names.insert("#pk".into(), PK.into());
        names.insert("#sk".into(), SK.into());
        RangeRead {
            attributes,
            expression,
            names,
            whole,
        }
    }
}

/// The usual read: an account's listing document and its overlays, a grant's attributes,
/// and the sort key that tells them apart. Never the token.
static LISTED: LazyLock<RangeRead> =
    LazyLock::new(|| RangeRead::new(items::LISTED_ATTRIBUTES, false));

/// The read of a range with an account of the first layout in it.
static WHOLE: LazyLock<RangeRead> =
    LazyLock::new(|| RangeRead::new(items::ACCOUNT_ATTRIBUTES, true));

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

/// What adding an item found.
#[derive(PartialEq, Eq)]
enum Added {
    Kept,
    /// An account without its listing document, read without the first layout's
    /// attributes: the range must be read again whole.
    NeedsWhole,
}

impl Gathered {
    /// Adds one item of an account range read by `read`. A grant belongs to the account
    /// read just before it; one with no such account (its account was deleted, or the
    /// read began inside its range) is not part of the answer.
    fn add(&mut self, item: &Item, read: &RangeRead) -> Result<Added, StoreError> {
        if items::is_grant(item)? {
            let (account, grant) = items::grant_from_item(item)?;
            if let Some(last) = self.accounts.last_mut()
                && last.account.id == account
            {
                last.grants.push(grant);
            }
        } else if !read.whole && !items::has_listing(item) {
            return Ok(Added::NeedsWhole);
        } else {
            self.accounts.push(AccountWithGrants {
                account: items::account_from_item(item)?,
                grants: Vec::new(),
            });
        }
        Ok(Added::Kept)
    }
}

/// Says once per process that accounts of the first layout are still being read.
fn note_first_layout() {
    static NOTED: std::sync::Once = std::sync::Once::new();
    NOTED.call_once(|| {
        tracing::warn!(
            "account items without their listing document are read with every attribute; \
             run `igconnect migrate` (docs/deploy.md, upgrading)"
        );
    });
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
        if let Some(found) = self.account_page_by(tenant, page, &LISTED).await? {
            return Ok(found);
        }
        note_first_layout();
        let found = self.account_page_by(tenant, page, &WHOLE).await?;
        found.ok_or_else(|| StoreError::Corrupt("a whole read asked to be read whole".into()))
    }

    /// [`Self::account_page`] by one kind of read. `None`: the page holds an account the
    /// read cannot decode (see [`Added::NeedsWhole`]).
    async fn account_page_by(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
        read: &RangeRead,
    ) -> Result<Option<Page<AccountWithGrants>>, StoreError> {
        let limit = page.limit as usize;
        let mut start = page
            .after
            .as_ref()
            .map(|c| items::after_account(tenant, c.last_seen()));
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
                .projection_expression(&read.expression)
                .set_expression_attribute_names(Some(read.names.clone()))
                .set_exclusive_start_key(start.take())
                .limit((wanted * ITEMS_PER_ACCOUNT).min(MAX_ITEMS_PER_QUERY) as i32)
                .consistent_read(true)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                if found.add(item, read)? == Added::NeedsWhole {
                    return Ok(None);
                }
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
        Ok(Some(Page {
            items: accounts,
            next,
        }))
    }

    /// One account with its grants, from one query over its key range.
    pub(super) async fn account_with_grants(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<AccountWithGrants>, StoreError> {
        'reading: for read in [&*LISTED, &*WHOLE] {
            let (from, to) = items::account_range(id);
            let range = self
                .query_all(
                    tenant,
                    "#sk BETWEEN :from AND :to",
                    &[(":from", from), (":to", to)],
                    &read.attributes,
                )
                .await?;
            let mut found = Gathered::default();
            for item in &range {
                if found.add(item, read)? == Added::NeedsWhole {
                    note_first_layout();
                    continue 'reading;
                }
            }
            return Ok(found.accounts.pop());
        }
        Err(StoreError::Corrupt(
            "a whole read asked to be read whole".into(),
        ))
    }
}
