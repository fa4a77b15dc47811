//! Deciding a caller's permission on one account, the preamble of every use case that acts
//! on an account. The rules themselves are `domain::permission_of`; this only fetches what
//! they need.

use super::ServiceError;
use crate::domain::{
    Account, AccountId, Caller, Denied, Grant, Permission, permission_of, require,
};
use crate::ports::{AccountReader, GrantReader};

/// What deciding access needs: the account and the caller's grant, never a token.
#[derive(Clone, Copy)]
pub struct AccessDeps<'a> {
    pub accounts: &'a dyn AccountReader,
    pub grants: &'a dyn GrantReader,
}

impl From<Denied> for ServiceError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotFound => Self::AccountNotFound,
            Denied::Forbidden { .. } => Self::PermissionDenied(d.to_string()),
        }
    }
}

/// The account `id` and the caller's permission on it, when that permission covers
/// `needed`. An id that is malformed, unknown, of another tenant or invisible to the caller
/// is "not found" alike; one the caller sees but may not act on is "permission denied".
pub async fn authorize(
    deps: AccessDeps<'_>,
    caller: &Caller,
    id: &str,
    needed: Permission,
) -> Result<(Account, Permission), ServiceError> {
    let id = AccountId::parse(id).map_err(|_| ServiceError::AccountNotFound)?;
    let account = deps
        .accounts
        .get_account(&caller.tenant, &id)
        .await?
        .ok_or(ServiceError::AccountNotFound)?;
    let grant = deps
        .grants
        .grant(&caller.tenant, &account.id, &caller.user)
        .await?
        .map(|g| g.permission);
    let permission = require(permission_of(caller, &account, grant), needed)?;
    Ok((account, permission))
}

/// Every grant on `account`, ordered by user id.
pub(crate) async fn account_grants(
    deps: AccessDeps<'_>,
    account: &Account,
) -> Result<Vec<Grant>, ServiceError> {
    Ok(deps
        .grants
        .grants_on(&account.tenant, std::slice::from_ref(&account.id))
        .await?
        .into_iter()
        .map(|(_, g)| g)
        .collect())
}
