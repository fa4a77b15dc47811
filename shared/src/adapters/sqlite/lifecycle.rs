//! Keeping accounts alive and ending them: the refresh queue, the outbox, disconnects and
//! Meta's callbacks.

use super::audit::{entry_from_row, insert_audit};
use super::insights::upsert_days;
use super::rows::{account_from_row, millis};
use super::{ACCOUNT_COLUMNS, SqliteStore, corrupt, immediate, unavailable};
use crate::domain::{
    Account, AccountId, AccountStatus, AuditEntry, AuditId, DataDeletion, IgUserId, TenantId,
};
use crate::ports::{
    AccountRemoval, ClaimedAccount, DeletionRequests, DueAccount, Outbox, RefreshQueue,
    SealedSecret, StoreError, UpkeepOutcome,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

/// One account of the tenant, read inside a transaction.
pub(super) fn read_account(
    tx: &rusqlite::Connection,
    tenant: &TenantId,
    id: &AccountId,
) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant = ?1 AND id = ?2");
    let mut stmt = tx.prepare_cached(&sql).map_err(unavailable)?;
    let mut rows = stmt
        .query(params![tenant.as_str(), id.as_str()])
        .map_err(unavailable)?;
    match rows.next().map_err(unavailable)? {
        Some(row) => account_from_row(row).map(Some),
        None => Ok(None),
    }
}

/// Stores `account`'s status, expiry, profile and upkeep (and `token`, when given) while the
/// row is still at the version before `account.version`.
pub(super) fn write_upkeep(
    tx: &rusqlite::Connection,
    account: &Account,
    token: Option<&SealedSecret>,
) -> Result<(), StoreError> {
    let profile = serde_json::to_string(&account.profile).map_err(corrupt)?;
    let upkeep = serde_json::to_string(&account.upkeep).map_err(corrupt)?;
    let changed = tx
        .execute(
            "UPDATE accounts SET status = ?1, profile = ?2, token_expires_at = ?3, updated_at = ?4,
                version = ?5, upkeep = ?6, refresh_due_at = ?7,
                token_sealed = COALESCE(?8, token_sealed)
             WHERE tenant = ?9 AND id = ?10 AND version = ?11",
            params![
                account.status.as_str(),
                profile,
                account.token_expires_at.map(millis),
                millis(account.updated_at),
                account.version as i64,
                upkeep,
                account.upkeep.refresh_due_at.map(millis),
                token.map(SealedSecret::encode),
                account.tenant.as_str(),
                account.id.as_str(),
                account.version.saturating_sub(1) as i64,
            ],
        )
        .map_err(unavailable)?;
    if changed != 1 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// A batch's error, answered for each of its items.
fn same(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::Conflict => StoreError::Conflict,
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
    }
}

