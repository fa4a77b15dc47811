//! Storage, split by capability. Every method is scoped by tenant: no port can read across
//! tenants, so isolation does not depend on each caller remembering a filter.

use super::SealedSecret;
use crate::domain::{
    Account, AccountId, AuditEntry, AuditId, Connection, Grant, OAuthState, Page, PageRequest,
    StateKey, TenantId, UserId,
};
use async_trait::async_trait;

/// Why storage failed. Messages never hold secrets: adapters only report what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend could not be reached or refused the request.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Concurrent writers kept winning the race for the same record, or the record changed
    /// since it was read (a version condition failed).
    #[error("the record changed while it was being written; try again")]
    Conflict,
    /// A stored record could not be read back.
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
}

/// Pending logins.
#[async_trait]
pub trait OAuthStates: Send + Sync {
    /// Stores a new pending login.
    async fn put_state(&self, state: &OAuthState) -> Result<(), StoreError>;

    /// Removes the pending login and returns it, atomically: of any number of concurrent
    /// calls with one key, exactly one gets the state. Expired states are returned too (the
    /// caller decides); states already taken or never stored give `None`.
    async fn take_state(&self, key: &StateKey) -> Result<Option<OAuthState>, StoreError>;
}

/// Reading accounts, without their tokens.
#[async_trait]
pub trait AccountReader: Send + Sync {
    /// One account of the tenant; another tenant's id is `None`.
    async fn get_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<Account>, StoreError>;

    /// The tenant's accounts in connection order (ascending id), one page at a time.
    async fn list_accounts(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<Account>, StoreError>;
}

/// Writing what a login produced.
#[async_trait]
pub trait AccountWriter: Send + Sync {
    /// Creates the account, or renews the tenant's account with the same Instagram user id
    /// in place (same id, same owner, same grants), together with its sealed token and, in
    /// the same transaction, the audit entry [`AuditEntry::for_connection`] makes of it.
    /// Returns the account as stored.
    async fn save_connection(
        &self,
        connection: &Connection,
        token: &SealedSecret,
    ) -> Result<Account, StoreError>;
}

/// Reading sealed tokens: only the paths that call Meta on an account's behalf get this.
#[async_trait]
pub trait TokenReader: Send + Sync {
    /// The sealed token of one of the tenant's accounts.
    async fn sealed_token(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<SealedSecret>, StoreError>;
}

/// Reading who was given what on accounts.
#[async_trait]
pub trait GrantReader: Send + Sync {
    /// One user's grant on one of the tenant's accounts.
    async fn grant(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        user: &UserId,
    ) -> Result<Option<Grant>, StoreError>;

    /// Every grant on the given accounts of the tenant, ordered by account then user id.
    /// Listing asks for one page of accounts at a time, so adapters can answer in one read.
    async fn grants_on(
        &self,
        tenant: &TenantId,
        accounts: &[AccountId],
    ) -> Result<Vec<(AccountId, Grant)>, StoreError>;
}

/// Changing who may do what with an account. Every change is written together with its
/// audit entry, in one transaction, and only while the account is still at the version the
/// caller's permission was decided on (else [`StoreError::Conflict`]), so a decision made on
/// stale ownership never lands.
#[async_trait]
pub trait AccessWriter: Send + Sync {
    /// Creates or replaces `grant` on `account`.
    async fn put_grant(
        &self,
        account: &Account,
        grant: &Grant,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Removes `user`'s grant on `account`; `false` (and nothing written) when there was none.
    async fn delete_grant(
        &self,
        account: &Account,
        user: &UserId,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Stores a new owner and member access of `updated`, whose `version` is one more than
    /// the version it was read at, with the audit entries that record the change.
    async fn update_access(
        &self,
        updated: &Account,
        audit: &[AuditEntry],
    ) -> Result<(), StoreError>;
}

/// Reading the tenant's audit trail.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// The tenant's entries, newest first, one page at a time.
    async fn list_audit(
        &self,
        tenant: &TenantId,
        page: &PageRequest<AuditId>,
    ) -> Result<Page<AuditEntry, AuditId>, StoreError>;
}

/// Every storage capability at once: what a Store adapter implements. Only whole-stack
/// wiring (`igconnect serve`) holds one; it hands each route group the single ports it
/// needs, so no handler can reach more than its own.
pub trait Store:
    OAuthStates + AccountReader + AccountWriter + TokenReader + GrantReader + AccessWriter + AuditLog
{
}

impl<T> Store for T where
    T: OAuthStates
        + AccountReader
        + AccountWriter
        + TokenReader
        + GrantReader
        + AccessWriter
        + AuditLog
{
}
