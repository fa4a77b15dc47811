//! The audit trail. Entries are inserted inside the caller's transaction (see
//! [`insert_audit`]), so they commit or roll back with the change they record.

use super::rows::{from_millis, millis};
use super::{SqliteStore, corrupt, unavailable};
use crate::domain::{
    AccountId, AuditEntry, AuditEvent, AuditId, Cursor, Event, Page, PageRequest, TenantId, UserId,
};
use crate::ports::{AuditLog, StoreError};
use async_trait::async_trait;
use rusqlite::params;

/// Adds `entry` to the transaction `tx`.
pub(super) fn insert_audit(
    tx: &rusqlite::Connection,
    entry: &AuditEntry,
) -> Result<(), StoreError> {
    let event = serde_json::to_string(&entry.event).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO audit (tenant, id, at, actor, account_id, event, undelivered)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            entry.tenant.as_str(),
            entry.id.as_str(),
            millis(entry.at),
            entry.actor.as_str(),
            entry.account_id.as_ref().map(|a| a.as_str()),
            event,
            // Entries that announce an event wait in the outbox until delivered.
            Event::from_audit(entry).map(|_| 1),
        ],
    )
    .map_err(unavailable)?;
    Ok(())
}

/// Reads an audit row selected as `id, at, actor, account_id, event`.
pub(super) fn entry_from_row(
    row: &rusqlite::Row<'_>,
    tenant: &TenantId,
) -> Result<AuditEntry, StoreError> {
    let text = |i: usize| row.get::<_, String>(i).map_err(corrupt);
    let event: AuditEvent = serde_json::from_str(&text(4)?).map_err(corrupt)?;
    Ok(AuditEntry {
        id: AuditId::parse(text(0)?).map_err(corrupt)?,
        tenant: tenant.clone(),
        at: from_millis(row.get(1).map_err(corrupt)?)?,
        actor: UserId::parse(text(2)?).map_err(corrupt)?,
        account_id: row
            .get::<_, Option<String>>(3)
            .map_err(corrupt)?
            .map(|a| AccountId::parse(a).map_err(corrupt))
            .transpose()?,
        event,
    })
}

#[async_trait]
impl AuditLog for SqliteStore {
    async fn list_audit(
        &self,
        tenant: &TenantId,
        page: &PageRequest<AuditId>,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError> {
        let tenant = tenant.clone();
        let limit = page.limit as usize;
        let before = page.after.as_ref().map(|c| c.last_seen().to_string());
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT id, at, actor, account_id, event FROM audit
                     WHERE tenant = ?1 AND (?2 IS NULL OR id < ?2)
                     ORDER BY id DESC LIMIT ?3",
                )
                .map_err(unavailable)?;
            let mut rows = stmt
                .query(params![tenant.as_str(), before, (limit + 1) as i64])
                .map_err(unavailable)?;
            let mut items = Vec::with_capacity(limit + 1);
            while let Some(row) = rows.next().map_err(unavailable)? {
                items.push(entry_from_row(row, &tenant)?);
            }
            let next = if items.len() > limit {
                items.truncate(limit);
                items.last().map(|e| Cursor::after(&e.id))
            } else {
                None
            };
            Ok(Page { items, next })
        })
        .await
    }

    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let entry = entry.clone();
        self.run(move |c| insert_audit(c, &entry)).await
    }
}
