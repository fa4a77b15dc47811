//! Reading connected accounts, each with the caller's permission on it. Takes an
//! [`AccountReader`](crate::ports::AccountReader), which reads accounts with their grants:
//! this path cannot reach a token or the Sealer.

use super::ServiceError;
use super::access::{AccessDeps, authorize_with_grants, own_permission};
use crate::domain::{Account, Caller, Cursor, Grant, Page, PageRequest, Permission};

/// An account as one caller sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleAccount {
    pub account: Account,
    /// The caller's permission: at least `View`, or the account would not be visible.
    pub permission: Permission,
    /// The account's grants, for callers who manage it; `None` for everyone else.
    pub grants: Option<Vec<Grant>>,
}

impl VisibleAccount {
    pub(crate) fn new(account: Account, permission: Permission, grants: Vec<Grant>) -> Self {
        let grants = (permission == Permission::Manage).then_some(grants);
        Self {
            account,
            permission,
            grants,
        }
    }
}

/// The accounts of the caller's tenant the caller may view, one page at a time, in
/// connection order. Accounts the caller may not view are skipped as if they did not exist;
/// the page is filled from further store pages so a client never sees a short page before
/// the end.
pub async fn list_accounts(
    deps: AccessDeps<'_>,
    caller: &Caller,
    page: &PageRequest,
) -> Result<Page<VisibleAccount>, ServiceError> {
    let limit = page.limit as usize;
    let mut visible = Vec::with_capacity(limit);
    let mut after = page.after.clone();
    loop {
        let request = PageRequest {
            limit: page.limit,
            after: after.take(),
        };
        let found = deps
            .accounts
            .list_accounts_with_grants(&caller.tenant, &request)
            .await?;
        let count = found.items.len();
        for (i, listed) in found.items.into_iter().enumerate() {
            let Some(permission) = own_permission(caller, &listed) else {
                continue;
            };
            let cursor = Cursor::after(&listed.account.id);
            visible.push(VisibleAccount::new(
                listed.account,
                permission,
                listed.grants,
            ));
            if visible.len() == limit {
                // Full: the next page resumes after this account, if anything follows it.
                let more = i + 1 < count || found.next.is_some();
                return Ok(Page {
                    items: visible,
                    next: more.then_some(cursor),
                });
            }
        }
        match found.next {
            Some(next) => after = Some(next),
            None => {
                return Ok(Page {
                    items: visible,
                    next: None,
                });
            }
        }
    }
}

/// One account the caller may view. Anything else (malformed id, unknown, another
/// tenant's, or not visible to the caller) is "not found".
pub async fn get_account(
    deps: AccessDeps<'_>,
    caller: &Caller,
    id: &str,
) -> Result<VisibleAccount, ServiceError> {
    let (found, permission) = authorize_with_grants(deps, caller, id, Permission::View).await?;
    Ok(VisibleAccount::new(found.account, permission, found.grants))
}
