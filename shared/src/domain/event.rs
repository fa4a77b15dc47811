//! Outgoing events: what a SaaS product hears about its users' connections and posts, so it
//! can prompt a reconnect or show a post went out without polling.
//!
//! Events are made from audit entries: every state change is written with its audit entry
//! in one transaction, so the trail is an outbox that cannot miss a change or hold one that
//! did not happen, and each change is announced once. An event names its type, the tenant,
//! the account (and post) and never holds a token.
//!
//! Webhook deliveries are signed: `X-Igconnect-Timestamp` carries the Unix time of the
//! delivery and `X-Igconnect-Signature` is `v1=` and the hex HMAC-SHA256, keyed with the
//! webhook secret, of `<timestamp>.<raw body>`. A receiver recomputes it over the raw body,
//! compares in constant time, and refuses timestamps more than five minutes away from its
//! clock, so a captured delivery cannot be replayed later.

use super::{AccountId, AuditEntry, AuditEvent, AuditId, TenantId};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;

/// The header holding the delivery's Unix timestamp.
pub const TIMESTAMP_HEADER: &str = "x-igconnect-timestamp";
/// The header holding `v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "x-igconnect-signature";
/// How far a receiver should let a delivery's timestamp be from its own clock.
pub const MAX_SKEW_SECONDS: i64 = 300;

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

/// The MAC of a delivery of `body` at Unix time `timestamp`, ready to finish or verify.
fn delivery_mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// `v1=<hex>`: the signature of a delivery of `body` at Unix time `timestamp`.
pub fn sign_delivery(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let Some(mac) = delivery_mac(secret, timestamp, body) else {
        return String::new();
    };
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v1={hex}")
}

/// What a receiver does: checks `signature` over `body` at `timestamp`, in constant time,
/// and refuses a timestamp more than [`MAX_SKEW_SECONDS`] from `now`.
pub fn verify_delivery(
    secret: &[u8],
    timestamp: i64,
    body: &[u8],
    signature: &str,
    now: DateTime<Utc>,
) -> bool {
    if (now.timestamp() - timestamp).abs() > MAX_SKEW_SECONDS {
        return false;
    }
    let given = signature.strip_prefix("v1=").and_then(decode_hex);
    match (given, delivery_mac(secret, timestamp, body)) {
        (Some(given), Some(mac)) => mac.verify_slice(&given).is_ok(),
        _ => false,
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{PostId, PostKind, UserId};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn a_signed_delivery_verifies_and_a_changed_one_does_not() {
        let body = br#"{"type":"post.published"}"#;
        let sig = sign_delivery(b"secret", now().timestamp(), body);
        assert!(verify_delivery(
            b"secret",
            now().timestamp(),
            body,
            &sig,
            now()
        ));
        assert!(!verify_delivery(
            b"other",
            now().timestamp(),
            body,
            &sig,
            now()
        ));
        assert!(!verify_delivery(
            b"secret",
            now().timestamp(),
            b"{}",
            &sig,
            now()
        ));
        assert!(!verify_delivery(
            b"secret",
            now().timestamp() + 1,
            body,
            &sig,
            now()
        ));
        assert!(!verify_delivery(
            b"secret",
            now().timestamp(),
            body,
            "v1=zz",
            now()
        ));
    }

    #[test]
    fn an_old_delivery_is_refused_as_a_replay() {
        let body = b"{}";
        let then = now().timestamp() - MAX_SKEW_SECONDS - 1;
        let sig = sign_delivery(b"secret", then, body);
        assert!(!verify_delivery(b"secret", then, body, &sig, now()));
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
