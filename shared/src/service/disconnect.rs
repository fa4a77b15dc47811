//! `DELETE /v1/accounts/{id}`: someone who manages an account ends the connection. Its
//! tokens, grants and posts go; the audit trail keeps the entry that says who did it. An
//! operator (`igconnect accounts disconnect`) ends one the same way, named in the trail.

use super::{AccessDeps, ServiceError, authorize};
use crate::domain::{
    Account, AccountId, AuditEntry, AuditEvent, Caller, LoginPath, Permission, TenantId, UserId,
};
use crate::ports::{AccountRemoval, Clock, TokenUpkeep};

/// What disconnecting needs: no Sealer (tokens are destroyed, never read) and Meta only to
/// revoke a Facebook user's grant.
#[derive(Clone, Copy)]
pub struct DisconnectDeps<'a> {
    pub access: AccessDeps<'a>,
    pub removal: &'a dyn AccountRemoval,
    pub meta: &'a dyn TokenUpkeep,
    pub clock: &'a dyn Clock,
}

/// An account an operator disconnected, as it was, and whether Meta revoked the grant.
#[derive(Debug, Clone)]
pub struct Disconnected {
    pub account: Account,
    pub revoked_at_meta: bool,
}

/// Disconnects the account. Facebook Login: the Meta user's grant is revoked too when this
/// was the last account they connected here (revoking is per user, so doing it for one of
/// several accounts would kill the others); Instagram Login has no revoke endpoint. Meta
/// failing to revoke is logged and does not keep anything: the user asked for the
/// connection to end here. A second call finds nothing: "not found".
pub async fn disconnect_account(
    deps: DisconnectDeps<'_>,
    caller: &Caller,
    id: &str,
) -> Result<(), ServiceError> {
    let (account, _) = authorize(deps.access, caller, id, Permission::Manage).await?;
    disconnect(deps, account, &caller.user).await.map(|_| ())
}

/// [`disconnect_account`] for an operator: the tenant's account `id`, without a caller or a
/// permission check; `operator` is recorded as the actor of the `account.disconnected`
/// entry (and its event). A second call finds nothing: "not found".
pub async fn disconnect_account_as_operator(
    deps: DisconnectDeps<'_>,
    operator: &UserId,
    tenant: &TenantId,
    id: &AccountId,
) -> Result<Disconnected, ServiceError> {
    let account = deps
        .access
        .accounts
        .get_account(tenant, id)
        .await?
        .ok_or(ServiceError::AccountNotFound)?;
    disconnect(deps, account, operator).await
}

async fn disconnect(
    deps: DisconnectDeps<'_>,
    account: Account,
    actor: &UserId,
) -> Result<Disconnected, ServiceError> {
    let mut revoked_at_meta = false;
    if account.login == LoginPath::Facebook {
        let meta_user = &account.grantor.meta_user_id;
        let others = deps
            .removal
            .accounts_of_meta_user(meta_user)
            .await?
            .into_iter()
            .any(|a| a.id != account.id || a.tenant != account.tenant);
        if !others {
            match deps.meta.facebook_revoke(meta_user).await {
                Ok(()) => revoked_at_meta = true,
                Err(e) => {
                    tracing::warn!(account = %account.id, error = %e, "Meta did not revoke the grant; disconnecting anyway")
                }
            }
        }
    }
    let audit = AuditEntry::new(
        &account.tenant,
        actor,
        &account.id,
        deps.clock.now(),
        AuditEvent::Disconnected {
            username: account.profile.username.clone(),
            revoked_at_meta,
        },
    );
    if deps.removal.delete_account(&account, &audit).await? {
        Ok(Disconnected {
            account,
            revoked_at_meta,
        })
    } else {
        Err(ServiceError::AccountNotFound)
    }
}
