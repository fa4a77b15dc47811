//! Media records: the record as JSON (its shape changes with the content checks, which need
//! no migration), with the columns the expiry index and the version condition read; the
//! tenant's usage in its own row, changed in the same transaction as the record.

use super::rows::millis;
use super::{SqliteStore, corrupt, immediate, unavailable};
use crate::domain::media::{Media, MediaStatus};
use crate::domain::{AccountId, MediaId, TenantId};
use crate::ports::{MediaInsert, MediaStore, StoreError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

fn media_from_body(body: &str) -> Result<Media, StoreError> {
    serde_json::from_str(body).map_err(corrupt)
}

fn usage(tx: &rusqlite::Connection, tenant: &str) -> Result<u64, StoreError> {
    let bytes: Option<i64> = tx
        .query_row(
            "SELECT bytes FROM media_usage WHERE tenant = ?1",
            params![tenant],
            |r| r.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    Ok(bytes.unwrap_or(0).max(0) as u64)
}

fn add_usage(tx: &rusqlite::Connection, tenant: &str, delta: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO media_usage (tenant, bytes) VALUES (?1, max(?2, 0))
         ON CONFLICT (tenant) DO UPDATE SET bytes = max(bytes + ?2, 0)",
        params![tenant, delta],
    )
    .map_err(unavailable)?;
    Ok(())
}

fn signed(bytes: u64) -> Result<i64, StoreError> {
    i64::try_from(bytes).map_err(|_| corrupt("media size beyond i64"))
}

/// Inside `tx`: the tenant's media naming `account` become due for expiry at `now`.
pub(super) fn expire_naming(
    tx: &rusqlite::Connection,
    tenant: &TenantId,
    account: &AccountId,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut q = tx
        .prepare_cached(
            "SELECT body FROM media WHERE tenant = ?1 AND status <> 'expired'
             AND EXISTS (SELECT 1 FROM json_each(media.body, '$.accounts') WHERE value = ?2)",
        )
        .map_err(unavailable)?;
    let bodies = q
        .query_map(params![tenant.as_str(), account.as_str()], |r| {
            r.get::<_, String>(0)
        })
        .map_err(unavailable)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(unavailable)?;
    for body in &bodies {
        let mut media = media_from_body(body)?;
        media.expires_at = now;
        media.updated_at = now;
        media.version += 1;
        tx.execute(
            "UPDATE media SET expires_at = ?3, body = ?4, version = ?5 WHERE tenant = ?1 AND id = ?2",
            params![
                tenant.as_str(),
                media.id.as_str(),
                millis(now),
                serde_json::to_string(&media).map_err(corrupt)?,
                signed(media.version)?
            ],
        )
        .map_err(unavailable)?;
    }
    Ok(bodies.len())
}

#[async_trait]
impl MediaStore for SqliteStore {
    async fn insert_media(&self, media: &Media, quota: u64) -> Result<MediaInsert, StoreError> {
        let media = media.clone();
        self.run(move |c| {
            let tx = immediate(c)?;
            let tenant = media.tenant.as_str();
            let used = usage(&tx, tenant)?;
            if used.saturating_add(media.counted_bytes) > quota {
                return Ok(MediaInsert::QuotaExceeded { used });
            }
            let body = serde_json::to_string(&media).map_err(corrupt)?;
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO media (tenant, id, status, expires_at, body, version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        tenant,
                        media.id.as_str(),
                        media.status.as_str(),
                        millis(media.expires_at),
                        body,
                        signed(media.version)?
                    ],
                )
                .map_err(unavailable)?;
            if inserted == 0 {
                // Ids are fresh UUIDs: a taken one is a caller's mistake.
                return Err(StoreError::Conflict);
            }
            add_usage(&tx, tenant, signed(media.counted_bytes)?)?;
            tx.commit().map_err(unavailable)?;
            Ok(MediaInsert::Created)
        })
        .await
    }

    async fn get_media(
        &self,
        tenant: &TenantId,
        id: &MediaId,
    ) -> Result<Option<Media>, StoreError> {
        let (tenant, id) = (tenant.to_string(), id.to_string());
        self.run(move |c| {
            let body: Option<String> = c
                .query_row(
                    "SELECT body FROM media WHERE tenant = ?1 AND id = ?2",
                    params![tenant, id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            body.as_deref().map(media_from_body).transpose()
        })
        .await
    }

    async fn update_media(&self, media: &Media, usage_delta: i64) -> Result<(), StoreError> {
        let media = media.clone();
        self.run(move |c| {
            let read = media.version.checked_sub(1).ok_or(StoreError::Conflict)?;
            let tx = immediate(c)?;
            let body = serde_json::to_string(&media).map_err(corrupt)?;
            let changed = tx
                .execute(
                    "UPDATE media SET status = ?3, expires_at = ?4, body = ?5, version = ?6
                     WHERE tenant = ?1 AND id = ?2 AND version = ?7",
                    params![
                        media.tenant.as_str(),
                        media.id.as_str(),
                        media.status.as_str(),
                        millis(media.expires_at),
                        body,
                        signed(media.version)?,
                        signed(read)?
                    ],
                )
                .map_err(unavailable)?;
            if changed == 0 {
                return Err(StoreError::Conflict);
            }
            if usage_delta != 0 {
                add_usage(&tx, media.tenant.as_str(), usage_delta)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn media_usage(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        let tenant = tenant.to_string();
        self.run(move |c| usage(c, &tenant)).await
    }

    async fn expire_account_media(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let (tenant, account) = (tenant.clone(), account.clone());
        self.run(move |c| {
            let tx = immediate(c)?;
            let n = expire_naming(&tx, &tenant, &account, now)?;
            tx.commit().map_err(unavailable)?;
            Ok(n)
        })
        .await
    }

    async fn expiring_media(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Media>, StoreError> {
        self.run(move |c| {
            let mut q = c
                .prepare_cached(
                    "SELECT body FROM media
                     WHERE status <> 'expired' AND expires_at <= ?1
                     ORDER BY expires_at LIMIT ?2",
                )
                .map_err(unavailable)?;
            let rows = q
                .query_map(params![millis(now), limit], |r| r.get::<_, String>(0))
                .map_err(unavailable)?;
            let mut out = Vec::new();
            for row in rows {
                let body = row.map_err(unavailable)?;
                let media = media_from_body(&body)?;
                if media.status != MediaStatus::Expired {
                    out.push(media);
                }
            }
            Ok(out)
        })
        .await
    }
}
