//! Meta's OAuth and Graph endpoints, as the connect use cases need them. One trait per login
//! path; the adapter for real Meta and the sandbox both speak HTTP, so the only fake in play
//! is at the far end of a socket.

use crate::domain::StateToken;
use crate::domain::{IgUserId, Profile};
use async_trait::async_trait;
use secrecy::SecretString;
use std::time::Duration;
use url::Url;

/// Why a call to Meta failed. Built so it cannot hold a token: transport errors are stripped
/// of their URL (query strings carry tokens) before they become text.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MetaError {
    /// Meta answered with its error envelope.
    #[error("Meta error {code}{}: {message}", subcode.map(|s| format!("/{s}")).unwrap_or_default())]
    Api {
        status: u16,
        code: i64,
        subcode: Option<i64>,
        kind: Option<String>,
        message: String,
        fbtrace_id: Option<String>,
        /// On a throttling error ([`MetaError::is_rate_limited`]): how long Meta estimates
        /// the throttle lasts, in seconds, from its usage headers; `None` when it gave no
        /// estimate (see [`MetaError::retry_after`]). `u32` (136 years) keeps `MetaError`,
        /// which every Meta call's `Result` carries, small.
        retry_after_secs: Option<u32>,
    },
    /// Meta could not be reached, or answered something that is not its error envelope.
    #[error("Meta unreachable: {0}")]
    Transport(String),
    /// Meta answered 2xx with a body of an unexpected shape.
    #[error("unexpected answer from Meta: {0}")]
    Decode(String),
    /// The login path has no app configured.
    #[error("the {0} login is not configured")]
    NotConfigured(&'static str),
}

/// Meta's throttling codes: 4 (app), 17 (user), 32 (Page), 613 (custom rate limit) and
/// 80002 (Instagram's business use case limit). `PublishFailure::RateLimited` names the same
/// list; a test keeps the two in step.
const THROTTLING_CODES: [i64; 5] = [4, 17, 32, 613, 80002];

impl MetaError {
    /// Whether the call may have taken effect at Meta although it failed, so that repeating
    /// it blindly could do it twice (two containers, two posts). Whoever would retry a call
    /// that changes something must first find out what happened (a container's
    /// `status_code`, the account's recent media) when this is true; when it is false Meta
    /// refused clearly and nothing was done.
    ///
    /// True for:
    /// - [`Transport`](Self::Transport): the request may have reached Meta before the
    ///   connection failed (a timeout, a reset after sending), or Meta's front end answered
    ///   without its envelope. Failures before anything was sent (connecting) are reported
    ///   the same way and count too: a needless check costs one read, a wrong "nothing
    ///   happened" costs a duplicate post.
    /// - an [`Api`](Self::Api) error answered with HTTP 5xx, or with Meta's transient codes 1
    ///   ("unknown error") and 2 ("service temporarily unavailable"), unless a subcode names
    ///   a specific refusal (1/2207057 is a bad thumbnail offset; subcode 99 is "unknown
    ///   error" again and still counts).
    /// - [`Decode`](Self::Decode): Meta answered 2xx, so the call most likely did what it
    ///   asked, but its answer (the new id) could not be read.
    ///
    /// False for every other Meta error (a refusal, including throttling: nothing was done)
    /// and for [`NotConfigured`](Self::NotConfigured) (nothing was sent).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Api {
                status,
                code,
                subcode,
                ..
            } => *status >= 500 || (matches!(code, 1 | 2) && matches!(subcode, None | Some(99))),
            Self::Transport(_) | Self::Decode(_) => true,
            Self::NotConfigured(_) => false,
        }
    }

    /// Whether Meta refused the call because the app, user, Page or account made too many
    /// calls: the same call will work later, after backing off ([`retry_after`](Self::retry_after)).
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Self::Api { code, .. } if THROTTLING_CODES.contains(code))
    }

    /// How long to wait before calling again after a throttling error: the largest
    /// `estimated_time_to_regain_access` (minutes) of Meta's `X-Business-Use-Case-Usage` and
    /// `X-App-Usage` headers. `None` when the error is not a throttling error or Meta gave no
    /// estimate; the caller then backs off by its own schedule.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api {
                retry_after_secs: Some(secs),
                ..
            } => Some(Duration::from_secs(u64::from(*secs))),
            _ => None,
        }
    }
}

/// A token Meta issued, and its lifetime in seconds where Meta says.
pub struct IssuedToken {
    pub token: SecretString,
    pub expires_in: Option<i64>,
}

/// The Facebook user behind a Facebook Login.
#[derive(Debug, Clone)]
pub struct FacebookUser {
    pub id: String,
    pub name: Option<String>,
}

/// One row of `/me/permissions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionGrant {
    pub permission: String,
    pub granted: bool,
}

/// A Facebook Page the user granted, with its Page token and linked Instagram account.
pub struct FacebookPage {
    pub id: String,
    pub name: Option<String>,
    pub access_token: SecretString,
    pub instagram_account: Option<IgUserId>,
}

/// Instagram Login's code exchange: a short-lived token, the account and granted scopes.
pub struct InstagramCodeGrant {
    pub token: SecretString,
    pub user_id: IgUserId,
    pub permissions: Vec<String>,
}

