//! Outgoing events: what a SaaS product hears about its users' connections and posts, so it
//! can prompt a reconnect or show a post went out without polling.
//!
//! Events are made from audit entries: every state change is written with its audit entry
//! in one transaction, so the trail is an outbox that cannot miss a change or hold one that
//! did not happen, and each change is announced once. An event names its type, the tenant,
//! the account (and post) and never holds a token.
//!
//! Webhook deliveries are signed as Standard Webhooks specifies (`delivery_signature`).

use super::{AccountId, AuditEntry, AuditEvent, AuditId, TenantId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

/// An outgoing event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// The audit entry's id: receivers deduplicate on it (delivery is at least once).
    pub id: AuditId,
    /// `account.connected`, `account.needs_reauth`, `account.revoked`,
    /// `account.disconnected`, `post.published`, `post.failed`, `comment.received`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub tenant_id: TenantId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    pub at: DateTime<Utc>,
    /// The type's details (the post id and code, the username...).
    pub data: Value,
}

impl Event {
    /// The event an audit entry announces, if its action is one products hear about.
    pub fn from_audit(entry: &AuditEntry) -> Option<Self> {
        let (kind, data) = match &entry.event {
            AuditEvent::Connected {
                username, login, ..
            } => (
                "account.connected",
                json!({ "username": username, "login": login }),
            ),
            AuditEvent::Reconnected { username, login } => (
                "account.connected",
                json!({ "username": username, "login": login, "reconnected": true }),
            ),
            AuditEvent::PostPublished {
                post_id,
                kind,
                media_id,
            } => (
                "post.published",
                json!({ "post_id": post_id, "type": kind, "media_id": media_id }),
            ),
            AuditEvent::PostFailed {
                post_id,
                kind,
                code,
            } => (
                "post.failed",
                json!({ "post_id": post_id, "type": kind, "code": code }),
            ),
            AuditEvent::NeedsReauth { code } => ("account.needs_reauth", json!({ "code": code })),
            AuditEvent::Revoked { reason } => ("account.revoked", json!({ "reason": reason })),
            AuditEvent::Disconnected {
                username,
                revoked_at_meta,
            } => (
                "account.disconnected",
                json!({ "username": username, "revoked_at_meta": revoked_at_meta }),
            ),
            AuditEvent::CommentReceived {
                field,
                comment_id,
                media_id,
                text,
                username,
            } => (
                "comment.received",
                json!({
                    "field": field,
                    "comment_id": comment_id,
                    "media_id": media_id,
                    "text": text,
                    "username": username,
                }),
            ),
            _ => return None,
        };
        Some(Self {
            id: entry.id.clone(),
            kind,
            tenant_id: entry.tenant.clone(),
            account_id: entry.account_id.clone(),
            at: entry.at,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PostId, PostKind, UserId};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn post_outcomes_become_events_and_grant_changes_do_not() {
        let tenant = TenantId::parse("t").unwrap();
        let user = UserId::parse("u").unwrap();
        let account = AccountId::generate();
        let published = AuditEntry::new(
            &tenant,
            &user,
            &account,
            now(),
            AuditEvent::PostPublished {
                post_id: PostId::generate(),
                kind: PostKind::Image,
                media_id: "17950000000000001".into(),
            },
        );
        let event = Event::from_audit(&published).unwrap();
        assert_eq!(event.kind, "post.published");
        assert_eq!(event.id, published.id);
        assert_eq!(event.data["media_id"], "17950000000000001");
        let grant = AuditEntry::new(
            &tenant,
            &user,
            &account,
            now(),
            AuditEvent::GrantRemoved {
                user_id: user.clone(),
                permission: crate::domain::Permission::View,
            },
        );
        assert!(Event::from_audit(&grant).is_none());
    }
}
