//! Post items and their idempotency items, in the tenant's partition:
//!
//! - `POST#<account id>#<post id>`: the post. Post ids are time-ordered, so a backward
//!   query of one account's prefix lists its posts newest first.
//! - `IDEM#<account id>#<key digest>`: the id of the post an idempotency key made, written
//!   with the post under `attribute_not_exists`, which makes a key one post per account.
//!
//! A post a worker has to look at also carries `gsi1pk = POSTDUE#<shard>` and
//! `gsi1sk = <due millis, 13 digits>#<tenant>#<account>#<post>`: the due queue is a sparse
//! slice of `gsi1`, apart from the accounts' `REFRESHDUE#` shards and the `OUTBOX#` shards.

use super::{
    ACCOUNT_ID, GSI1_PK, GSI1_SK, Item, PK, SK, VERSION, corrupt, due_order, get_i64, get_opt_i64,
    get_opt_s, get_s, n, s, shard_of, tenant_pk, time,
};
use crate::domain::{
    AccountId, IdempotencyKey, Post, PostFailure, PostId, PostKind, PostStatus, Progress, TenantId,
    UserId,
};
use crate::ports::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

const POST_PREFIX: &str = "POST#";
const IDEM_PREFIX: &str = "IDEM#";
const DUE_PREFIX: &str = "POSTDUE#";
const POST_ID: &str = "post_id";
const FAILURE_CODE: &str = "failure_code";
const FAILURE_MESSAGE: &str = "failure_message";

/// Every attribute a [`Post`] is read from: all but the keys and index keys.
pub(in crate::adapters::dynamodb) const POST_ATTRIBUTES: &[&str] = &[
    "id",
    "tenant",
    ACCOUNT_ID,
    "created_by",
    "idempotency_key",
    "request_fingerprint",
    "request",
    "kind",
    "status",
    "publish_at",
    "progress",
    "media_id",
    "permalink",
    FAILURE_CODE,
    FAILURE_MESSAGE,
    "due_at",
    "attempts",
    "created_at",
    "updated_at",
    "published_at",
    VERSION,
];

/// What an idempotency item is read for: the post it names.
pub(in crate::adapters::dynamodb) const IDEM_ATTRIBUTES: &[&str] = &[POST_ID];

/// The sort-key prefix of one account's posts.
pub(in crate::adapters::dynamodb) fn posts_of(account: &AccountId) -> String {
    format!("{POST_PREFIX}{account}#")
}

/// The sort-key prefix of one account's idempotency items.
pub(in crate::adapters::dynamodb) fn idems_of(account: &AccountId) -> String {
    format!("{IDEM_PREFIX}{account}#")
}

/// The key of a post; also where a listing resumes.
pub(in crate::adapters::dynamodb) fn post_key(
    tenant: &TenantId,
    account: &AccountId,
    id: &PostId,
) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (SK.into(), s(format!("{}{id}", posts_of(account)))),
    ])
}

/// The key of the item that ties an idempotency key to the account's post. The key is
/// stored as its digest: fixed length, and free of the `#` a client may put in a key.
pub(in crate::adapters::dynamodb) fn idem_key(
    tenant: &TenantId,
    account: &AccountId,
    key: &IdempotencyKey,
) -> Item {
    HashMap::from([
        (PK.into(), tenant_pk(tenant)),
        (
            SK.into(),
            s(format!("{IDEM_PREFIX}{account}#{}", key.digest())),
        ),
    ])
}

/// The idempotency item of `post`.
pub(in crate::adapters::dynamodb) fn idem_item(post: &Post) -> Item {
    let mut item = idem_key(&post.tenant, &post.account_id, &post.idempotency_key);
    item.extend([
        ("entity".into(), s("idempotency")),
        (ACCOUNT_ID.into(), s(post.account_id.as_str())),
        (POST_ID.into(), s(post.id.as_str())),
    ]);
    item
}

/// The post id an idempotency item names.
pub(in crate::adapters::dynamodb) fn post_id_of_idem(item: &Item) -> Result<PostId, StoreError> {
    PostId::parse(get_s(item, POST_ID)?).map_err(corrupt)
}

/// The due-queue shard of a post.
pub(in crate::adapters::dynamodb) fn due_shard(id: &PostId) -> u64 {
    shard_of(id.as_str())
}

/// The `gsi1` partition of a due-queue shard.
pub(in crate::adapters::dynamodb) fn due_partition(shard: u64) -> AttributeValue {
    s(format!("{DUE_PREFIX}{shard}"))
}

/// The greatest `gsi1sk` of a post due at `now`: `~` sorts after every character an id
/// may start with, so every post due in `now`'s millisecond is below it.
pub(in crate::adapters::dynamodb) fn due_until(now: DateTime<Utc>) -> AttributeValue {
    s(format!("{:013}#~", now.timestamp_millis().max(0)))
}