/// The Instagram account behind an Instagram Login token.
#[derive(Debug, Clone)]
pub struct InstagramMe {
    /// The app-scoped Instagram user id (`id`).
    pub app_scoped_id: String,
    /// The Instagram professional account id (`user_id`).
    pub user_id: IgUserId,
    pub profile: Profile,
}

/// Facebook Login and the Graph endpoints it unlocks.
#[async_trait]
pub trait FacebookGraph: Send + Sync {
    /// The Facebook Login dialog URL for `state`.
    fn facebook_authorization_url(&self, state: &StateToken) -> Result<Url, MetaError>;
    /// Exchanges the dialog's code for a short-lived user token.
    async fn facebook_exchange_code(&self, code: &SecretString) -> Result<IssuedToken, MetaError>;
    /// Trades a short-lived user token for a long-lived one (about 60 days).
    async fn facebook_long_lived_token(
        &self,
        short: &SecretString,
    ) -> Result<IssuedToken, MetaError>;
    /// The user behind a token (`/me`).
    async fn facebook_me(&self, token: &SecretString) -> Result<FacebookUser, MetaError>;
    /// What the user granted and declined (`/me/permissions`).
    async fn facebook_permissions(
        &self,
        token: &SecretString,
    ) -> Result<Vec<PermissionGrant>, MetaError>;
    /// The Pages the user granted (`/me/accounts`), every page of the listing.
    async fn facebook_pages(&self, token: &SecretString) -> Result<Vec<FacebookPage>, MetaError>;
    /// An Instagram professional account's profile, read with a Page or user token.
    async fn facebook_instagram_profile(
        &self,
        ig_user_id: &IgUserId,
        token: &SecretString,
    ) -> Result<Profile, MetaError>;
}

/// Instagram Login (Business Login) and the Instagram Graph endpoints it unlocks.
#[async_trait]
pub trait InstagramGraph: Send + Sync {
    /// The Instagram authorization URL for `state`.
    fn instagram_authorization_url(&self, state: &StateToken) -> Result<Url, MetaError>;
    /// Exchanges the code for a short-lived token, the account id and the granted scopes.
    async fn instagram_exchange_code(
        &self,
        code: &SecretString,
    ) -> Result<InstagramCodeGrant, MetaError>;
    /// Trades a short-lived token for a long-lived one (60 days).
    async fn instagram_long_lived_token(
        &self,
        short: &SecretString,
    ) -> Result<IssuedToken, MetaError>;
    /// The account behind a token (`/me`).
    async fn instagram_me(&self, token: &SecretString) -> Result<InstagramMe, MetaError>;
}

/// Both login paths.
pub trait Meta: FacebookGraph + InstagramGraph {}

impl<T: FacebookGraph + InstagramGraph> Meta for T {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PublishFailure;

    fn api(status: u16, code: i64, subcode: Option<i64>) -> MetaError {
        MetaError::Api {
            status,
            code,
            subcode,
            kind: Some("OAuthException".into()),
            message: "m".into(),
            fbtrace_id: None,
            retry_after_secs: None,
        }
    }

    #[test]
    fn transport_failures_server_errors_and_transient_codes_leave_the_outcome_unknown() {
        assert!(MetaError::Transport("operation timed out".into()).outcome_unknown());
        assert!(MetaError::Decode("id".into()).outcome_unknown());
        assert!(api(500, 2, None).outcome_unknown());
        assert!(api(503, 100, None).outcome_unknown());
        assert!(api(400, 1, None).outcome_unknown());
        assert!(api(400, 1, Some(99)).outcome_unknown());
        assert!(api(400, 2, None).outcome_unknown());
    }

    #[test]
    fn a_clear_refusal_leaves_no_doubt() {
        for (code, subcode) in [
            (9004, Some(2207052)),
            (190, Some(460)),
            (9, Some(2207042)),
            (9007, Some(2207027)),
            (100, None),
            (4, None),
            (1, Some(2207057)),
        ] {
            assert!(
                !api(400, code, subcode).outcome_unknown(),
                "{code}/{subcode:?}"
            );
        }
        assert!(!MetaError::NotConfigured("facebook").outcome_unknown());
    }

    #[test]
    fn the_throttling_codes_are_the_ones_the_domain_calls_rate_limited() {
        for code in [-2, 1, 2, 4, 9, 17, 32, 100, 190, 613, 9007, 80002] {
            assert_eq!(
                api(400, code, None).is_rate_limited(),
                PublishFailure::from_meta(code, None).is_rate_limit(),
                "{code}"
            );
        }
        assert!(!MetaError::Transport("x".into()).is_rate_limited());
    }

    #[test]
    fn retry_after_is_the_stored_estimate() {
        let mut e = api(400, 4, None);
        assert_eq!(e.retry_after(), None);
        if let MetaError::Api {
            retry_after_secs, ..
        } = &mut e
        {
            *retry_after_secs = Some(300);
        }
        assert_eq!(e.retry_after(), Some(Duration::from_secs(300)));
        assert_eq!(MetaError::Transport("x".into()).retry_after(), None);
    }
}
