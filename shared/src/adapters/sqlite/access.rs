//! Grants and access changes. Each change runs in one transaction with its audit entries,
//! and only while the account is at the version the caller's permission was decided on.

use super::audit::insert_audit;
use super::rows::{from_millis, millis, owner_columns};
use super::{SqliteStore, corrupt, immediate, unavailable};
use crate::domain::{Account, AccountId, AuditEntry, Grant, Permission, TenantId, UserId};
use crate::ports::{AccessWriter, GrantReader, StoreError};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params, params_from_iter};

fn grant_from_row(row: &Row<'_>) -> Result<(AccountId, Grant), StoreError> {
    let text = |i: usize| row.get::<_, String>(i).map_err(corrupt);
    Ok((
        AccountId::parse(text(0)?).map_err(corrupt)?,
        Grant {
            user_id: UserId::parse(text(1)?).map_err(corrupt)?,
            permission: Permission::parse(&text(2)?).ok_or_else(|| corrupt("permission"))?,
            granted_by: UserId::parse(text(3)?).map_err(corrupt)?,
            granted_at: from_millis(row.get(4).map_err(corrupt)?)?,
        },
    ))
}

/// Fails with a conflict unless `account` is still stored at its version.
fn check_version(tx: &Transaction<'_>, account: &Account, version: u64) -> Result<(), StoreError> {
    let stored: Option<i64> = tx
        .query_row(
            "SELECT version FROM accounts WHERE tenant = ?1 AND id = ?2",
            params![account.tenant.as_str(), account.id.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    match stored {
        Some(v) if v as u64 == version => Ok(()),
        _ => Err(StoreError::Conflict),
    }
}

#[async_trait]
impl GrantReader for SqliteStore {
    async fn grant(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        user: &UserId,
    ) -> Result<Option<Grant>, StoreError> {
        let (tenant, account, user) = (tenant.clone(), account.clone(), user.clone());
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT account_id, user_id, permission, granted_by, granted_at FROM grants
                     WHERE tenant = ?1 AND account_id = ?2 AND user_id = ?3",
                )
                .map_err(unavailable)?;
            let mut rows = stmt
                .query(params![tenant.as_str(), account.as_str(), user.as_str()])
                .map_err(unavailable)?;
            match rows.next().map_err(unavailable)? {
                Some(row) => grant_from_row(row).map(|(_, g)| Some(g)),
                None => Ok(None),
            }
        })
        .await
    }

    async fn grants_on(
        &self,
        tenant: &TenantId,
        accounts: &[AccountId],
    ) -> Result<Vec<(AccountId, Grant)>, StoreError> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let (tenant, accounts) = (tenant.clone(), accounts.to_vec());
        self.run(move |c| grants_on(c, &tenant, &accounts)).await
    }
}

/// Every grant on `accounts` of the tenant, by account then user id.
pub(super) fn grants_on(
    c: &Connection,
    tenant: &TenantId,
    accounts: &[AccountId],
) -> Result<Vec<(AccountId, Grant)>, StoreError> {
    let marks = (2..accounts.len() + 2)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT account_id, user_id, permission, granted_by, granted_at FROM grants
         WHERE tenant = ?1 AND account_id IN ({marks}) ORDER BY account_id, user_id"
    );
    let mut stmt = c.prepare(&sql).map_err(unavailable)?;
    let values = std::iter::once(tenant.as_str()).chain(accounts.iter().map(AccountId::as_str));
    let mut rows = stmt.query(params_from_iter(values)).map_err(unavailable)?;
    let mut grants = Vec::new();
    while let Some(row) = rows.next().map_err(unavailable)? {
        grants.push(grant_from_row(row)?);
    }
    Ok(grants)
}

#[async_trait]
impl AccessWriter for SqliteStore {
    async fn put_grant(
        &self,
        account: &Account,
        grant: &Grant,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (account, grant, audit) = (account.clone(), grant.clone(), audit.clone());
        self.run(move |c| {
            let tx = immediate(c)?;
            check_version(&tx, &account, account.version)?;
            tx.execute(
                "INSERT INTO grants (tenant, account_id, user_id, permission, granted_by, granted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tenant, account_id, user_id) DO UPDATE SET
                    permission = excluded.permission, granted_by = excluded.granted_by,
                    granted_at = excluded.granted_at",
                params![
                    account.tenant.as_str(),
                    account.id.as_str(),
                    grant.user_id.as_str(),
                    grant.permission.as_str(),
                    grant.granted_by.as_str(),
                    millis(grant.granted_at),
                ],
            )
            .map_err(unavailable)?;
            insert_audit(&tx, &audit)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn delete_grant(
        &self,
        account: &Account,
        user: &UserId,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let (account, user, audit) = (account.clone(), user.clone(), audit.clone());
        self.run(move |c| {
            let tx = immediate(c)?;
            check_version(&tx, &account, account.version)?;
            let removed = tx
                .execute(
                    "DELETE FROM grants WHERE tenant = ?1 AND account_id = ?2 AND user_id = ?3",
                    params![account.tenant.as_str(), account.id.as_str(), user.as_str()],
                )
                .map_err(unavailable)?;
            if removed == 0 {
                return Ok(false);
            }
            insert_audit(&tx, &audit)?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
        .await
    }

    async fn update_access(
        &self,
        updated: &Account,
        audit: &[AuditEntry],
    ) -> Result<(), StoreError> {
        let (updated, audit) = (updated.clone(), audit.to_vec());
        self.run(move |c| {
            let tx = immediate(c)?;
            let (owner_type, owner_user) = owner_columns(&updated.owner);
            let changed = tx
                .execute(
                    "UPDATE accounts SET owner_type = ?1, owner_user = ?2, member_access = ?3,
                        updated_at = ?4, version = ?5
                     WHERE tenant = ?6 AND id = ?7 AND version = ?8",
                    params![
                        owner_type,
                        owner_user,
                        updated.member_access.as_str(),
                        millis(updated.updated_at),
                        updated.version as i64,
                        updated.tenant.as_str(),
                        updated.id.as_str(),
                        updated.version.saturating_sub(1) as i64,
                    ],
                )
                .map_err(unavailable)?;
            if changed != 1 {
                return Err(StoreError::Conflict);
            }
            for entry in &audit {
                insert_audit(&tx, entry)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }
}
