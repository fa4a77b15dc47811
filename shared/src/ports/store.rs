//! Storage, split by capability. Every method is scoped by tenant: no port can read across
//! tenants, so isolation does not depend on each caller remembering a filter.

use super::SealedSecret;
use super::engagement::InsightSnapshots;
use super::lifecycle::{AccountRemoval, DeletionRequests, Outbox, RefreshQueue};
use super::media::MediaStore;
use crate::domain::{
    Account, AccountId, AuditEntry, AuditId, Connection, Grant, IdempotencyKey, OAuthState, Page,
    PageRequest, Post, PostId, StateKey, TenantId, UserId,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

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

    /// The page [`list_accounts`](Self::list_accounts) answers, each account with every
    /// grant on it (by user id): the account list's read, one round trip on DynamoDB.
    async fn list_accounts_with_grants(
        &self,
        tenant: &TenantId,
        page: &PageRequest,
    ) -> Result<Page<AccountWithGrants>, StoreError>;

    /// One account with every grant on it (by user id), as one read: what deciding the
    /// caller's permission and showing a manager the account's grants need.
    async fn get_account_with_grants(
        &self,
        tenant: &TenantId,
        id: &AccountId,
    ) -> Result<Option<AccountWithGrants>, StoreError>;
}

/// An account and every grant on it, ordered by user id.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountWithGrants {
    pub account: Account,
    pub grants: Vec<Grant>,
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

    /// Records an entry for a change kept at Meta rather than here (a comment replied to,
    /// hidden or deleted; a comment Meta told us about). Written alone; an entry that
    /// announces an event waits in the outbox like any other.
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
}

/// Marking an account whose token Meta refused.
#[async_trait]
pub trait AccountHealth: Send + Sync {
    /// Sets the account `needs_reauth` (it keeps its grants and posts; the refresh pass
    /// stops looking at it; `code` becomes its last error), unless it is not active or no
    /// longer exists, and writes the `account.needs_reauth` audit entry (so its event) in
    /// the same transaction. `true` when this call changed it: of concurrent marks, one
    /// does, so the event is announced once.
    async fn mark_needs_reauth(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
        code: &str,
    ) -> Result<bool, StoreError>;
}

/// What [`PostStore::insert_post`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum PostInsert {
    /// The post was stored.
    Created,
    /// The account already has a post with this idempotency key: this one, unchanged.
    Existing(Box<Post>),
}

/// Posts and their publishing progress.
#[async_trait]
pub trait PostStore: Send + Sync {
    /// Stores a new post (version 1), unless the account already has a post with the same
    /// idempotency key: then nothing is written and that post is returned. Atomic: of any
    /// number of concurrent inserts with one key, exactly one creates.
    async fn insert_post(&self, post: &Post) -> Result<PostInsert, StoreError>;

    /// The account's post made with idempotency key `key`, if any.
    async fn find_post_by_key(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        key: &IdempotencyKey,
    ) -> Result<Option<Post>, StoreError>;

    /// One post of one of the tenant's accounts.
    async fn get_post(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        id: &PostId,
    ) -> Result<Option<Post>, StoreError>;

    /// An account's posts, newest first, one page at a time.
    async fn list_posts(
        &self,
        tenant: &TenantId,
        account: &AccountId,
        page: &PageRequest<PostId>,
    ) -> Result<Page<Post, PostId>, StoreError>;

    /// Replaces the stored post with `post`, whose `version` is one more than the version
    /// it was read at, together with `audit` in one transaction; [`StoreError::Conflict`]
    /// (and nothing written) when the stored post is no longer at that version. This is
    /// what makes a step happen once: two workers that read the same version cannot both
    /// record the next step.
    async fn update_post(&self, post: &Post, audit: Option<&AuditEntry>) -> Result<(), StoreError>;
}

/// Finding the posts a worker has to look at, across tenants.
#[async_trait]
pub trait PostQueue: Send + Sync {
    /// Posts not in a final status whose `due_at` is at or before `now`, earliest due
    /// first, at most `limit`. Read from an index on due time, never a scan.
    async fn due_posts(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Post>, StoreError>;
}

/// Every storage capability at once: what a Store adapter implements. Only whole-stack
/// wiring (`igconnect serve`) holds one; it hands each route group the single ports it
/// needs, so no handler can reach more than its own.
pub trait Store:
    OAuthStates
    + AccountReader
    + AccountWriter
    + TokenReader
    + GrantReader
    + AccessWriter
    + AuditLog
    + AccountHealth
    + PostStore
    + PostQueue
    + RefreshQueue
    + Outbox
    + AccountRemoval
    + DeletionRequests
    + InsightSnapshots
    + MediaStore
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
        + AccountHealth
        + PostStore
        + PostQueue
        + RefreshQueue
        + Outbox
        + AccountRemoval
        + DeletionRequests
        + InsightSnapshots
        + MediaStore
{
}
