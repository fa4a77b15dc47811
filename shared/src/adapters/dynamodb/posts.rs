//! Posts: a post item and its idempotency item, created together under absence
//! conditions; updates conditional on the version read, with their audit entry in the same
//! transaction; and the due queue, a sparse, sharded slice of `gsi1` (see
//! `items/post.rs` and `docs/dynamodb.md`).

use super::items::{self, DUE_SHARDS, GSI1, GSI1_PK, GSI1_SK, Item, PK, SK, VERSION, n};
use super::writes::{Outcome, built};
use super::{DynamoStore, Listing, unavailable};
use crate::domain::{
    AccountId, AuditEntry, IdempotencyKey, Page, PageRequest, Post, PostId, TenantId,
};
use crate::ports::{PostInsert, PostQueue, PostStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

/// How many posts of the queue are read at once.
const READS_AT_ONCE: usize = 16;

/// A post on the due queue, as the keys-only index gives it.
struct Queued {
    /// `<due millis>#<tenant>#<account>#<post>`: the queue's order.
    order: String,
    /// The post item's key.
    key: Item,
}

impl Queued {
    fn from_index(mut item: Item) -> Result<Self, StoreError> {
        let mut text = |name: &str| match item.remove(name) {
            Some(AttributeValue::S(v)) => Ok(v),
            _ => Err(StoreError::Corrupt(format!("queue entry without {name}"))),
        };
        let order = text(GSI1_SK)?;
        let key = [(PK, text(PK)?), (SK, text(SK)?)]
            .into_iter()
            .map(|(name, v)| (name.to_owned(), AttributeValue::S(v)))
            .collect();
        Ok(Self { order, key })
    }
}

impl DynamoStore {
    /// Up to `limit` posts of one queue shard due by `until`, earliest first. A query page
    /// may stop short (1 MB), so this reads on until there are enough or the shard ends.
    async fn due_in_shard(
        &self,
        shard: u64,
        until: AttributeValue,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let wanted = i32::try_from(limit - found.len()).unwrap_or(i32::MAX);
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("#pk = :pk AND #sk <= :until")
                .expression_attribute_names("#pk", GSI1_PK)
                .expression_attribute_names("#sk", GSI1_SK)
                .expression_attribute_values(":pk", items::due_partition(shard))
                .expression_attribute_values(":until", until.clone())
                .set_exclusive_start_key(start.take())
                .limit(wanted)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                found.push(Queued::from_index(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if found.len() < limit => start = Some(key),
                _ => return Ok(found),
            }
        }
    }

    /// Strongly consistent reads of the posts at `keys`, a few at a time, in the keys'
    /// order; posts gone since are left out.
    async fn posts_at(&self, keys: Vec<Item>) -> Result<Vec<Post>, StoreError> {
        let mut posts = Vec::with_capacity(keys.len());
        let mut keys = keys.into_iter().peekable();
        while keys.peek().is_some() {
            let mut reads = JoinSet::new();
            for (i, key) in keys.by_ref().take(READS_AT_ONCE).enumerate() {
                let store = self.clone();
                reads.spawn(async move { (i, store.get(key, items::POST_ATTRIBUTES).await) });
            }
            let mut batch = Vec::new();
            while let Some(joined) = reads.join_next().await {
                let (i, read) = joined.map_err(|e| StoreError::Unavailable(e.to_string()))?;
                if let Some(item) = read? {
                    batch.push((i, items::post_from_item(&item)?));
                }
            }
            batch.sort_by_key(|(i, _)| *i);
            posts.extend(batch.into_iter().map(|(_, post)| post));
        }
        Ok(posts)
    }
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
        let limit = limit as usize;
        if limit == 0 {
            return Ok(Vec::new());
        }
        // Each shard in due order, merged: the first `limit` of all of them are among the
        // first `limit` of each.
        let mut shards = JoinSet::new();
        for shard in 0..DUE_SHARDS {
            let store = self.clone();
            let until = items::due_until(now);
            shards.spawn(async move { store.due_in_shard(shard, until, limit).await });
        }
        let mut queued = Vec::new();
        while let Some(joined) = shards.join_next().await {
            queued.extend(joined.map_err(|e| StoreError::Unavailable(e.to_string()))??);
        }
        queued.sort_by(|a, b| a.order.cmp(&b.order));
        queued.truncate(limit);
        // The index is eventually consistent: a post may have been taken up, rescheduled or
        // finished since. The consistent reads of the posts themselves decide.
        let mut posts = self
            .posts_at(queued.into_iter().map(|q| q.key).collect())
            .await?;
        posts.retain(|post| post.is_due(now));
        posts.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.id.cmp(&b.id)));
        Ok(posts)
    }
}
