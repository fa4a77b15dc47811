//! Accounts and their sealed tokens.

use super::access::grants_on;
use super::audit::insert_audit;
use super::rows::{account_from_row, millis, owner_columns};
use super::{ACCOUNT_COLUMNS, SqliteStore, corrupt, immediate, unavailable};
use crate::domain::{
    Account, AccountId, AuditEntry, Connection as Login, Cursor, Grant, Page, PageRequest, TenantId,
};
use crate::ports::{
    AccountReader, AccountWithGrants, AccountWriter, SealedSecret, StoreError, TokenReader,
};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

#[async_trait]
impl AccountReader for SqliteStore {
    async fn get_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| account_row(c, &tenant, &id)).await
    }

    async fn list_accounts(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError> {
        let (tenant, page) = (tenant.clone(), page.clone());
        self.run(move |c| account_page(c, &tenant, &page)).await
    }

    async fn list_accounts_with_grants(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<AccountWithGrants>, StoreError> {
        let (tenant, page) = (tenant.clone(), page.clone());
        self.run(move |c| {
            let accounts = account_page(c, &tenant, &page)?;
            let ids: Vec<AccountId> = accounts.items.iter().map(|a| a.id.clone()).collect();
            let grants = if ids.is_empty() {
                Vec::new()
            } else {
                grants_on(c, &tenant, &ids)?
            };
            Ok(Page {
                items: with_grants(accounts.items, grants),
                next: accounts.next,
            })
        })
        .await
    }

    async fn get_account_with_grants(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<AccountWithGrants>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| {
            let Some(account) = account_row(c, &tenant, &id)? else {
                return Ok(None);
            };
            let grants = grants_on(c, &tenant, std::slice::from_ref(&id))?;
            Ok(with_grants(vec![account], grants).pop())
        })
        .await
    }
}

/// One account of the tenant.
fn account_row(
    c: &Connection,
    tenant: &TenantId,
    id: &AccountId,
) -> Result<Option<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant = ?1 AND id = ?2");
    let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
    let mut rows = stmt
        .query(params![tenant.as_str(), id.as_str()])
        .map_err(unavailable)?;
    match rows.next().map_err(unavailable)? {
        Some(row) => account_from_row(row).map(Some),
        None => Ok(None),
    }
}

/// One page of the tenant's accounts by id.
fn account_page(
    c: &Connection,
    tenant: &TenantId,
    page: &PageRequest,
) -> Result<Page<Account>, StoreError> {
    let limit = page.limit as usize;
    let after = page.after.as_ref().map_or("", |c| c.last_seen().as_str());
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant = ?1 AND id > ?2
         ORDER BY id LIMIT ?3"
    );
    let mut stmt = c.prepare_cached(&sql).map_err(unavailable)?;
    // One row more than asked tells whether another page exists.
    let mut rows = stmt
        .query(params![tenant.as_str(), after, (limit + 1) as i64])
        .map_err(unavailable)?;
    let mut items = Vec::with_capacity(limit + 1);
    while let Some(row) = rows.next().map_err(unavailable)? {
        items.push(account_from_row(row)?);
    }
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|a| Cursor::after(&a.id))
    } else {
        None
    };
    Ok(Page { items, next })
}

/// Pairs accounts with their grants (both in account order).
fn with_grants(accounts: Vec<Account>, grants: Vec<(AccountId, Grant)>) -> Vec<AccountWithGrants> {
    let mut grants = grants.into_iter().peekable();
    accounts
        .into_iter()
        .map(|account| {
            let mut on_account = Vec::new();
            while let Some((_, grant)) = grants.next_if(|(id, _)| *id == account.id) {
                on_account.push(grant);
            }
            AccountWithGrants {
                account,
                grants: on_account,
            }
        })
        .collect()
}

