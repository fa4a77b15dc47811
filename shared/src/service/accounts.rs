//! Reading connected accounts. Takes only an [`AccountReader`]: this path cannot reach a
//! token or the Sealer.

use super::ServiceError;
use crate::domain::{Account, AccountId, Caller, Page, PageRequest};
use crate::ports::AccountReader;

/// The caller's tenant's accounts, one page at a time.
pub async fn list_accounts(
    reader: &dyn AccountReader,
    caller: &Caller,
    page: &PageRequest,
) -> Result<Page<Account>, ServiceError> {
    Ok(reader.list_accounts(&caller.tenant, page).await?)
}

/// One account of the caller's tenant. A malformed id is simply not found: there is nothing
/// a client can fix about an id it was never given.
pub async fn get_account(
    reader: &dyn AccountReader,
    caller: &Caller,
    id: &str,
) -> Result<Account, ServiceError> {
    let id = AccountId::parse(id).map_err(|_| ServiceError::AccountNotFound)?;
    reader
        .get_account(&caller.tenant, &id)
        .await?
        .ok_or(ServiceError::AccountNotFound)
}
