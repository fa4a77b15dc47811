//! Posts and the due queue. A post is one row keyed by (tenant, account, id); the table's
//! unique (tenant, account, idempotency digest) makes a key one post per account, and a
//! partial index on `due_at` over the unfinished posts is the worker's queue.
//!
//! Posts do not reference the accounts table: the DynamoDB store cannot enforce such a
//! reference either, and the use cases authorize on the account before they touch a post.

use super::audit::insert_audit;
use super::post_rows::{POST_COLUMNS, UNFINISHED, post_from_row, post_placeholders, post_values};
use super::rows::millis;
use super::{SqliteStore, immediate, unavailable};
use crate::domain::{
    AccountId, AuditEntry, Cursor, IdempotencyKey, Page, PageRequest, Post, PostId, TenantId,
};
use crate::ports::{PostInsert, PostQueue, PostStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

/// Columns an update leaves alone: the keys and the idempotency key, which make the post
/// the one it is.
const FIXED: [&str; 5] = [
    "tenant",
    "account_id",
    "id",
    "idempotency_key",
    "idempotency_digest",
];

/// Runs `sql` and reads every row as a post.
fn query_posts(
    c: &Connection,
    sql: &str,
    values: impl rusqlite::Params,
) -> Result<Vec<Post>, StoreError> {
    let mut stmt = c.prepare_cached(sql).map_err(unavailable)?;
    let mut rows = stmt.query(values).map_err(unavailable)?;
    let mut posts = Vec::new();
    while let Some(row) = rows.next().map_err(unavailable)? {
        posts.push(post_from_row(row)?);
    }
    Ok(posts)
}

/// The account's post whose idempotency key has `digest`.
fn by_key(
    c: &Connection,
    tenant: &TenantId,
    account: &AccountId,
    digest: &str,
) -> Result<Option<Post>, StoreError> {
    let sql = format!(
        "SELECT {POST_COLUMNS} FROM posts
         WHERE tenant = ?1 AND account_id = ?2 AND idempotency_digest = ?3"
    );
    let found = query_posts(c, &sql, params![tenant.as_str(), account.as_str(), digest])?;
    Ok(found.into_iter().next())
}

/// `UPDATE posts SET <every column but the fixed ones> ... WHERE <keys> AND version = ?N`,
/// with placeholders numbered as [`post_values`] orders them, the read version last.
fn update_sql() -> String {
    let columns: Vec<&str> = POST_COLUMNS.split(',').map(str::trim).collect();
    let set = columns
        .iter()
        .enumerate()
        .filter(|(_, name)| !FIXED.contains(name))
        .map(|(i, name)| format!("{name} = ?{}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "UPDATE posts SET {set} WHERE tenant = ?1 AND account_id = ?2 AND id = ?3 AND version = ?{}",
        columns.len() + 1
    )
}

#[async_trait]
impl PostStore for SqliteStore {
    async fn insert_post(&self, post: &Post) -> Result<PostInsert, StoreError> {
        let values = post_values(post)?;
        let (tenant, account, digest) = (
            post.tenant.clone(),
            post.account_id.clone(),
            post.idempotency_key.digest(),
        );
        self.run(move |c| {
            let tx = immediate(c)?;
            // The unique key decides: a key already used on the account inserts nothing.
            let inserted = tx
                .execute(
                    &format!(
                        "INSERT INTO posts ({POST_COLUMNS}) VALUES ({})
                         ON CONFLICT (tenant, account_id, idempotency_digest) DO NOTHING",
                        post_placeholders()
                    ),
                    params_from_iter(values),
                )
                .map_err(unavailable)?;
            if inserted == 1 {
                tx.commit().map_err(unavailable)?;
                return Ok(PostInsert::Created);
            }
            by_key(&tx, &tenant, &account, &digest)?
                .map(|p| PostInsert::Existing(Box::new(p)))
                .ok_or_else(|| StoreError::Unavailable("the post with this key vanished".into()))
        })
        .await
    }

    async fn find_post_by_key(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        key: &IdempotencyKey,
    ) -> Result<Option<Post>, StoreError> {
        let (tenant, account, digest) = (tenant.clone(), account.clone(), key.digest());
        self.run(move |c| by_key(c, &tenant, &account, &digest))
            .await
    }

    async fn get_post(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        id: &PostId,
    ) -> Result<Option<Post>, StoreError> {
        let (tenant, account, id) = (tenant.clone(), account.clone(), id.clone());
        self.run(move |c| {
            let sql = format!(
                "SELECT {POST_COLUMNS} FROM posts WHERE tenant = ?1 AND account_id = ?2 AND id = ?3"
            );
            let found = query_posts(
                c,
                &sql,
                params![tenant.as_str(), account.as_str(), id.as_str()],
            )?;
            Ok(found.into_iter().next())
        })
        .await
    }

    async fn list_posts(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        page: &PageRequest<PostId>,
    ) -> Result<Page<Post, PostId>, StoreError> {
        let (tenant, account) = (tenant.clone(), account.clone());
        let limit = page.limit as usize;
        let before = page.after.as_ref().map(|c| c.last_seen().to_string());
        self.run(move |c| {
            let sql = format!(
                "SELECT {POST_COLUMNS} FROM posts
                 WHERE tenant = ?1 AND account_id = ?2 AND (?3 IS NULL OR id < ?3)
                 ORDER BY id DESC LIMIT ?4"
            );
            // One row more than asked tells whether another page exists.
            let mut items = query_posts(
                c,
                &sql,
                params![
                    tenant.as_str(),
                    account.as_str(),
                    before,
                    (limit + 1) as i64
                ],
            )?;
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|p| Cursor::after(&p.id))
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
    }

    async fn update_post(&self, post: &Post, audit: Option<&AuditEntry>) -> Result<(), StoreError> {
        // No stored post is at version 0, so an update claiming version 1 can only lose.
        let read = post.version.checked_sub(1).ok_or(StoreError::Conflict)?;
        let mut values = post_values(post)?;
        values.push(Value::Integer(
            i64::try_from(read).map_err(|_| StoreError::Conflict)?,
        ));
        let audit = audit.cloned();
        self.run(move |c| {
            let tx = immediate(c)?;
            let changed = tx
                .execute(&update_sql(), params_from_iter(values))
                .map_err(unavailable)?;
            if changed != 1 {
                return Err(StoreError::Conflict);
            }
            if let Some(entry) = &audit {
                insert_audit(&tx, entry)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }
}

#[async_trait]
impl PostQueue for SqliteStore {
    async fn due_posts(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Post>, StoreError> {
        self.run(move |c| query_posts(c, &due_sql(), params![millis(now), i64::from(limit)]))
            .await
    }
}

/// The queue's query: it repeats the `posts_due` index's condition, so SQLite reads the
/// index in due order and stops at the limit.
fn due_sql() -> String {
    format!(
        "SELECT {POST_COLUMNS} FROM posts
         WHERE due_at IS NOT NULL AND status IN {UNFINISHED} AND due_at <= ?1
         ORDER BY due_at, id LIMIT ?2"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_sets_every_column_but_the_identity_and_checks_the_version() {
        let sql = update_sql();
        let (set, condition) = sql.split_once(" WHERE ").expect("a condition");
        for fixed in FIXED {
            assert!(!set.contains(&format!(" {fixed} =")), "{set}");
        }
        assert!(
            set.contains(" status = ?10,") && set.ends_with(" version = ?22"),
            "{set}"
        );
        assert_eq!(
            condition,
            "tenant = ?1 AND account_id = ?2 AND id = ?3 AND version = ?23"
        );
    }

    #[tokio::test]
    async fn the_queue_reads_the_due_index() {
        let store = SqliteStore::in_memory().expect("store");
        let plan = store
            .run(|c| {
                let mut stmt = c
                    .prepare(&format!("EXPLAIN QUERY PLAN {}", due_sql()))
                    .map_err(unavailable)?;
                let mut rows = stmt.query(params![0, 1]).map_err(unavailable)?;
                let mut plan = String::new();
                while let Some(row) = rows.next().map_err(unavailable)? {
                    plan.push_str(&row.get::<_, String>(3).map_err(unavailable)?);
                    plan.push('\n');
                }
                Ok(plan)
            })
            .await
            .expect("plan");
        assert!(plan.contains("posts_due"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "no sort: {plan}");
    }
}
