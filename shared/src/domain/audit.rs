//! The audit trail: who changed what about an account, and when. Entries are written by the
//! Store in the same transaction as the change they record, so the trail can neither miss a
//! change nor record one that did not happen. They name people and permissions, never a
//! token or anything Meta issued.

use super::{
    Account, AccountId, AuditId, Connection, LoginPath, MemberAccess, Owner, Permission, PostId,
    PostKind, TenantId, UserId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened. The tag is the action's stable wire name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action")]
pub enum AuditEvent {
    /// A first login connected the account.
    #[serde(rename = "account.connected")]
    Connected {
        username: String,
        login: LoginPath,
        owner: Owner,
    },
    /// A later login renewed an account already connected.
    #[serde(rename = "account.reconnected")]
    Reconnected { username: String, login: LoginPath },
    /// A user was given a permission (or had theirs changed).
    #[serde(rename = "grant.set")]
    GrantSet {
        user_id: UserId,
        permission: Permission,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        previous: Option<Permission>,
    },
    /// A user's grant was taken away.
    #[serde(rename = "grant.removed")]
    GrantRemoved {
        user_id: UserId,
        permission: Permission,
    },
    /// What members get on a company account changed.
    #[serde(rename = "account.member_access_changed")]
    MemberAccessChanged {
        from: MemberAccess,
        to: MemberAccess,
    },
    /// The account changed owner.
    #[serde(rename = "account.transferred")]
    Transferred { from: Owner, to: Owner },
    /// A post went out on Instagram.
    #[serde(rename = "post.published")]
    PostPublished {
        post_id: PostId,
        kind: PostKind,
        media_id: String,
    },
    /// A post was refused for good.
    #[serde(rename = "post.failed")]
    PostFailed {
        post_id: PostId,
        kind: PostKind,
        code: String,
    },
    /// A scheduled post was canceled.
    #[serde(rename = "post.canceled")]
    PostCanceled { post_id: PostId, kind: PostKind },
    /// Meta refused the account's token for good; a person must connect it again.
    #[serde(rename = "account.needs_reauth")]
    NeedsReauth { code: String },
    /// The Meta user took back their grant (Meta's deauthorize callback); the tokens are
    /// destroyed.
    #[serde(rename = "account.revoked")]
    Revoked { reason: String },
    /// Someone disconnected the account: tokens, grants and posts are gone, this entry
    /// stays.
    #[serde(rename = "account.disconnected")]
    Disconnected {
        username: String,
        /// Whether Meta was told to revoke the grant as well.
        revoked_at_meta: bool,
    },
    /// The Meta user asked Meta to have their data deleted (Meta's data-deletion callback):
    /// the account, its tokens, grants and posts are gone. The entry keeps nothing about
    /// the person (no username), only that it happened.
    #[serde(rename = "account.data_deleted")]
    DataDeleted {},
    /// Someone replied to a comment on the account's media.
    #[serde(rename = "comment.replied")]
    CommentReplied {
        media_id: String,
        comment_id: String,
        reply_id: String,
    },
    /// Someone hid (`hidden: true`) or unhid a comment.
    #[serde(rename = "comment.hidden")]
    CommentHidden {
        media_id: String,
        comment_id: String,
        hidden: bool,
    },
    /// Someone deleted a comment.
    #[serde(rename = "comment.deleted")]
    CommentDeleted {
        media_id: String,
        comment_id: String,
    },
    /// Meta's webhook told us of a comment on, or a mention of, the account (`field` is
    /// Meta's: `comments`, `mentions`, `live_comments`).
    #[serde(rename = "comment.received")]
    CommentReceived {
        field: String,
        comment_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        username: Option<String>,
    },
}

impl AuditEvent {
    /// The action's wire name (`account.connected`, `grant.set`, ...).
    pub fn action(&self) -> &'static str {
        match self {
            Self::Connected { .. } => "account.connected",
            Self::Reconnected { .. } => "account.reconnected",
            Self::GrantSet { .. } => "grant.set",
            Self::GrantRemoved { .. } => "grant.removed",
            Self::MemberAccessChanged { .. } => "account.member_access_changed",
            Self::Transferred { .. } => "account.transferred",
            Self::PostPublished { .. } => "post.published",
            Self::PostFailed { .. } => "post.failed",
            Self::PostCanceled { .. } => "post.canceled",
            Self::NeedsReauth { .. } => "account.needs_reauth",
            Self::Revoked { .. } => "account.revoked",
            Self::Disconnected { .. } => "account.disconnected",
            Self::DataDeleted {} => "account.data_deleted",
            Self::CommentReplied { .. } => "comment.replied",
            Self::CommentHidden { .. } => "comment.hidden",
            Self::CommentDeleted { .. } => "comment.deleted",
            Self::CommentReceived { .. } => "comment.received",
        }
    }
}

/// One entry of a tenant's trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Time-ordered, so the newest entry has the greatest id.
    pub id: AuditId,
    pub tenant: TenantId,
    pub at: DateTime<Utc>,
    /// The user who made the change.
    pub actor: UserId,
    pub account_id: Option<AccountId>,
    pub event: AuditEvent,
}

impl AuditEntry {
    /// A new entry about `account_id`, by `actor`, at `at`.
    pub fn new(
        tenant: &TenantId,
        actor: &UserId,
        account_id: &AccountId,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Self {
        Self {
            id: AuditId::generate(),
            tenant: tenant.clone(),
            at,
            actor: actor.clone(),
            account_id: Some(account_id.clone()),
            event,
        }
    }
}

impl AuditEntry {
    /// A new entry about `account_id` made by igconnect itself (the refresh pass, Meta's
    /// callbacks), at `at`.
    pub fn by_system(
        tenant: &TenantId,
        account_id: &AccountId,
        at: DateTime<Utc>,
        event: AuditEvent,
    ) -> Self {
        Self::new(tenant, &UserId::system(), account_id, at, event)
    }

    /// What a login's save records: `account.connected` for a first connection,
    /// `account.reconnected` when `account` already existed (its version is past 1), by the
    /// user who completed the login.
    pub fn for_connection(connection: &Connection, account: &Account) -> Self {
        let event = if account.version <= 1 {
            AuditEvent::Connected {
                username: account.profile.username.clone(),
                login: account.login,
                owner: account.owner.clone(),
            }
        } else {
            AuditEvent::Reconnected {
                username: account.profile.username.clone(),
                login: account.login,
            }
        };
        Self::new(
            &account.tenant,
            &connection.connected_by,
            &account.id,
            connection.at,
            event,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_their_action_name_on_the_wire() {
        let event = AuditEvent::GrantSet {
            user_id: UserId::parse("mike").unwrap(),
            permission: Permission::View,
            previous: None,
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["action"], event.action());
        assert_eq!(json["permission"], "view");
        let back: AuditEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn a_data_deletion_keeps_nothing_but_that_it_happened() {
        let event = AuditEvent::DataDeleted {};
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json, serde_json::json!({"action": "account.data_deleted"}));
        assert_eq!(serde_json::from_value::<AuditEvent>(json).unwrap(), event);
    }

    #[test]
    fn a_transfer_names_both_owners() {
        let event = AuditEvent::Transferred {
            from: Owner::User {
                user_id: UserId::parse("dan").unwrap(),
            },
            to: Owner::Company,
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["action"], "account.transferred");
        assert_eq!(json["from"]["user_id"], "dan");
        assert_eq!(json["to"]["type"], "company");
    }
}
