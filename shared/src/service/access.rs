//! Deciding a caller's permission on one account, the preamble of every use case that acts
//! on an account. The rules themselves are `domain::permission_of`; this only fetches what
//! they need.

use super::ServiceError;
use crate::domain::{Account, AccountId, Caller, Denied, Permission, permission_of, require};
use crate::ports::{AccountReader, AccountWithGrants};

/// What deciding access needs: the account and its grants, never a token.
#[derive(Clone, Copy)]
pub struct AccessDeps<'a> {
    pub accounts: &'a dyn AccountReader,
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
    let (found, permission) = authorize_with_grants(deps, caller, id, needed).await?;
    Ok((found.account, permission))
}

/// [`authorize`], keeping every grant on the account (by user id), which the same read
/// brought: for answers that show a manager who was given what.
pub async fn authorize_with_grants(
    deps: AccessDeps<'_>,
    caller: &Caller,
    id: &str,
    needed: Permission,
) -> Result<(AccountWithGrants, Permission), ServiceError> {
    let id = AccountId::parse(id).map_err(|_| ServiceError::AccountNotFound)?;
    let found = deps
        .accounts
        .get_account_with_grants(&caller.tenant, &id)
        .await?
        .ok_or(ServiceError::AccountNotFound)?;
    let permission = require(own_permission(caller, &found), needed)?;
    Ok((found, permission))
}

/// The caller's permission on an account read with its grants, if they may view it.
pub(crate) fn own_permission(caller: &Caller, found: &AccountWithGrants) -> Option<Permission> {
    let own = found
        .grants
        .iter()
        .find(|g| g.user_id == caller.user)
        .map(|g| g.permission);
    permission_of(caller, &found.account, own)
}