/// Claims one account inside `tx` (see [`RefreshQueue::claim_refresh`]).
fn claim_in(
    tx: &rusqlite::Connection,
    tenant: &TenantId,
    id: &AccountId,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<ClaimedAccount>, StoreError> {
    let Some(account) = read_account(tx, tenant, id)? else {
        return Ok(None);
    };
    let due = account.upkeep.refresh_due_at.is_some_and(|d| d <= now);
    if account.status != AccountStatus::Active || !due {
        return Ok(None);
    }
    let raw: String = tx
        .query_row(
            "SELECT token_sealed FROM accounts WHERE tenant = ?1 AND id = ?2",
            params![tenant.as_str(), id.as_str()],
            |r| r.get(0),
        )
        .map_err(unavailable)?;
    let token = SealedSecret::decode(&raw).map_err(corrupt)?;
    let mut claimed = account;
    claimed.version += 1;
    claimed.upkeep.refresh_due_at = Some(lease_until);
    write_upkeep(tx, &claimed, None)?;
    Ok(Some(ClaimedAccount {
        account: claimed,
        token,
    }))
}

/// Stores one outcome inside `tx` (see [`RefreshQueue::save_upkeep`]).
fn save_in(tx: &rusqlite::Connection, outcome: &UpkeepOutcome) -> Result<(), StoreError> {
    write_upkeep(tx, &outcome.account, outcome.token.as_ref())?;
    if let Some(entry) = &outcome.audit {
        insert_audit(tx, entry)?;
    }
    let account = &outcome.account;
    upsert_days(tx, &account.tenant, &account.id, &outcome.days)
}

#[async_trait]
impl RefreshQueue for SqliteStore {
    async fn due_accounts(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueAccount>, StoreError> {
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT tenant, id, refresh_due_at FROM accounts
                     WHERE refresh_due_at IS NOT NULL AND status = 'active' AND refresh_due_at <= ?1
                     ORDER BY refresh_due_at, tenant, id LIMIT ?2",
                )
                .map_err(unavailable)?;
            let mut rows = stmt
                .query(params![millis(now), limit as i64])
                .map_err(unavailable)?;
            let mut due = Vec::new();
            while let Some(row) = rows.next().map_err(unavailable)? {
                due.push(DueAccount {
                    tenant: TenantId::parse(row.get::<_, String>(0).map_err(corrupt)?)
                        .map_err(corrupt)?,
                    id: AccountId::parse(row.get::<_, String>(1).map_err(corrupt)?)
                        .map_err(corrupt)?,
                    due_at: super::rows::from_millis(row.get(2).map_err(corrupt)?)?,
                });
            }
            Ok(due)
        })
        .await
    }

    async fn claim_refresh(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<ClaimedAccount>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| {
            let tx = immediate(c)?;
            let claimed = claim_in(&tx, &tenant, &id, now, lease_until)?;
            tx.commit().map_err(unavailable)?;
            Ok(claimed)
        })
        .await
    }

    /// One transaction for all: a commit is a disk sync, and the store has one writer.
    async fn claim_refresh_many(
        &self,
        due: &[DueAccount],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Vec<Result<Option<ClaimedAccount>, StoreError>> {
        let due = due.to_vec();
        let n = due.len();
        let all = self
            .run(move |c| {
                let tx = immediate(c)?;
                let claims: Vec<_> = due
                    .iter()
                    .map(|d| claim_in(&tx, &d.tenant, &d.id, now, lease_until))
                    .collect();
                tx.commit().map_err(unavailable)?;
                Ok(claims)
            })
            .await;
        match all {
            Ok(claims) => claims,
            Err(e) => (0..n).map(|_| Err(same(&e))).collect(),
        }
    }

    /// One transaction for all, a savepoint each, so one conflict undoes only its own.
    async fn save_upkeep_many(&self, outcomes: &[UpkeepOutcome]) -> Vec<Result<(), StoreError>> {
        let outcomes = outcomes.to_vec();
        let n = outcomes.len();
        let all = self
            .run(move |c| {
                let mut tx = immediate(c)?;
                let mut results = Vec::with_capacity(outcomes.len());
                for o in &outcomes {
                    let mut sp = tx.savepoint().map_err(unavailable)?;
                    let saved = save_in(&sp, o);
                    if saved.is_ok() {
                        sp.commit().map_err(unavailable)?;
                    } else {
                        sp.rollback().map_err(unavailable)?;
                    }
                    results.push(saved);
                }
                tx.commit().map_err(unavailable)?;
                Ok(results)
            })
            .await;
        match all {
            Ok(results) => results,
            Err(e) => (0..n).map(|_| Err(same(&e))).collect(),
        }
    }

    async fn save_outcome(&self, outcome: &UpkeepOutcome) -> Result<(), StoreError> {
        let outcome = outcome.clone();
        self.run(move |c| {
            let tx = immediate(c)?;
            save_in(&tx, &outcome)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn undelivered(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT id, at, actor, account_id, event, tenant FROM audit
                     WHERE undelivered = 1 ORDER BY id LIMIT ?1",
                )
                .map_err(unavailable)?;
            let mut rows = stmt.query(params![limit as i64]).map_err(unavailable)?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next().map_err(unavailable)? {
                let tenant =
                    TenantId::parse(row.get::<_, String>(5).map_err(corrupt)?).map_err(corrupt)?;
                entries.push(entry_from_row(row, &tenant)?);
            }
            Ok(entries)
        })
        .await
    }

    async fn mark_delivered(&self, tenant: &TenantId, id: &AuditId) -> Result<(), StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| {
            c.execute(
                "UPDATE audit SET undelivered = NULL WHERE tenant = ?1 AND id = ?2",
                params![tenant.as_str(), id.as_str()],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl AccountRemoval for SqliteStore {
    async fn accounts_of_meta_user(&self, meta_user_id: &str) -> Result<Vec<Account>, StoreError> {
        let meta_user_id = meta_user_id.to_owned();
        self.run(move |c| {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE grantor_id = ?1
                 UNION SELECT {ACCOUNT_COLUMNS} FROM accounts
                 WHERE ig_user_id = ?1 AND login = 'instagram'
                 ORDER BY tenant, id"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
            let mut rows = stmt.query(params![meta_user_id]).map_err(unavailable)?;
            let mut accounts = Vec::new();
            while let Some(row) = rows.next().map_err(unavailable)? {
                accounts.push(account_from_row(row)?);
            }
            Ok(accounts)
        })
        .await
    }

    async fn accounts_of_instagram_user(
        &self,
        ig_user_id: &IgUserId,
    ) -> Result<Vec<Account>, StoreError> {
        let ig_user_id = ig_user_id.as_str().to_owned();
        self.run(move |c| {
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE ig_user_id = ?1 ORDER BY tenant, id"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
            let mut rows = stmt.query(params![ig_user_id]).map_err(unavailable)?;
            let mut accounts = Vec::new();
            while let Some(row) = rows.next().map_err(unavailable)? {
                accounts.push(account_from_row(row)?);
            }
            Ok(accounts)
        })
        .await
    }

    async fn revoke_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let (tenant, id, audit) = (tenant.clone(), id.clone(), audit.clone());
        self.run(move |c| {
            let tx = immediate(c)?;
            let Some(account) = read_account(&tx, &tenant, &id)? else {
                return Ok(false);
            };
            if account.status == AccountStatus::Revoked {
                return Ok(false);
            }
            let mut next = account;
            next.status = AccountStatus::Revoked;
            next.updated_at = at;
            next.version += 1;
            next.upkeep.refresh_due_at = None;
            write_upkeep(&tx, &next, None)?;
            // The sealed token is destroyed, not kept "disabled".
            tx.execute(
                "UPDATE accounts SET token_sealed = '' WHERE tenant = ?1 AND id = ?2",
                params![tenant.as_str(), id.as_str()],
            )
            .map_err(unavailable)?;
            insert_audit(&tx, &audit)?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
        .await
    }

    async fn delete_account(
        &self,
        account: &Account,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let (tenant, id, audit) = (account.tenant.clone(), account.id.clone(), audit.clone());
        self.run(move |c| {
            let tx = immediate(c)?;
            let key = params![tenant.as_str(), id.as_str()];
            super::media::expire_naming(&tx, &tenant, &id, audit.at)?;
            tx.execute(
                "DELETE FROM grants WHERE tenant = ?1 AND account_id = ?2",
                key,
            )
            .map_err(unavailable)?;
            tx.execute(
                "DELETE FROM posts WHERE tenant = ?1 AND account_id = ?2",
                key,
            )
            .map_err(unavailable)?;
            tx.execute(
                "DELETE FROM insight_days WHERE tenant = ?1 AND account_id = ?2",
                key,
            )
            .map_err(unavailable)?;
            let deleted = tx
                .execute("DELETE FROM accounts WHERE tenant = ?1 AND id = ?2", key)
                .map_err(unavailable)?;
            if deleted == 0 {
                return Ok(false);
            }
            insert_audit(&tx, &audit)?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
        .await
    }
}

#[async_trait]
impl DeletionRequests for SqliteStore {
    async fn put_deletion(&self, request: &DataDeletion) -> Result<(), StoreError> {
        let code = request.confirmation_code.clone();
        let body = serde_json::to_string(request).map_err(corrupt)?;
        self.run(move |c| {
            c.execute(
                "INSERT INTO data_deletions (code, body) VALUES (?1, ?2)
                 ON CONFLICT (code) DO UPDATE SET body = excluded.body",
                params![code, body],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn get_deletion(&self, code: &str) -> Result<Option<DataDeletion>, StoreError> {
        let code = code.to_owned();
        self.run(move |c| {
            let body: Option<String> = c
                .query_row(
                    "SELECT body FROM data_deletions WHERE code = ?1",
                    params![code],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            body.map(|b| serde_json::from_str(&b).map_err(corrupt))
                .transpose()
        })
        .await
    }
}
