//! Who may do what with an account: the one place the sharing rules live. Every use case
//! that touches an account asks [`permission_of`] and then [`require`]; nothing else decides.
//!
//! - A user-owned account: its owner manages it; everyone else, admins and owners of the
//!   tenant included, has nothing unless granted. A person's account is private until shared.
//! - A company account: owners and admins manage it; members get its [`MemberAccess`]
//!   unless a grant gives more.
//! - A grant names one user and one [`Permission`]; the stronger of grant and default wins.

use super::{Account, Caller, Owner, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a caller may do with an account, each level including the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// See the account, its profile and its history.
    View,
    /// Post to the account (and everything `View` allows).
    Publish,
    /// Share it, change its member access, transfer or disconnect it.
    Manage,
}

impl Permission {
    /// Every permission, weakest first.
    pub const ALL: [Self; 3] = [Self::View, Self::Publish, Self::Manage];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Publish => "publish",
            Self::Manage => "manage",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// What members of the tenant get on a company account without a grant of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MemberAccess {
    /// Members do not see the account.
    None,
    /// Members see it.
    View,
    /// Members see it and post to it: the default, since the team posts to company accounts.
    #[default]
    Publish,
}

impl MemberAccess {
    /// Every value, narrowest first.
    pub const ALL: [Self; 3] = [Self::None, Self::View, Self::Publish];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::View => "view",
            Self::Publish => "publish",
        }
    }

    /// Parses the wire name. `manage` is not a member access: managing stays with admins,
    /// owners and explicit grants.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The permission a member gets from it.
    pub fn permission(self) -> Option<Permission> {
        match self {
            Self::None => None,
            Self::View => Some(Permission::View),
            Self::Publish => Some(Permission::Publish),
        }
    }
}

/// One user's explicit permission on one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub user_id: UserId,
    pub permission: Permission,
    pub granted_by: UserId,
    pub granted_at: DateTime<Utc>,
}

/// The caller's permission on `account`, given the caller's own grant on it (if any).
/// `None` means the caller may not even know the account exists.
///
/// The account must belong to the caller's tenant; one of another tenant is `None` whatever
/// the grant says, so a mix-up upstream can never leak across tenants.
pub fn permission_of(
    caller: &Caller,
    account: &Account,
    grant: Option<Permission>,
) -> Option<Permission> {
    if account.tenant != caller.tenant {
        return None;
    }
    let default = match &account.owner {
        Owner::User { user_id } if *user_id == caller.user => Some(Permission::Manage),
        Owner::User { .. } => None,
        Owner::Company if caller.role.is_company_admin() => Some(Permission::Manage),
        Owner::Company => account.member_access.permission(),
    };
    default.max(grant)
}

/// Why an action on an account was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The caller cannot view the account: it must look as if it did not exist.
    #[error("no account with this id in your tenant")]
    NotFound,
    /// The caller sees the account but lacks `needed`.
    #[error("this needs the {} permission on the account", .needed.as_str())]
    Forbidden { needed: Permission },
}

/// Checks that `actual` (from [`permission_of`]) covers `needed`: no permission at all is
/// "not found" (existence is never leaked), too little is "forbidden".
pub fn require(actual: Option<Permission>, needed: Permission) -> Result<Permission, Denied> {
    match actual {
        None => Err(Denied::NotFound),
        Some(p) if p >= needed => Ok(p),
        Some(_) => Err(Denied::Forbidden { needed }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        AccountId, AccountStatus, IgUserId, LoginPath, MetaGrantor, Profile, Role, TenantId,
    };

    fn caller(tenant: &str, user: &str, role: Role) -> Caller {
        Caller {
            tenant: TenantId::parse(tenant).unwrap(),
            user: UserId::parse(user).unwrap(),
            role,
        }
    }

    fn account(owner: Owner, member_access: MemberAccess) -> Account {
        let at = DateTime::from_timestamp(1_000, 0).unwrap();
        Account {
            id: AccountId::generate(),
            tenant: TenantId::parse("acme").unwrap(),
            ig_user_id: IgUserId::parse("1784").unwrap(),
            login: LoginPath::Instagram,
            owner,
            member_access,
            status: AccountStatus::Active,
            profile: Profile::default(),
            grantor: MetaGrantor {
                meta_user_id: "m".into(),
                page_id: None,
                scopes: None,
            },
            token_expires_at: None,
            connected_at: at,
            connected_by: UserId::parse("dan").unwrap(),
            updated_at: at,
            version: 1,
            upkeep: Default::default(),
        }
    }

    fn dans() -> Account {
        account(
            Owner::User {
                user_id: UserId::parse("dan").unwrap(),
            },
            MemberAccess::Publish,
        )
    }

    #[test]
    fn the_owner_of_a_personal_account_manages_it() {
        let dan = caller("acme", "dan", Role::Member);
        assert_eq!(permission_of(&dan, &dans(), None), Some(Permission::Manage));
    }

    #[test]
    fn a_personal_account_is_private_even_to_company_owners() {
        for role in [Role::Owner, Role::Admin, Role::Member] {
            let other = caller("acme", "sarah", role);
            assert_eq!(permission_of(&other, &dans(), None), None, "{role:?}");
        }
    }

    #[test]
    fn a_grant_shares_a_personal_account() {
        let mike = caller("acme", "mike", Role::Member);
        assert_eq!(
            permission_of(&mike, &dans(), Some(Permission::View)),
            Some(Permission::View)
        );
    }

    #[test]
    fn admins_and_owners_manage_company_accounts() {
        let company = account(Owner::Company, MemberAccess::None);
        for role in [Role::Owner, Role::Admin] {
            let c = caller("acme", "boss", role);
            assert_eq!(permission_of(&c, &company, None), Some(Permission::Manage));
        }
    }

    #[test]
    fn members_get_the_member_access_unless_a_grant_gives_more() {
        let sarah = caller("acme", "sarah", Role::Member);
        for (access, grant, expected) in [
            (MemberAccess::Publish, None, Some(Permission::Publish)),
            (MemberAccess::View, None, Some(Permission::View)),
            (MemberAccess::None, None, None),
            (
                MemberAccess::None,
                Some(Permission::View),
                Some(Permission::View),
            ),
            (
                MemberAccess::Publish,
                Some(Permission::View),
                Some(Permission::Publish),
            ),
            (
                MemberAccess::View,
                Some(Permission::Manage),
                Some(Permission::Manage),
            ),
        ] {
            let company = account(Owner::Company, access);
            assert_eq!(
                permission_of(&sarah, &company, grant),
                expected,
                "{access:?} {grant:?}"
            );
        }
    }

    #[test]
    fn another_tenant_gets_nothing_whatever_the_grant() {
        let outsider = caller("globex", "dan", Role::Owner);
        assert_eq!(
            permission_of(&outsider, &dans(), Some(Permission::Manage)),
            None
        );
    }

    #[test]
    fn require_hides_what_cannot_be_viewed_and_forbids_what_is_too_little() {
        assert_eq!(require(None, Permission::View), Err(Denied::NotFound));
        assert_eq!(
            require(Some(Permission::View), Permission::Publish),
            Err(Denied::Forbidden {
                needed: Permission::Publish
            })
        );
        assert_eq!(
            require(Some(Permission::Manage), Permission::Publish),
            Ok(Permission::Manage)
        );
    }

    #[test]
    fn manage_is_not_a_member_access() {
        assert_eq!(MemberAccess::parse("manage"), None);
        assert_eq!(MemberAccess::parse("view"), Some(MemberAccess::View));
    }
}