#[async_trait]
impl AccountWriter for SqliteStore {
    async fn save_connection(
        &self,
        connection: &Login,
        token: &SealedSecret,
    ) -> Result<Account, StoreError> {
        let login = connection.clone();
        let sealed = token.encode();
        self.run(move |c| {
            let tx = immediate(c)?;
            let sql = format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE tenant = ?1 AND ig_user_id = ?2"
            );
            let existing = {
                let mut stmt = tx.prepare(&sql).map_err(unavailable)?;
                let mut rows = stmt
                    .query(params![login.tenant.as_str(), login.ig_user_id.as_str()])
                    .map_err(unavailable)?;
                match rows.next().map_err(unavailable)? {
                    Some(row) => Some(account_from_row(row)?),
                    None => None,
                }
            };
            let account = match &existing {
                Some(old) => login.reconnect(old),
                None => login.new_account(AccountId::generate()),
            };
            let (owner_type, owner_user) = owner_columns(&account.owner);
            let profile = serde_json::to_string(&account.profile).map_err(corrupt)?;
            let grantor = serde_json::to_string(&account.grantor).map_err(corrupt)?;
            let upkeep = serde_json::to_string(&account.upkeep).map_err(corrupt)?;
            match &existing {
                Some(old) => {
                    let changed = tx
                        .execute(
                            "UPDATE accounts SET login = ?1, status = ?2, profile = ?3, grantor = ?4,
                                token_expires_at = ?5, updated_at = ?6, version = ?7, token_sealed = ?8,
                                upkeep = ?12, refresh_due_at = ?13, grantor_id = ?14
                             WHERE tenant = ?9 AND id = ?10 AND version = ?11",
                            params![
                                account.login.as_str(),
                                account.status.as_str(),
                                profile,
                                grantor,
                                account.token_expires_at.map(millis),
                                millis(account.updated_at),
                                account.version as i64,
                                sealed,
                                account.tenant.as_str(),
                                account.id.as_str(),
                                old.version as i64,
                                upkeep,
                                account.upkeep.refresh_due_at.map(millis),
                                account.grantor.meta_user_id,
                            ],
                        )
                        .map_err(unavailable)?;
                    if changed != 1 {
                        return Err(StoreError::Conflict);
                    }
                }
                None => {
                    tx.execute(
                        &format!(
                            "INSERT INTO accounts ({ACCOUNT_COLUMNS}, token_sealed, refresh_due_at, grantor_id)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
                        ),
                        params![
                            account.id.as_str(),
                            account.tenant.as_str(),
                            account.ig_user_id.as_str(),
                            account.login.as_str(),
                            owner_type,
                            owner_user,
                            account.status.as_str(),
                            profile,
                            grantor,
                            account.token_expires_at.map(millis),
                            millis(account.connected_at),
                            account.connected_by.as_str(),
                            millis(account.updated_at),
                            account.version as i64,
                            account.member_access.as_str(),
                            upkeep,
                            sealed,
                            account.upkeep.refresh_due_at.map(millis),
                            account.grantor.meta_user_id,
                        ],
                    )
                    .map_err(unavailable)?;
                }
            }
            insert_audit(&tx, &AuditEntry::for_connection(&login, &account))?;
            tx.commit().map_err(unavailable)?;
            Ok(account)
        })
        .await
    }
}

#[async_trait]
impl TokenReader for SqliteStore {
    async fn sealed_token(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<SealedSecret>, StoreError> {
        let (tenant, id) = (tenant.clone(), id.clone());
        self.run(move |c| {
            let raw: Option<String> = c
                .query_row(
                    "SELECT token_sealed FROM accounts WHERE tenant = ?1 AND id = ?2",
                    params![tenant.as_str(), id.as_str()],
                    |r| r.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            // A revoked account's token is destroyed: the column is emptied.
            raw.filter(|s| !s.is_empty())
                .map(|s| SealedSecret::decode(&s).map_err(corrupt))
                .transpose()
        })
        .await
    }
}
