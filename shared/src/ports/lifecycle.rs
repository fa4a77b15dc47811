//! Storage for keeping connections alive and ending them: the refresh queue, the outbox of
//! events, disconnecting and Meta's deauthorize and data-deletion callbacks.

use super::{SealedSecret, StoreError};
use crate::domain::{Account, AccountId, AuditEntry, AuditId, DataDeletion, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// An account whose refresh is due, as the due index names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueAccount {
    pub tenant: TenantId,
    pub id: AccountId,
    pub due_at: DateTime<Utc>,
}

/// An account the refresh pass took, with its sealed token, read in the same call.
#[derive(Debug, Clone)]
pub struct ClaimedAccount {
    pub account: Account,
    pub token: SealedSecret,
}

/// Finding and keeping accounts alive, across tenants.
#[async_trait]
pub trait RefreshQueue: Send + Sync {
    /// Active accounts whose `upkeep.refresh_due_at` is at or before `now`, earliest
    /// first, at most `limit`. Read from an index on due time, never a scan.
    async fn due_accounts(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DueAccount>, StoreError>;

    /// Takes one account for one refresh, atomically: while it is still active and due at
    /// or before `now`, its due time moves to `lease_until` (an overlapping pass skips it;
    /// if this pass dies, the next takes it then), its version is bumped, and it is
    /// returned with its sealed token. `None` when another pass took it first, or it is no
    /// longer due, active or there.
    async fn claim_refresh(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<ClaimedAccount>, StoreError>;

    /// Stores what the refresh (or an on-demand sync) found: the account's status, token
    /// expiry, profile and upkeep, the new sealed token when one was issued, the audit entry
    /// and the snapshot's days, all in one transaction (so `upkeep.snapshot_through` never
    /// claims days that are not stored). `account.version` is one more than the version it
    /// was read (or claimed) at; [`StoreError::Conflict`] when the account changed since
    /// (a reconnect in between wins over the pass).
    async fn save_outcome(&self, outcome: &UpkeepOutcome) -> Result<(), StoreError>;

    /// [`save_outcome`](Self::save_outcome) without snapshot days.
    async fn save_upkeep(
        &self,
        updated: &Account,
        token: Option<&SealedSecret>,
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        self.save_outcome(&UpkeepOutcome {
            account: updated.clone(),
            token: token.cloned(),
            audit: audit.cloned(),
            days: Vec::new(),
        })
        .await
    }

    /// [`claim_refresh`](Self::claim_refresh) for several accounts at once, each answered
    /// on its own, in `due`'s order. A store whose every commit costs a disk sync claims
    /// them in one transaction; the default claims each on its own, concurrently, which
    /// keeps per-item stores at one call per account.
    async fn claim_refresh_many(
        &self,
        due: &[DueAccount],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Vec<Result<Option<ClaimedAccount>, StoreError>> {
        futures_util::future::join_all(
            due.iter()
                .map(|d| self.claim_refresh(&d.tenant, &d.id, now, lease_until)),
        )
        .await
    }

    /// [`save_outcome`](Self::save_outcome) for several outcomes at once, each answered on
    /// its own (a conflict on one does not undo the others), in `outcomes`' order.
    async fn save_upkeep_many(&self, outcomes: &[UpkeepOutcome]) -> Vec<Result<(), StoreError>> {
        futures_util::future::join_all(outcomes.iter().map(|o| self.save_outcome(o))).await
    }
}

/// What a look found about one account, ready to store with
/// [`RefreshQueue::save_outcome`].
#[derive(Debug, Clone)]
pub struct UpkeepOutcome {
    pub account: Account,
    pub token: Option<SealedSecret>,
    pub audit: Option<AuditEntry>,
    /// The daily snapshot's days (empty when it took none).
    pub days: Vec<crate::domain::DayMetrics>,
}

/// Audit entries that announce an event, until they are delivered: the outbox. Entries are
/// put in it by the same write that stores them (so an event exists exactly when its change
/// does) and leave it once delivered.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Undelivered entries across tenants, oldest first, at most `limit`. From an index,
    /// never a scan.
    async fn undelivered(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    /// Takes the entry out of the outbox; delivering it again later is harmless (receivers
    /// deduplicate on the event id) but this keeps it from happening.
    async fn mark_delivered(&self, tenant: &TenantId, id: &AuditId) -> Result<(), StoreError>;
}

/// Ending connections: disconnects, and Meta's deauthorize and data-deletion callbacks.
#[async_trait]
pub trait AccountRemoval: Send + Sync {
    /// Every tenant's accounts connected by Meta user `meta_user_id`: its grantor, or for
    /// Instagram Login also the Instagram account itself. From an index, never a scan.
    async fn accounts_of_meta_user(&self, meta_user_id: &str) -> Result<Vec<Account>, StoreError>;

    /// Every tenant's accounts of Instagram user `ig_user_id`, on either login path (Meta's
    /// webhooks name the Instagram account). From an index, never a scan.
    async fn accounts_of_instagram_user(
        &self,
        ig_user_id: &crate::domain::IgUserId,
    ) -> Result<Vec<Account>, StoreError>;

    /// Marks the account `revoked` and destroys its sealed token, with `audit`, unless it
    /// is already revoked or gone. `true` when this call changed it.
    async fn revoke_account(
        &self,
        tenant: &TenantId,
        id: &AccountId,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;

    /// Deletes the account, its sealed token, its grants, its posts and its daily metrics,
    /// makes the media its posts named due for expiry at `audit.at` (their files go at the
    /// next expiry pass), and writes `audit` (which stays). `false`, and nothing written, when
    /// it does not exist (any more). Takes the account as the caller read it (deciding who
    /// may delete it needed that read already), so the store reads it no second time.
    async fn delete_account(
        &self,
        account: &Account,
        audit: &AuditEntry,
    ) -> Result<bool, StoreError>;
}

/// Meta's data-deletion requests, so the user can follow theirs by confirmation code.
#[async_trait]
pub trait DeletionRequests: Send + Sync {
    /// Stores (or replaces) a request.
    async fn put_deletion(&self, request: &DataDeletion) -> Result<(), StoreError>;

    /// A request by its confirmation code.
    async fn get_deletion(&self, code: &str) -> Result<Option<DataDeletion>, StoreError>;
}
