//! Media items, in the tenant's partition:
//!
//! - `MEDIA#<media id>`: the record as JSON in `body` (its shape follows the content
//!   checks and needs no migration), with `status` and `version` beside it for conditions.
//!   Until it is expired it carries `gsi1pk = MEDIAEXP#<shard>` and `gsi1sk = <expiry millis,
//!   13 digits>#<tenant>#<media id>`, the expiry queue; once expired, `ttl` lets DynamoDB
//!   drop the tombstone a month later.
//! - `MEDIAUSAGE`: the bytes the tenant's media hold against the quota, changed with `ADD`
//!   in the same transaction as the record.

use super::{GSI1_PK, GSI1_SK, Item, PK, SK, TTL, VERSION, corrupt, due_order, get_s, n, s};
use super::{shard_of, tenant_pk};
use crate::domain::media::{Media, MediaStatus};
use crate::domain::{MediaId, TenantId};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;

const MEDIA_PREFIX: &str = "MEDIA#";
const USAGE_SK: &str = "MEDIAUSAGE";
const EXPIRY_PREFIX: &str = "MEDIAEXP#";
/// The attribute of the usage item.
pub(in crate::adapters::dynamodb) const BYTES: &str = "bytes";
const BODY: &str = "body";
/// The accounts whose posts named the medium, as a string set a filter can test.
pub(in crate::adapters::dynamodb) const ACCOUNTS: &str = "accounts";
/// The sort-key prefix of the tenant's media.
pub(in crate::adapters::dynamodb) const MEDIA_PREFIX_SK: &str = MEDIA_PREFIX;
/// How long an expired record (a tombstone that still answers `expired`) is kept.
const TOMBSTONE_RETENTION: TimeDelta = TimeDelta::days(30);

/// Every attribute a [`Media`] is read from.
pub(in crate::adapters::dynamodb) const MEDIA_ATTRIBUTES: &[&str] = &[BODY];

/// The key of a media record.
pub(in crate::adapters::dynamodb) fn media_key(tenant: &TenantId, id: &MediaId) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("{MEDIA_PREFIX}{id}"))),
    ])
}

/// The key of the tenant's usage item.
pub(in crate::adapters::dynamodb) fn usage_key(tenant: &TenantId) -> Item {
    HashMap::from([(PK.into(), tenant_pk(tenant)), (SK.into(), s(USAGE_SK))])
}

/// A partition of the expiry queue.
pub(in crate::adapters::dynamodb) fn expiry_partition(shard: u64) -> AttributeValue {
    s(format!("{EXPIRY_PREFIX}{shard}"))
}

/// The media record item, on the expiry queue until expired.
pub(in crate::adapters::dynamodb) fn media_item(media: &Media) -> Result<Item, StoreError> {
    let mut item = media_key(&media.tenant, &media.id);
    let body = serde_json::to_string(media).map_err(corrupt)?;
    item.extend([
        ("entity".into(), s("media")),
        (BODY.into(), s(body)),
        ("status".into(), s(media.status.as_str())),
        (VERSION.into(), n(media.version)),
    ]);
    if !media.accounts.is_empty() {
        let ids = media.accounts.iter().map(|a| a.to_string()).collect();
        item.insert(ACCOUNTS.into(), AttributeValue::Ss(ids));
    }
    if media.status == MediaStatus::Expired {
        let gone = media.updated_at + TOMBSTONE_RETENTION;
        item.insert(TTL.into(), n(gone.timestamp()));
    } else {
        item.insert(
            GSI1_PK.into(),
            expiry_partition(shard_of(media.id.as_str())),
        );
        item.insert(
            GSI1_SK.into(),
            due_order(
                media.expires_at,
                &[media.tenant.as_str(), media.id.as_str()],
            ),
        );
    }
    Ok(item)
}

/// The record of an item read with [`MEDIA_ATTRIBUTES`].
pub(in crate::adapters::dynamodb) fn media_from_item(item: &Item) -> Result<Media, StoreError> {
    serde_json::from_str(get_s(item, BODY)?).map_err(corrupt)
}

/// The greatest `gsi1sk` of a record expiring at `now`.
pub(in crate::adapters::dynamodb) fn expiring_until(now: DateTime<Utc>) -> AttributeValue {
    s(format!("{:013}#~", now.timestamp_millis().max(0)))
}
