//! Media records and the tenant's usage (see `items/media.rs`): the record and the usage
//! change in one transaction, the quota is a condition on the usage item, and the expiry
//! queue is a sparse, sharded slice of `gsi1` like the due posts.

use super::DynamoStore;
use super::items::{self, BYTES, Item, PK, SHARDS, SK, VERSION, n};
use super::writes::{Outcome, built};
use crate::domain::media::{Media, MediaStatus};
use crate::domain::{AccountId, MediaId, TenantId};
use crate::ports::{MediaInsert, MediaStore, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

impl DynamoStore {
    /// `ADD bytes :delta` on the tenant's usage item, under `condition` when given.
    fn usage_change(
        &self,
        tenant: &TenantId,
        delta: i64,
        room: Option<u64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::usage_key(tenant)))
            .update_expression("ADD #bytes :delta")
            .expression_attribute_names("#bytes", BYTES)
            .expression_attribute_values(":delta", n(delta));
        if let Some(room) = room {
            update = update
                .condition_expression("attribute_not_exists(#bytes) OR #bytes <= :room")
                .expression_attribute_values(":room", n(room));
        }
        Ok(TransactWriteItem::builder()
            .update(built(update.build())?)
            .build())
    }
}

fn signed(bytes: u64) -> Result<i64, StoreError> {
    i64::try_from(bytes).map_err(|_| StoreError::Corrupt("media size beyond i64".into()))
}

fn usage_of(item: Option<Item>) -> u64 {
    match item.as_ref().and_then(|i| i.get(BYTES)) {
        Some(AttributeValue::N(v)) => v.parse::<i64>().unwrap_or(0).max(0) as u64,
        _ => 0,
    }
}

#[async_trait]
impl MediaStore for DynamoStore {
    async fn insert_media(&self, media: &Media, quota: u64) -> Result<MediaInsert, StoreError> {
        let Some(room) = quota.checked_sub(media.counted_bytes) else {
            let used = self.media_usage(&media.tenant).await?;
            return Ok(MediaInsert::QuotaExceeded { used });
        };
        let writes = vec![
            self.put(items::media_item(media)?, "attribute_not_exists(#pk)")?,
            self.usage_change(&media.tenant, signed(media.counted_bytes)?, Some(room))?,
        ];
        match self.transact(writes).await? {
            Outcome::Written => Ok(MediaInsert::Created),
            Outcome::Refused(failed) if failed.get(1) == Some(&true) => {
                let used = self.media_usage(&media.tenant).await?;
                Ok(MediaInsert::QuotaExceeded { used })
            }
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }

    async fn get_media(
        &self,
        tenant: &TenantId,
        id: &MediaId,
    ) -> Result<Option<Media>, StoreError> {
        self.get(items::media_key(tenant, id), items::MEDIA_ATTRIBUTES)
            .await?
            .map(|item| items::media_from_item(&item))
            .transpose()
    }

    async fn update_media(&self, media: &Media, usage_delta: i64) -> Result<(), StoreError> {
        let read = media.version.checked_sub(1).ok_or(StoreError::Conflict)?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(items::media_item(media)?))
            .condition_expression("#version = :read")
            .expression_attribute_names("#version", VERSION)
            .expression_attribute_values(":read", n(read))
            .build();
        let mut writes = vec![TransactWriteItem::builder().put(built(put)?).build()];
        if usage_delta != 0 {
            writes.push(self.usage_change(&media.tenant, usage_delta, None)?);
        }
        match self.transact(writes).await? {
            Outcome::Written => Ok(()),
            Outcome::Refused(_) => Err(StoreError::Conflict),
        }
    }

    async fn media_usage(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        Ok(usage_of(
            self.get(items::usage_key(tenant), &[BYTES]).await?,
        ))
    }

    async fn expire_account_media(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        // One query of the tenant's media (a disconnect is rare, a tenant's media few),
        // filtered on the account set; each record then moves on from the version read.
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .filter_expression("contains(#accounts, :account)")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_names("#accounts", items::MEDIA_ACCOUNTS)
                .expression_attribute_values(":pk", items::tenant_pk(tenant))
                .expression_attribute_values(":prefix", items::s(items::MEDIA_PREFIX_SK))
                .expression_attribute_values(":account", items::s(account.as_str()))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .send()
                .await
                .map_err(super::unavailable)?;
            for item in out.items.unwrap_or_default() {
                found.push(items::media_from_item(&item)?);
            }
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        let mut expired = 0;
        for media in found
            .into_iter()
            .filter(|m| m.status != MediaStatus::Expired)
        {
            let mut next = media.next(now);
            next.expires_at = now;
            match self.update_media(&next, 0).await {
                Ok(()) => expired += 1,
                // Moved on meanwhile (processed, expired): the next pass sees it anyway.
                Err(StoreError::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(expired)
    }

    async fn expiring_media(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Media>, StoreError> {
        let partitions = (0..SHARDS).map(items::expiry_partition).collect();
        let queued = self
            .queue_head(partitions, Some(items::expiring_until(now)), limit as usize)
            .await?;
        let keys = queued
            .into_iter()
            .map(|mut entry| {
                let mut key = Item::new();
                for name in [PK, SK] {
                    let v = entry.remove(name).ok_or_else(|| {
                        StoreError::Corrupt(format!("queue entry without {name}"))
                    })?;
                    key.insert(name.to_owned(), v);
                }
                Ok(key)
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // The index is eventually consistent: the records themselves decide.
        let mut media = Vec::with_capacity(keys.len());
        for item in self
            .get_each(keys, items::MEDIA_ATTRIBUTES)
            .await?
            .into_iter()
            .flatten()
        {
            let m = items::media_from_item(&item)?;
            if m.status != MediaStatus::Expired && m.expires_at <= now {
                media.push(m);
            }
        }
        media.sort_by(|a, b| {
            a.expires_at
                .cmp(&b.expires_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(media)
    }
}
