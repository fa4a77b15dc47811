//! Comments and mentions Meta's webhooks tell us about: each becomes a `comment.received`
//! audit entry on every tenant's account for that Instagram user, which the outbox
//! announces as a `comment.received` event. The delivery was verified first
//! (`receive_webhook`); this only reads what it says.

use super::ServiceError;
use crate::domain::{AuditEntry, AuditEvent, IgUserId};
use crate::ports::{AccountRemoval, AuditLog};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The change fields that carry a comment.
const COMMENT_FIELDS: [&str; 3] = ["comments", "mentions", "live_comments"];
/// The longest comment text kept (Instagram's own limit).
const MAX_TEXT: usize = 2_200;
/// The most comment changes one delivery is taken to hold.
const MAX_CHANGES: usize = 1_000;

/// One comment change of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentChange {
    pub ig_user_id: IgUserId,
    pub event: AuditEvent,
}

fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s)
            if (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(s.clone())
        }
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        _ => None,
    }
}

/// The comment changes of an `instagram` delivery; anything else (other objects, fields,
/// malformed entries) is skipped.
pub fn comment_changes(body: &[u8]) -> Vec<CommentChange> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    if value["object"].as_str() != Some("instagram") {
        return Vec::new();
    }
    let mut out = Vec::new();
    for entry in value["entry"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let Some(ig_user_id) = id_of(&entry["id"]).and_then(|id| IgUserId::parse(id).ok()) else {
            continue;
        };
        for change in entry["changes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let Some(field) = change["field"]
                .as_str()
                .filter(|f| COMMENT_FIELDS.contains(f))
            else {
                continue;
            };
            let v = &change["value"];
            // `comments`: the comment itself; `mentions`: where the account was mentioned.
            let Some(comment_id) = id_of(&v["id"]).or_else(|| id_of(&v["comment_id"])) else {
                continue;
            };
            let media_id = id_of(&v["media"]["id"]).or_else(|| id_of(&v["media_id"]));
            let text = v["text"]
                .as_str()
                .map(|t| t.chars().take(MAX_TEXT).collect());
            let username = v["from"]["username"]
                .as_str()
                .filter(|u| (1..=64).contains(&u.len()))
                .map(str::to_owned);
            out.push(CommentChange {
                ig_user_id: ig_user_id.clone(),
                event: AuditEvent::CommentReceived {
                    field: field.to_owned(),
                    comment_id,
                    media_id,
                    text,
                    username,
                },
            });
            if out.len() >= MAX_CHANGES {
                return out;
            }
        }
    }
    out
}

/// Records each comment change of a verified delivery on every account of its Instagram
/// user, in every tenant. Returns how many entries were written.
pub async fn record_comment_events(
    removal: &dyn AccountRemoval,
    audit: &dyn AuditLog,
    now: DateTime<Utc>,
    body: &[u8],
) -> Result<usize, ServiceError> {
    let mut written = 0;
    for change in comment_changes(body) {
        for account in removal
            .accounts_of_instagram_user(&change.ig_user_id)
            .await?
        {
            let entry =
                AuditEntry::by_system(&account.tenant, &account.id, now, change.event.clone());
            audit.record(&entry).await?;
            written += 1;
        }
    }
    if written > 0 {
        tracing::info!(entries = written, "comment events recorded");
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comments_and_mentions_are_read_and_the_rest_skipped() {
        let body = json!({
            "object": "instagram",
            "entry": [{
                "id": "17841400000000001",
                "time": 1_700_000_000,
                "changes": [
                    {"field": "comments", "value": {
                        "from": {"id": "1", "username": "fan"},
                        "media": {"id": "18000000000000001", "media_product_type": "FEED"},
                        "id": "17900000000000001",
                        "text": "love it"
                    }},
                    {"field": "mentions", "value": {
                        "media_id": "18000000000000002", "comment_id": "17900000000000002"
                    }},
                    {"field": "story_insights", "value": {"reach": 3}},
                    {"field": "comments", "value": {"id": "not-a-number"}}
                ]
            }, {"id": "x", "changes": [{"field": "comments", "value": {"id": "1"}}]}]
        });
        let changes = comment_changes(body.to_string().as_bytes());
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].ig_user_id.as_str(), "17841400000000001");
        match &changes[0].event {
            AuditEvent::CommentReceived {
                field,
                comment_id,
                media_id,
                text,
                username,
            } => {
                assert_eq!(field, "comments");
                assert_eq!(comment_id, "17900000000000001");
                assert_eq!(media_id.as_deref(), Some("18000000000000001"));
                assert_eq!(text.as_deref(), Some("love it"));
                assert_eq!(username.as_deref(), Some("fan"));
            }
            other => panic!("{other:?}"),
        }
        assert!(comment_changes(br#"{"object":"page","entry":[]}"#).is_empty());
        assert!(comment_changes(b"not json").is_empty());
    }
}
