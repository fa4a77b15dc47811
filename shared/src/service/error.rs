//! The use-case layer's one error type, mapped once to problem details at the HTTP edge.

use crate::domain::{
    LoginPath, PostError, SignedRequestError, SubscriptionError, WebhookSignatureError,
};
use crate::ports::{FilesError, MetaError, SealError, StoreError};

/// Why a use case refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request is malformed; `code` is the stable machine code.
    #[error("{detail}")]
    Invalid { code: &'static str, detail: String },
    /// The caller may not do this.
    #[error("{0}")]
    PermissionDenied(String),
    /// No such account in the caller's tenant (another tenant's account, and one the
    /// caller may not view, are "not found" too).
    #[error("no account with this id in your tenant")]
    AccountNotFound,
    /// Something other than an account is not there; `code` is the stable machine code.
    #[error("{detail}")]
    NotFound { code: &'static str, detail: String },
    /// The request contradicts the resource's current state.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// The OAuth state is missing, unknown, already used or expired.
    #[error("{0}")]
    OAuthStateInvalid(&'static str),
    /// The login path has no Meta app configured.
    #[error("the {} login is not configured on this deployment", .0.as_str())]
    LoginNotConfigured(LoginPath),
    /// Meta throttles the app; the same call works after backing off.
    #[error("Meta is throttling this app; try again later")]
    RateLimited,
    /// Meta failed or could not be reached; nothing was changed.
    #[error("Meta is unavailable ({0}); nothing was changed, try again later")]
    MetaUnavailable(&'static str),
    /// A Meta callback's `signed_request` is missing, malformed, not signed with either app
    /// secret, not HMAC-SHA256 or stale; nothing was changed.
    #[error(transparent)]
    SignedRequestInvalid(#[from] SignedRequestError),
    /// A webhook delivery's `X-Hub-Signature-256` is missing, malformed or does not match.
    #[error(transparent)]
    WebhookSignatureInvalid(#[from] WebhookSignatureError),
    /// The webhook subscription handshake was refused (mode, verify token or challenge).
    #[error(transparent)]
    WebhookSubscriptionRefused(#[from] SubscriptionError),
    /// The connection was not granted the scope a feature needs; reconnecting (and
    /// allowing it on Meta's consent screen) fixes it.
    #[error(
        "this account's connection was not granted `{scope}`, which {} needs: connect the account again and allow it",
        feature.as_str()
    )]
    ScopeNotGranted {
        scope: &'static str,
        feature: crate::domain::Feature,
    },
    /// A metric name that is unknown, retired or not offered for this media.
    #[error(transparent)]
    UnsupportedMetric(#[from] crate::domain::MetricError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
    /// Media storage failed or is not set up.
    #[error(transparent)]
    Files(#[from] FilesError),
    #[error(transparent)]
    Meta(#[from] MetaError),
}

impl From<PostError> for ServiceError {
    fn from(e: PostError) -> Self {
        Self::Invalid {
            code: e.code(),
            detail: e.to_string(),
        }
    }
}

impl ServiceError {
    /// A malformed-request error.
    pub fn invalid(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            detail: detail.into(),
        }
    }
}
