//! Giving account items of the first layout their listing document (`items/listing.rs`).
//! An operator runs it after deploying the release that writes the document (`igconnect
//! migrate`); until then such accounts are still listed right, by a second read of their
//! range with every attribute. A scan like the grant move's, and like it out of every
//! function's reach.
//!
//! Each document is written on the condition that the item is still at the version read
//! and still has none: a whole-account write since (which writes the document itself) or a
//! refresh claim (which moves the version) makes the account be read again and retried.

use super::items::{self, Item, PK, SK, VERSION, n, s};
use super::lifecycle::Updated;
use super::{DynamoStore, projection, unavailable};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::ReturnValue;

/// What the step did, so far or in all.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ListingMove {
    /// Account items without a document looked at.
    pub seen: u64,
    /// Documents written.
    pub written: u64,
    /// Items that got their document from a write since, or went, before this one.
    pub skipped: u64,
}

/// Account items read per scan page.
const SCAN_PAGE: i32 = 500;

/// Reads of one account before its document is given up on as contended.
const ATTEMPTS: usize = 5;

impl DynamoStore {
    /// Writes the listing document of every account item without one, calling `progress`
    /// after each scan page. Safe to run again and to stop midway.
    pub async fn add_listings(
        &self,
        mut progress: impl FnMut(&ListingMove),
    ) -> Result<ListingMove, StoreError> {
        let mut attributes = vec![PK, SK];
        attributes.extend(items::ACCOUNT_ATTRIBUTES);
        let (expression, mut names) = projection(&attributes);
        names.insert("#entity".into(), "entity".into());
        names.insert("#listing".into(), items::LISTING.into());
        let mut done = ListingMove::default();
        let mut start = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("#entity = :account AND attribute_not_exists(#listing)")
                .expression_attribute_values(":account", s("account"))
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
                if self.add_listing(item.clone()).await? {
                    done.written += 1;
                } else {
                    done.skipped += 1;
                }
            }
            progress(&done);
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(done),
            }
        }
    }

    /// Gives one account item its document; `false`: it has one by now, or is gone.
    async fn add_listing(&self, mut item: Item) -> Result<bool, StoreError> {
        for _ in 0..ATTEMPTS {
            if items::has_listing(&item) {
                return Ok(false);
            }
            let account = items::account_from_item(&item)?;
            let key = items::account_key(&account.tenant, &account.id);
            let change = items::Changes::default()
                .set(items::LISTING, items::listing_attribute(&account)?)
                .name(VERSION)
                .value(":read", n(account.version))
                .condition("attribute_not_exists(#listing) AND #version = :read")
                .build();
            match self
                .update_once(key.clone(), change, ReturnValue::None)
                .await?
            {
                Updated::Written(_) => return Ok(true),
                Updated::Refused => match self.get(key, items::ACCOUNT_ATTRIBUTES).await? {
                    None => return Ok(false),
                    Some(now) => item = now,
                },
            }
        }
        Err(StoreError::Conflict)
    }
}