/// The post item, with its due-queue keys while a worker has something to do with it.
pub(in crate::adapters::dynamodb) fn post_item(post: &Post) -> Result<Item, StoreError> {
    let mut item = post_key(&post.tenant, &post.account_id, &post.id);
    item.extend([
        ("entity".into(), s("post")),
        ("id".into(), s(post.id.as_str())),
        ("tenant".into(), s(post.tenant.as_str())),
        (ACCOUNT_ID.into(), s(post.account_id.as_str())),
        ("created_by".into(), s(post.created_by.as_str())),
        ("idempotency_key".into(), s(post.idempotency_key.as_str())),
        ("request_fingerprint".into(), s(&post.request_fingerprint)),
        (
            "request".into(),
            s(serde_json::to_string(&post.request).map_err(corrupt)?),
        ),
        ("kind".into(), s(post.kind.as_str())),
        ("status".into(), s(post.status.as_str())),
        (
            "progress".into(),
            s(serde_json::to_string(&post.progress).map_err(corrupt)?),
        ),
        ("attempts".into(), n(post.attempts)),
        ("created_at".into(), n(post.created_at.timestamp_millis())),
        ("updated_at".into(), n(post.updated_at.timestamp_millis())),
        (VERSION.into(), n(post.version)),
    ]);
    let optional_text = [
        ("media_id", post.media_id.as_deref()),
        ("permalink", post.permalink.as_deref()),
        (FAILURE_CODE, post.failure.as_ref().map(|f| f.code.as_str())),
        (
            FAILURE_MESSAGE,
            post.failure.as_ref().map(|f| f.message.as_str()),
        ),
    ];
    for (name, value) in optional_text {
        if let Some(value) = value {
            item.insert(name.into(), s(value));
        }
    }
    let optional_times = [
        ("publish_at", post.publish_at),
        ("due_at", post.due_at),
        ("published_at", post.published_at),
    ];
    for (name, value) in optional_times {
        if let Some(at) = value {
            item.insert(name.into(), n(at.timestamp_millis()));
        }
    }
    // Sparse: only posts a worker still acts on are on the queue.
    if let Some(due_at) = post.due_at.filter(|_| !post.status.is_final()) {
        item.insert(GSI1_PK.into(), due_partition(due_shard(&post.id)));
        item.insert(
            GSI1_SK.into(),
            due_order(
                due_at,
                &[
                    post.tenant.as_str(),
                    post.account_id.as_str(),
                    post.id.as_str(),
                ],
            ),
        );
    }
    Ok(item)
}

/// Reads a post item back.
pub(in crate::adapters::dynamodb) fn post_from_item(item: &Item) -> Result<Post, StoreError> {
    let opt_time = |name: &str| get_opt_i64(item, name)?.map(time).transpose();
    let opt_text = |name: &str| Ok::<_, StoreError>(get_opt_s(item, name)?.map(str::to_owned));
    let failure = match (opt_text(FAILURE_CODE)?, opt_text(FAILURE_MESSAGE)?) {
        (None, None) => None,
        (Some(code), Some(message)) => Some(PostFailure { code, message }),
        _ => return Err(corrupt("a post failure without its code or message")),
    };
    Ok(Post {
        id: PostId::parse(get_s(item, "id")?).map_err(corrupt)?,
        tenant: TenantId::parse(get_s(item, "tenant")?).map_err(corrupt)?,
        account_id: AccountId::parse(get_s(item, ACCOUNT_ID)?).map_err(corrupt)?,
        created_by: UserId::parse(get_s(item, "created_by")?).map_err(corrupt)?,
        idempotency_key: IdempotencyKey::parse(get_s(item, "idempotency_key")?)
            .ok_or_else(|| corrupt("idempotency key"))?,
        request_fingerprint: get_s(item, "request_fingerprint")?.to_owned(),
        request: serde_json::from_str(get_s(item, "request")?).map_err(corrupt)?,
        kind: PostKind::parse(get_s(item, "kind")?).ok_or_else(|| corrupt("post kind"))?,
        status: PostStatus::parse(get_s(item, "status")?).ok_or_else(|| corrupt("status"))?,
        publish_at: opt_time("publish_at")?,
        progress: serde_json::from_str::<Progress>(get_s(item, "progress")?).map_err(corrupt)?,
        media_id: opt_text("media_id")?,
        permalink: opt_text("permalink")?,
        failure,
        due_at: opt_time("due_at")?,
        attempts: u32::try_from(get_i64(item, "attempts")?)
            .map_err(|_| corrupt("attempts out of range"))?,
        created_at: time(get_i64(item, "created_at")?)?,
        updated_at: time(get_i64(item, "updated_at")?)?,
        published_at: opt_time("published_at")?,
        version: u64::try_from(get_i64(item, VERSION)?).map_err(|_| corrupt("negative version"))?,
    })
}

#[cfg(test)]
mod tests;
