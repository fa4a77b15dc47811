//! `POST /v1/accounts/{id}/sync`: one look at one account, now, for someone who may publish
//! to it (they see a stale follower count or suspect a dead token and want to know); and the
//! same look for an operator (`igconnect accounts sync`), who acts outside any tenant's
//! permissions.

use super::RefreshDeps;
use super::look::{LookOutcome, look};
use crate::domain::{Account, AccountId, AccountStatus, Caller, Permission, TenantId};
use crate::ports::{AccountReader, TokenReader};
use crate::service::access::authorize_with_grants;
use crate::service::accounts::VisibleAccount;
use crate::service::{AccessDeps, ServiceError};

/// Looks at the account (validates the token, syncs the profile; refreshing is the
/// scheduled pass's job) and
/// answers it as stored afterwards. A dead token is not an error here: the account comes
/// back `needs_reauth` with its last error, as the pass would leave it. Meta failing or
/// throttling is (nothing is stored, the scheduled pass keeps its own schedule).
pub async fn sync_account(
    access: AccessDeps<'_>,
    tokens: &dyn TokenReader,
    deps: RefreshDeps<'_>,
    caller: &Caller,
    id: &str,
) -> Result<VisibleAccount, ServiceError> {
    let (found, permission) =
        authorize_with_grants(access, caller, id, Permission::Publish).await?;
    let account = look_now(tokens, deps, found.account).await?;
    Ok(VisibleAccount::new(account, permission, found.grants))
}

/// [`sync_account`] for an operator: the same look at the tenant's account `id`, without a
/// caller or a permission check (whoever runs the operator commands holds the store and
/// its keys already). Answers the account as stored afterwards.
pub async fn sync_account_as_operator(
    accounts: &dyn AccountReader,
    tokens: &dyn TokenReader,
    deps: RefreshDeps<'_>,
    tenant: &TenantId,
    id: &AccountId,
) -> Result<Account, ServiceError> {
    let account = accounts
        .get_account(tenant, id)
        .await?
        .ok_or(ServiceError::AccountNotFound)?;
    look_now(tokens, deps, account).await
}

/// One look at an active account, stored; the account afterwards.
async fn look_now(
    tokens: &dyn TokenReader,
    deps: RefreshDeps<'_>,
    account: Account,
) -> Result<Account, ServiceError> {
    match account.status {
        AccountStatus::Active => {}
        AccountStatus::NeedsReauth | AccountStatus::Revoked => {
            return Err(ServiceError::Conflict {
                code: "account_needs_reauth",
                detail: format!(
                    "the account is {}: connect it again through the login flow",
                    account.status.as_str()
                ),
            });
        }
    }
    let sealed = tokens
        .sealed_token(&account.tenant, &account.id)
        .await?
        .ok_or(ServiceError::AccountNotFound)?;
    let now = deps.clock.now();
    let looked = look(deps, &account, &sealed, now, false).await?;
    match looked.outcome {
        LookOutcome::Failed | LookOutcome::RateLimited => {
            return Err(if looked.outcome == LookOutcome::RateLimited {
                ServiceError::RateLimited
            } else {
                ServiceError::MetaUnavailable("the token could not be checked")
            });
        }
        LookOutcome::Refreshed | LookOutcome::Validated | LookOutcome::NeedsReauth => {}
    }
    deps.queue
        .save_upkeep(
            &looked.account,
            looked.token.as_ref(),
            looked.audit.as_ref(),
        )
        .await?;
    Ok(looked.account)
}
