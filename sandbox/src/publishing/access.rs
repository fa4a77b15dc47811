//! Which Instagram account a token may act for, on each Graph host, with the permissions
//! Meta's content publishing, insights and comment endpoints require.

use super::super::catalogue::page;
use super::super::errors::GraphError;
use super::super::state::{Subject, TokenRecord};

/// The Graph host a call came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// graph.facebook.com: Page-linked accounts, Facebook user or Page tokens.
    Facebook,
    /// graph.instagram.com: Instagram Login tokens, each for its own account.
    Instagram,
}

/// What the call does with the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Reads containers, media, the quota.
    Read,
    /// Creates or publishes containers.
    Publish,
    /// Reads account or media insights.
    Insights,
    /// Reads, replies to, hides or deletes comments.
    Comments,
}

impl Need {
    /// The permission the call needs beyond the host's basic one, as each login names it.
    fn permission(self, host: Host) -> Option<&'static str> {
        Some(match (self, host) {
            (Self::Read, _) => return None,
            (Self::Publish, Host::Facebook) => "instagram_content_publish",
            (Self::Publish, Host::Instagram) => "instagram_business_content_publish",
            (Self::Insights, Host::Facebook) => "instagram_manage_insights",
            (Self::Insights, Host::Instagram) => "instagram_business_manage_insights",
            (Self::Comments, Host::Facebook) => "instagram_manage_comments",
            (Self::Comments, Host::Instagram) => "instagram_business_manage_comments",
        })
    }
}

/// The Instagram account `node` names, when the token may act for it: 190 for a token of
/// the other host, `not_visible` (Graph's 100/33) for an account it cannot see, 10 for a
/// missing permission ([`Need`] says which). On Instagram Graph `me` names the token's own
/// account.
pub(crate) fn account_for(
    host: Host,
    record: &TokenRecord,
    node: &str,
    need: Need,
    not_visible: impl FnOnce() -> GraphError,
) -> Result<String, GraphError> {
    let (granted, basic) = match (host, &record.subject) {
        (Host::Facebook, Subject::FacebookUser { consent, .. }) => {
            if !consent.pages.iter().any(|p| links(p, node)) {
                return Err(not_visible());
            }
            (&consent.granted, "instagram_basic")
        }
        (Host::Facebook, Subject::FacebookPage { page_id, consent }) => {
            if !links(page_id, node) {
                return Err(not_visible());
            }
            (&consent.granted, "instagram_basic")
        }
        (Host::Instagram, Subject::Instagram { account, granted }) => {
            if node != account && node != "me" {
                return Err(not_visible());
            }
            (granted, "instagram_business_basic")
        }
        _ => return Err(GraphError::invalid_token()),
    };
    let has = |p: &str| granted.iter().any(|g| g == p);
    if !has(basic) || need.permission(host).is_some_and(|p| !has(p)) {
        return Err(GraphError::permission_missing());
    }
    Ok(match &record.subject {
        Subject::Instagram { account, .. } => account.clone(),
        _ => node.to_owned(),
    })
}

/// Whether Page `page_id` is linked to Instagram account `ig_user_id`.
fn links(page_id: &str, ig_user_id: &str) -> bool {
    page(page_id).and_then(|p| p.instagram_account) == Some(ig_user_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::FacebookConsent;
    use chrono::Utc;

    fn hidden() -> GraphError {
        GraphError::no_such_object("x")
    }

    fn record(subject: Subject) -> TokenRecord {
        TokenRecord {
            subject,
            serial: 0,
            issued_at: Utc::now(),
            expires_at: None,
            long_lived: true,
        }
    }

    fn page_token(page_id: &str, granted: &[&str]) -> TokenRecord {
        record(Subject::FacebookPage {
            page_id: page_id.into(),
            consent: FacebookConsent {
                granted: granted.iter().map(|g| (*g).to_owned()).collect(),
                declined: vec![],
                pages: vec![page_id.into()],
            },
        })
    }

    #[test]
    fn a_page_token_publishes_for_its_pages_account_only() {
        let full = ["instagram_basic", "instagram_content_publish"];
        let t = page_token("100000000000101", &full);
        let ok = account_for(
            Host::Facebook,
            &t,
            "17841400000000101",
            Need::Publish,
            hidden,
        );
        assert_eq!(ok.unwrap(), "17841400000000101");
        let other = account_for(
            Host::Facebook,
            &t,
            "17841400000000102",
            Need::Publish,
            hidden,
        );
        assert_eq!(other.unwrap_err().code(), (100, Some(33)));
    }

    #[test]
    fn publishing_needs_the_publish_permission_reading_does_not() {
        let t = page_token("100000000000101", &["instagram_basic"]);
        let read = account_for(Host::Facebook, &t, "17841400000000101", Need::Read, hidden);
        assert!(read.is_ok());
        let publish = account_for(
            Host::Facebook,
            &t,
            "17841400000000101",
            Need::Publish,
            hidden,
        );
        assert_eq!(publish.unwrap_err().code(), (10, None));
    }

    #[test]
    fn an_instagram_token_acts_for_its_own_account_as_me_too() {
        let t = record(Subject::Instagram {
            account: "17841400000000201".into(),
            granted: vec![
                "instagram_business_basic".into(),
                "instagram_business_content_publish".into(),
            ],
        });
        let me = account_for(Host::Instagram, &t, "me", Need::Publish, hidden);
        assert_eq!(me.unwrap(), "17841400000000201");
        let other = account_for(Host::Instagram, &t, "17841400000000202", Need::Read, hidden);
        assert!(other.is_err());
        let wrong_host = account_for(Host::Facebook, &t, "17841400000000201", Need::Read, hidden);
        assert_eq!(wrong_host.unwrap_err().code(), (190, Some(467)));
    }
}
