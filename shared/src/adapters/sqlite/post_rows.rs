//! Mapping between post rows and [`Post`]. The request and the progress are kept as JSON
//! text: they are read and written whole, never queried, and new fields need no migration.

use super::corrupt;
use super::rows::{from_millis, millis};
use crate::domain::{
    AccountId, IdempotencyKey, Post, PostFailure, PostId, PostKind, PostStatus, Progress, TenantId,
    UserId,
};
use crate::ports::StoreError;
use rusqlite::Row;
use rusqlite::types::Value;

/// Every column of a post, in the order [`post_from_row`] reads and [`post_values`] writes.
pub(super) const POST_COLUMNS: &str = "tenant, account_id, id, created_by, idempotency_key, \
    idempotency_digest, request_fingerprint, request, kind, status, publish_at, progress, \
    media_id, permalink, failure_code, failure_message, due_at, attempts, created_at, \
    updated_at, published_at, version";

/// The SQL list of the statuses a worker still acts on, as the `posts_due` index names them
/// (a query must repeat the index's condition for SQLite to use it).
pub(super) const UNFINISHED: &str = "('scheduled', 'processing')";

/// `?1, ?2, ...` for every column of [`POST_COLUMNS`].
pub(super) fn post_placeholders() -> String {
    (1..=POST_COLUMNS.split(',').count())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values of `post`, in [`POST_COLUMNS`] order.
pub(super) fn post_values(post: &Post) -> Result<Vec<Value>, StoreError> {
    let text = |s: &str| Value::Text(s.to_owned());
    let opt_text = |s: Option<&str>| s.map_or(Value::Null, text);
    let time = |t| Value::Integer(millis(t));
    let opt_time = |t: Option<_>| t.map_or(Value::Null, time);
    let version = i64::try_from(post.version).map_err(|_| corrupt("version out of range"))?;
    Ok(vec![
        text(post.tenant.as_str()),
        text(post.account_id.as_str()),
        text(post.id.as_str()),
        text(post.created_by.as_str()),
        text(post.idempotency_key.as_str()),
        Value::Text(post.idempotency_key.digest()),
        text(&post.request_fingerprint),
        Value::Text(serde_json::to_string(&post.request).map_err(corrupt)?),
        text(post.kind.as_str()),
        text(post.status.as_str()),
        opt_time(post.publish_at),
        Value::Text(serde_json::to_string(&post.progress).map_err(corrupt)?),
        opt_text(post.media_id.as_deref()),
        opt_text(post.permalink.as_deref()),
        opt_text(post.failure.as_ref().map(|f| f.code.as_str())),
        opt_text(post.failure.as_ref().map(|f| f.message.as_str())),
        opt_time(post.due_at),
        Value::Integer(i64::from(post.attempts)),
        time(post.created_at),
        time(post.updated_at),
        opt_time(post.published_at),
        Value::Integer(version),
    ])
}

/// Reads a post row; columns in [`POST_COLUMNS`] order.
pub(super) fn post_from_row(row: &Row<'_>) -> Result<Post, StoreError> {
    let text = |i: usize| row.get::<_, String>(i).map_err(corrupt);
    let opt_text = |i: usize| row.get::<_, Option<String>>(i).map_err(corrupt);
    let time = |i: usize| from_millis(row.get(i).map_err(corrupt)?);
    let opt_time = |i: usize| {
        row.get::<_, Option<i64>>(i)
            .map_err(corrupt)?
            .map(from_millis)
            .transpose()
    };
    let failure = match (opt_text(14)?, opt_text(15)?) {
        (None, None) => None,
        (Some(code), Some(message)) => Some(PostFailure { code, message }),
        _ => return Err(corrupt("a post failure without its code or message")),
    };
    Ok(Post {
        tenant: TenantId::parse(text(0)?).map_err(corrupt)?,
        account_id: AccountId::parse(text(1)?).map_err(corrupt)?,
        id: PostId::parse(text(2)?).map_err(corrupt)?,
        created_by: UserId::parse(text(3)?).map_err(corrupt)?,
        idempotency_key: IdempotencyKey::parse(&text(4)?)
            .ok_or_else(|| corrupt("idempotency key"))?,
        // Column 5 is the key's digest: what the uniqueness holds on, not part of the post.
        request_fingerprint: text(6)?,
        request: serde_json::from_str(&text(7)?).map_err(corrupt)?,
        kind: PostKind::parse(&text(8)?).ok_or_else(|| corrupt("post kind"))?,
        status: PostStatus::parse(&text(9)?).ok_or_else(|| corrupt("post status"))?,
        publish_at: opt_time(10)?,
        progress: serde_json::from_str::<Progress>(&text(11)?).map_err(corrupt)?,
        media_id: opt_text(12)?,
        permalink: opt_text(13)?,
        failure,
        due_at: opt_time(16)?,
        attempts: u32::try_from(row.get::<_, i64>(17).map_err(corrupt)?)
            .map_err(|_| corrupt("attempts out of range"))?,
        created_at: time(18)?,
        updated_at: time(19)?,
        published_at: opt_time(20)?,
        version: u64::try_from(row.get::<_, i64>(21).map_err(corrupt)?)
            .map_err(|_| corrupt("negative version"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unfinished_statuses_are_the_ones_the_domain_calls_unfinished() {
        let named: Vec<_> = PostStatus::ALL
            .into_iter()
            .filter(|s| !s.is_final())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        assert_eq!(UNFINISHED, format!("({})", named.join(", ")));
    }

    #[test]
    fn every_column_has_a_placeholder() {
        assert_eq!(post_placeholders().split(", ").count(), 22);
        assert!(post_placeholders().ends_with("?22"));
    }
}
