//! Sharing an account inside its tenant: grants, member access and ownership. Only callers
//! who manage the account may change any of it; every change lands with its audit entry.

use super::ServiceError;
use super::access::{AccessDeps, authorize_with_grants, own_permission};
use super::accounts::VisibleAccount;
use crate::domain::{
    AuditEntry, AuditEvent, Caller, Grant, MemberAccess, Owner, Permission, UserId,
};
use crate::ports::{AccessWriter, AccountWithGrants, Clock};

/// What changing access needs.
#[derive(Clone, Copy)]
pub struct SharingDeps<'a> {
    pub access: AccessDeps<'a>,
    pub writer: &'a dyn AccessWriter,
    pub clock: &'a dyn Clock,
}

/// The grants on an account the caller manages, ordered by user id.
pub async fn list_grants(
    deps: AccessDeps<'_>,
    caller: &Caller,
    account_id: &str,
) -> Result<Vec<Grant>, ServiceError> {
    let (found, _) = authorize_with_grants(deps, caller, account_id, Permission::Manage).await?;
    Ok(found.grants)
}

fn user_id(raw: &str) -> Result<UserId, ServiceError> {
    UserId::parse(raw).map_err(|e| ServiceError::invalid("invalid_user_id", e.to_string()))
}

/// Parses a permission a client sent.
pub fn parse_permission(raw: &str) -> Result<Permission, ServiceError> {
    Permission::parse(raw).ok_or_else(|| {
        ServiceError::invalid(
            "invalid_permission",
            format!("permission must be one of view, publish, manage; got {raw:?}"),
        )
    })
}

/// Gives `user` `permission` on the account (replacing any grant they had).
pub async fn set_grant(
    deps: SharingDeps<'_>,
    caller: &Caller,
    account_id: &str,
    user: &str,
    permission: Permission,
) -> Result<Grant, ServiceError> {
    let user = user_id(user)?;
    let (found, _) =
        authorize_with_grants(deps.access, caller, account_id, Permission::Manage).await?;
    let account = found.account;
    if matches!(&account.owner, Owner::User { user_id } if *user_id == user) {
        return Err(ServiceError::invalid(
            "grantee_is_owner",
            "this user owns the account and already manages it",
        ));
    }
    let previous = found
        .grants
        .iter()
        .find(|g| g.user_id == user)
        .map(|g| g.permission);
    let now = deps.clock.now();
    let grant = Grant {
        user_id: user.clone(),
        permission,
        granted_by: caller.user.clone(),
        granted_at: now,
    };
    let audit = AuditEntry::new(
        &caller.tenant,
        &caller.user,
        &account.id,
        now,
        AuditEvent::GrantSet {
            user_id: user,
            permission,
            previous,
        },
    );
    deps.writer.put_grant(&account, &grant, &audit).await?;
    tracing::info!(
        tenant = %caller.tenant,
        account = %account.id,
        permission = permission.as_str(),
        "grant set"
    );
    Ok(grant)
}

/// Takes `user`'s grant on the account away.
pub async fn remove_grant(
    deps: SharingDeps<'_>,
    caller: &Caller,
    account_id: &str,
    user: &str,
) -> Result<(), ServiceError> {
    let user = user_id(user)?;
    let (found, _) =
        authorize_with_grants(deps.access, caller, account_id, Permission::Manage).await?;
    let account = found.account;
    let existing = found
        .grants
        .into_iter()
        .find(|g| g.user_id == user)
        .ok_or_else(grant_not_found)?;
    let audit = AuditEntry::new(
        &caller.tenant,
        &caller.user,
        &account.id,
        deps.clock.now(),
        AuditEvent::GrantRemoved {
            user_id: user.clone(),
            permission: existing.permission,
        },
    );
    if !deps.writer.delete_grant(&account, &user, &audit).await? {
        return Err(grant_not_found());
    }
    tracing::info!(tenant = %caller.tenant, account = %account.id, "grant removed");
    Ok(())
}

fn grant_not_found() -> ServiceError {
    ServiceError::NotFound {
        code: "grant_not_found",
        detail: "this user has no grant on the account".into(),
    }
}

/// A change to an account's access settings; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct AccessChange {
    pub owner: Option<Owner>,
    pub member_access: Option<MemberAccess>,
}

/// Transfers the account and/or changes what members get on it. The transfer applies
/// first, so one request may hand an account to the company and set its member access.
/// Grants stay as they are; a former user owner keeps nothing unless granted. Answers the
/// account as the caller now sees it, or `None` when they gave away their access.
pub async fn update_account(
    deps: SharingDeps<'_>,
    caller: &Caller,
    account_id: &str,
    change: AccessChange,
) -> Result<Option<VisibleAccount>, ServiceError> {
    if change.owner.is_none() && change.member_access.is_none() {
        return Err(ServiceError::invalid(
            "invalid_request",
            "nothing to change: send owner and/or member_access",
        ));
    }
    let (found, _) =
        authorize_with_grants(deps.access, caller, account_id, Permission::Manage).await?;
    let (account, grants) = (found.account, found.grants);
    let now = deps.clock.now();
    let mut updated = account.clone();
    let mut events = Vec::new();
    if let Some(owner) = change.owner
        && owner != account.owner
    {
        events.push(AuditEvent::Transferred {
            from: account.owner.clone(),
            to: owner.clone(),
        });
        updated.owner = owner;
    }
    if let Some(access) = change.member_access {
        if updated.owner != Owner::Company {
            return Err(ServiceError::Conflict {
                code: "not_a_company_account",
                detail: "member_access applies to company accounts only; transfer the account \
                         to the company first"
                    .into(),
            });
        }
        if access != account.member_access {
            events.push(AuditEvent::MemberAccessChanged {
                from: account.member_access,
                to: access,
            });
            updated.member_access = access;
        }
    }
    let current = if events.is_empty() {
        // Nothing changes: write nothing, answer with the account as it is.
        account
    } else {
        updated.version = account.version + 1;
        updated.updated_at = now;
        let audit: Vec<AuditEntry> = events
            .into_iter()
            .map(|e| AuditEntry::new(&caller.tenant, &caller.user, &account.id, now, e))
            .collect();
        deps.writer.update_access(&updated, &audit).await?;
        tracing::info!(tenant = %caller.tenant, account = %account.id, "account access changed");
        updated
    };
    // The caller may have just given the account away: answer with what they have now. The
    // change leaves grants alone, so those read with the account still hold.
    let now_seen = AccountWithGrants {
        account: current,
        grants,
    };
    Ok(own_permission(caller, &now_seen)
        .map(|permission| VisibleAccount::new(now_seen.account, permission, now_seen.grants)))
}
