//! Posts: a post item and its idempotency item, created together under absence
//! conditions; updates conditional on the version read, with their audit entry in the same
//! transaction; and the due queue, a sparse, sharded slice of `gsi1` (see
//! `items/post.rs` and `docs/dynamodb.md`).

use super::items::{self, Item, PK, SHARDS, SK, VERSION, n};
use super::writes::{Outcome, built};
use super::{DynamoStore, Listing};
use crate::domain::{
    AccountId, AuditEntry, IdempotencyKey, Page, PageRequest, Post, PostId, TenantId,
};
use crate::ports::{PostInsert, PostQueue, PostStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Utc};

/// The post item's key of a due-queue entry (the keys-only part of what `gsi1` holds).
fn queued_post_key(mut entry: Item) -> Result<Item, StoreError> {
    let mut text = |name: &str| match entry.remove(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(StoreError::Corrupt(format!("queue entry without {name}"))),
    };
    Ok([(PK, text(PK)?), (SK, text(SK)?)]
        .into_iter()
        .map(|(name, v)| (name.to_owned(), AttributeValue::S(v)))
        .collect())
}

#[async_trait]
impl PostStore for DynamoStore {
    async fn insert_post(&self, post: &Post) -> Result<PostInsert, StoreError> {
        // The idempotency item goes first: when both conditions fail, its failure is the
        // one that explains the refusal.
        let writes = vec![
            self.put(items::idem_item(post), "attribute_not_exists(#pk)")?,
            self.put(items::post_item(post)?, "attribute_not_exists(#pk)")?,
        ];
        match self.transact(writes).await? {
            Outcome::Written => Ok(PostInsert::Created),
            Outcome::Refused(failed) if failed.first() == Some(&true) => self
                .find_post_by_key(&post.tenant, &post.account_id, &post.idempotency_key)
                .await?
                .map(|p| PostInsert::Existing(Box::new(p)))
                .ok_or_else(|| StoreError::Corrupt("an idempotency key names no post".into())),
            // A post id already taken: ids are fresh UUIDs, so this is a caller's mistake.
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }

    async fn find_post_by_key(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        key: &IdempotencyKey,
    ) -> Result<Option<Post>, StoreError> {
        let Some(idem) = self
            .get(
                items::idem_key(tenant, account, key),
                items::IDEM_ATTRIBUTES,
            )
            .await?
        else {
            return Ok(None);
        };
        let id = items::post_id_of_idem(&idem)?;
        match self.get_post(tenant, account, &id).await? {
            Some(post) => Ok(Some(post)),
            None => Err(StoreError::Corrupt(
                "an idempotency key names no post".into(),
            )),
        }
    }

    async fn get_post(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        id: &PostId,
    ) -> Result<Option<Post>, StoreError> {
        self.get(items::post_key(tenant, account, id), items::POST_ATTRIBUTES)
            .await?
            .map(|item| items::post_from_item(&item))
            .transpose()
    }

    async fn list_posts(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        page: &PageRequest<PostId>,
    ) -> Result<Page<Post, PostId>, StoreError> {
        // Resume below the cursor's post; DynamoDB accepts a start key whose item is gone.
        let start = page
            .after
            .as_ref()
            .map(|c| items::post_key(tenant, account, c.last_seen()));
        let prefix = items::posts_of(account);
        let listing = Listing {
            tenant,
            prefix: &prefix,
            attributes: items::POST_ATTRIBUTES,
            // Post ids are time-ordered: backwards is newest first.
            newest_first: true,
        };
        self.list(listing, start, page.limit, items::post_from_item, |p| &p.id)
            .await
    }

    async fn update_post(&self, post: &Post, audit: Option<&AuditEntry>) -> Result<(), StoreError> {
        // No stored post is at version 0, so an update claiming version 1 can only lose. A
        // post never stored has no version either, so its update fails the same condition.
        let read = post.version.checked_sub(1).ok_or(StoreError::Conflict)?;
        // The whole item is replaced, so queue keys a post no longer needs go with it.
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(items::post_item(post)?))
            .condition_expression("#version = :read")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":read", n(read))
            .build();
        let mut writes = vec![TransactWriteItem::builder().put(built(put)?).build()];
        if let Some(entry) = audit {
            writes.push(self.put_audit(entry)?);
        }
        match self.transact(writes).await? {
            Outcome::Written => Ok(()),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }
}

#[async_trait]
impl PostQueue for DynamoStore {
    async fn due_posts(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Post>, StoreError> {
        let partitions = (0..SHARDS).map(items::due_partition).collect();
        let queued = self
            .queue_head(partitions, Some(items::due_until(now)), limit as usize)
            .await?;
        let keys = queued
            .into_iter()
            .map(queued_post_key)
            .collect::<Result<Vec<_>, _>>()?;
        // The index is eventually consistent: a post may have been taken up, rescheduled or
        // finished since. The consistent reads of the posts themselves decide.
        let mut posts = Vec::with_capacity(keys.len());
        for item in self
            .get_each(keys, items::POST_ATTRIBUTES)
            .await?
            .into_iter()
            .flatten()
        {
            posts.push(items::post_from_item(&item)?);
        }
        posts.retain(|post| post.is_due(now));
        posts.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.id.cmp(&b.id)));
        Ok(posts)
    }
}
