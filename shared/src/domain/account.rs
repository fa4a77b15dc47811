//! A connected Instagram professional account and who owns it.

use super::lifecycle::{MIN_TOKEN_AGE, Upkeep};
use super::{AccountId, IgUserId, MemberAccess, TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which Meta login connected the account. The two paths differ in endpoints, scopes, token
/// lifetimes and how tokens are kept fresh, so every account remembers its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoginPath {
    /// Facebook Login: Instagram accounts linked to Facebook Pages.
    Facebook,
    /// Instagram Login (Business Login): the Instagram account itself, no Page.
    Instagram,
}

impl LoginPath {
    /// The path's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Facebook => "facebook",
            Self::Instagram => "instagram",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "facebook" => Some(Self::Facebook),
            "instagram" => Some(Self::Instagram),
            _ => None,
        }
    }

    /// The scopes igconnect asks for, and requires, on this path.
    pub fn required_scopes(self) -> &'static [&'static str] {
        match self {
            Self::Facebook => &[
                "instagram_basic",
                "instagram_content_publish",
                "pages_show_list",
                "pages_read_engagement",
                "business_management",
            ],
            Self::Instagram => &[
                "instagram_business_basic",
                "instagram_business_content_publish",
            ],
        }
    }
}

impl LoginPath {
    /// The scopes a login dialog asks for: the required ones, then each optional feature's.
    pub fn requested_scopes(self, features: &[super::Feature]) -> Vec<&'static str> {
        let mut scopes = self.required_scopes().to_vec();
        scopes.extend(features.iter().map(|f| f.scope(self)));
        scopes
    }
}

/// What the caller asks to own a new connection: themselves or their company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerKind {
    User,
    Company,
}

/// Who owns an account within its tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Owner {
    /// A single user's account; that user manages it.
    User { user_id: UserId },
    /// The company's account; owners and admins manage it.
    Company,
}

impl Owner {
    /// The owner a caller gets when asking for `kind`.
    pub fn for_caller(kind: OwnerKind, user: &UserId) -> Self {
        match kind {
            OwnerKind::User => Self::User {
                user_id: user.clone(),
            },
            OwnerKind::Company => Self::Company,
        }
    }
}

/// Whether an account's token can still be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// The token works.
    Active,
    /// Meta refused the token; a person must connect the account again.
    NeedsReauth,
    /// The Meta user took their grant back (Meta's deauthorize callback): the tokens are
    /// destroyed; grants and posts stay until someone reconnects or disconnects it.
    Revoked,
}

impl AccountStatus {
    /// The status's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::NeedsReauth => "needs_reauth",
            Self::Revoked => "revoked",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "needs_reauth" => Some(Self::NeedsReauth),
            "revoked" => Some(Self::Revoked),
            _ => None,
        }
    }
}

/// Public profile fields as Meta reports them. Every field but the username is optional:
/// Meta omits fields the account does not have or the login path cannot read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biography: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// The Meta user who granted a connection. Meta's deauthorize and data-deletion callbacks
/// name this user, not the Instagram account, so it is kept with every account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaGrantor {
    /// Facebook Login: the app-scoped Facebook user id (`/me`). Instagram Login: the
    /// app-scoped Instagram user id (`id` of `/me`).
    pub meta_user_id: String,
    /// The Facebook Page the Instagram account is linked to (Facebook Login only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_id: Option<String>,
    /// The scopes the user granted this connection, as Meta reported them at the login;
    /// `None` for connections made before igconnect recorded them (a feature is then tried
    /// and Meta's own permission error answers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
}

impl MetaGrantor {
    /// Whether the connection may use `feature`: its scope was granted, or the grant
    /// predates recorded scopes.
    pub fn allows(&self, feature: super::Feature, login: LoginPath) -> bool {
        let scope = feature.scope(login);
        self.scopes
            .as_ref()
            .is_none_or(|granted| granted.iter().any(|s| s == scope))
    }
}

/// A connected Instagram professional account, without its token: everything a listing may
/// show. The sealed token lives beside it in storage and never travels with this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub tenant: TenantId,
    pub ig_user_id: IgUserId,
    pub login: LoginPath,
    pub owner: Owner,
    /// What members get without a grant; it matters only while the company owns the
    /// account, and is kept across transfers so a round trip restores it.
    pub member_access: MemberAccess,
    pub status: AccountStatus,
    pub profile: Profile,
    pub grantor: MetaGrantor,
    /// When the stored token stops working; `None` for tokens that do not expire (Page
    /// tokens derived from a long-lived user token).
    pub token_expires_at: Option<DateTime<Utc>>,
    pub connected_at: DateTime<Utc>,
    pub connected_by: UserId,
    pub updated_at: DateTime<Utc>,
    /// Optimistic-concurrency version, bumped on every write.
    pub version: u64,
    /// How the token is kept alive: when it was issued and last checked, the last error,
    /// when the refresh pass looks at it next.
    pub upkeep: Upkeep,
}

