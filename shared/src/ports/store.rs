//! Storage, split by capability. Every method is scoped by tenant: no port can read across
//! tenants, so isolation does not depend on each caller remembering a filter.

use super::SealedSecret;
use crate::domain::{
    Account, AccountId, Connection, OAuthState, Page, PageRequest, StateKey, TenantId,
};
use async_trait::async_trait;

/// Why storage failed. Messages never hold secrets: adapters only report what went wrong.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend could not be reached or refused the request.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Concurrent writers kept winning the race for the same record.
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
    /// in place (same id, same owner), together with its sealed token. Returns the account
    /// as stored.
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