/// What a completed login hands to storage: a new account, or fresh tokens and profile for
/// one already connected (matched by tenant and Instagram user id).
#[derive(Debug, Clone)]
pub struct Connection {
    pub tenant: TenantId,
    pub ig_user_id: IgUserId,
    pub login: LoginPath,
    /// The owner a new account gets. An account already connected keeps its owner.
    pub owner: Owner,
    pub profile: Profile,
    pub grantor: MetaGrantor,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub connected_by: UserId,
    pub at: DateTime<Utc>,
}

impl Connection {
    /// The account this connection creates when none exists yet.
    pub fn new_account(&self, id: AccountId) -> Account {
        Account {
            id,
            tenant: self.tenant.clone(),
            ig_user_id: self.ig_user_id.clone(),
            login: self.login,
            owner: self.owner.clone(),
            member_access: MemberAccess::default(),
            status: AccountStatus::Active,
            profile: self.profile.clone(),
            grantor: self.grantor.clone(),
            token_expires_at: self.token_expires_at,
            connected_at: self.at,
            connected_by: self.connected_by.clone(),
            updated_at: self.at,
            version: 1,
            upkeep: self.fresh_upkeep(),
        }
    }

    /// A token just issued and checked: the refresh pass looks at it again in a day, when
    /// Instagram would first let it be refreshed.
    fn fresh_upkeep(&self) -> Upkeep {
        Upkeep {
            token_issued_at: Some(self.at),
            last_refreshed_at: None,
            last_error: None,
            data_access_expires_at: None,
            refresh_due_at: Some(self.at + MIN_TOKEN_AGE),
            failures: 0,
            snapshot_through: None,
        }
    }

    /// The account after reconnecting: identity, owner and first connection stay; tokens,
    /// profile, status and upkeep are renewed (a `needs_reauth` or `revoked` account is
    /// active again, its grants untouched).
    pub fn reconnect(&self, existing: &Account) -> Account {
        Account {
            login: self.login,
            status: AccountStatus::Active,
            profile: self.profile.clone(),
            grantor: self.grantor.clone(),
            token_expires_at: self.token_expires_at,
            updated_at: self.at,
            version: existing.version + 1,
            upkeep: Upkeep {
                // The history already stored stays; the next look continues after it.
                snapshot_through: existing.upkeep.snapshot_through,
                ..self.fresh_upkeep()
            },
            ..existing.clone()
        }
    }
}

/// Permission rules for connecting accounts.
impl OwnerKind {
    /// Anyone may connect their own accounts; only owners and admins may connect accounts
    /// the whole company will own.
    pub fn may_be_connected_by(self, role: super::Role) -> bool {
        match self {
            Self::User => true,
            Self::Company => role.is_company_admin(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn connection(owner: Owner) -> Connection {
        Connection {
            tenant: TenantId::parse("t1").unwrap(),
            ig_user_id: IgUserId::parse("17841400000000001").unwrap(),
            login: LoginPath::Instagram,
            owner,
            profile: Profile {
                username: "new".into(),
                ..Profile::default()
            },
            grantor: MetaGrantor {
                meta_user_id: "m2".into(),
                page_id: None,
                scopes: None,
            },
            token_expires_at: None,
            connected_by: UserId::parse("u2").unwrap(),
            at: DateTime::from_timestamp(2_000, 0).unwrap(),
        }
    }

    #[test]
    fn reconnecting_keeps_owner_and_first_connection() {
        let first = connection(Owner::Company).new_account(AccountId::generate());
        let again = connection(Owner::User {
            user_id: UserId::parse("u9").unwrap(),
        });
        let renewed = again.reconnect(&first);
        assert_eq!(renewed.owner, Owner::Company);
        assert_eq!(renewed.id, first.id);
        assert_eq!(renewed.connected_at, first.connected_at);
        assert_eq!(renewed.version, first.version + 1);
    }

    #[test]
    fn dialogs_ask_for_the_required_scopes_and_the_optional_features() {
        use crate::domain::Feature;
        let scopes = LoginPath::Instagram.requested_scopes(&Feature::ALL);
        assert!(scopes.starts_with(LoginPath::Instagram.required_scopes()));
        assert!(scopes.contains(&"instagram_business_manage_insights"));
        assert!(scopes.contains(&"instagram_business_manage_comments"));
        assert_eq!(
            LoginPath::Facebook.requested_scopes(&[]),
            LoginPath::Facebook.required_scopes()
        );
    }

    #[test]
    fn a_feature_needs_its_scope_unless_the_grant_predates_recorded_scopes() {
        use crate::domain::Feature;
        let mut grantor = MetaGrantor {
            meta_user_id: "m".into(),
            page_id: None,
            scopes: None,
        };
        assert!(grantor.allows(Feature::Insights, LoginPath::Facebook));
        grantor.scopes = Some(vec!["instagram_manage_insights".into()]);
        assert!(grantor.allows(Feature::Insights, LoginPath::Facebook));
        assert!(!grantor.allows(Feature::Comments, LoginPath::Facebook));
        assert!(!grantor.allows(Feature::Insights, LoginPath::Instagram));
    }

    #[test]
    fn members_may_not_connect_company_accounts() {
        assert!(!OwnerKind::Company.may_be_connected_by(Role::Member));
        assert!(OwnerKind::Company.may_be_connected_by(Role::Admin));
        assert!(OwnerKind::User.may_be_connected_by(Role::Member));
    }
}
