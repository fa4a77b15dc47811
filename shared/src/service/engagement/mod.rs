//! What happened after a post went out: account and media insights, the account's media,
//! and comment moderation. Every use case starts the same way ([`open`]): the caller's
//! permission on the account, the account active, the feature's scope granted, the token
//! unsealed; Meta's refusals become the same answers everywhere ([`meta_failed`]).

mod cache;
mod comments;
mod insights;

pub use cache::InsightCache;
pub use comments::{
    CommentPage, CommentTarget, delete_comment, list_comments, reply_to_comment, set_hidden,
};
pub use insights::{
    AccountInsights, InsightsQuery, MediaInsights, MediaPage, account_insights, list_media,
    media_insights, post_insights,
};

use super::{AccessDeps, ServiceError, authorize};
use crate::domain::{
    Account, AccountStatus, Caller, Feature, MediaSurface, MetricCatalog, MetricError, Permission,
};
use crate::ports::{
    AccountHealth, AuditLog, Clock, EncryptionContext, EngagementGraph, InsightSnapshots,
    MetaError, PostStore, Sealer, TokenReader,
};
use secrecy::SecretString;

/// What the insight and comment use cases need: one account's token (unsealed per
/// request), Meta's insight and comment endpoints, the stored snapshots, the audit trail
/// for moderation.
#[derive(Clone, Copy)]
pub struct EngagementDeps<'a> {
    pub access: AccessDeps<'a>,
    pub tokens: &'a dyn TokenReader,
    pub health: &'a dyn AccountHealth,
    pub sealer: &'a dyn Sealer,
    pub meta: &'a dyn EngagementGraph,
    pub snapshots: &'a dyn InsightSnapshots,
    pub posts: &'a dyn PostStore,
    pub audit: &'a dyn AuditLog,
    pub clock: &'a dyn Clock,
    pub catalog: MetricCatalog,
    pub cache: &'a InsightCache,
}

/// An account the caller may act on with its token, ready for Meta.
pub(crate) struct Opened {
    pub account: Account,
    pub token: SecretString,
}

/// The preamble: `needed` permission, an active account, `feature`'s scope (when one is
/// named), the token unsealed.
pub(crate) async fn open(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    id: &str,
    needed: Permission,
    feature: Option<Feature>,
) -> Result<Opened, ServiceError> {
    let account = admit(deps, caller, id, needed, feature).await?;
    let token = unseal(deps, &account).await?;
    Ok(Opened { account, token })
}

/// [`open`] without the token: for answers that need nothing from Meta.
pub(crate) async fn admit(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    id: &str,
    needed: Permission,
    feature: Option<Feature>,
) -> Result<Account, ServiceError> {
    let (account, _) = authorize(deps.access, caller, id, needed).await?;
    if account.status != AccountStatus::Active {
        return Err(ServiceError::Conflict {
            code: "account_needs_reauth",
            detail: format!(
                "the account is {}: connect it again through the login flow",
                account.status.as_str()
            ),
        });
    }
    if let Some(feature) = feature {
        require_scope(&account, feature)?;
    }
    Ok(account)
}

/// The account's token, unsealed for one request.
pub(crate) async fn unseal(
    deps: EngagementDeps<'_>,
    account: &Account,
) -> Result<SecretString, ServiceError> {
    let sealed = deps
        .tokens
        .sealed_token(&account.tenant, &account.id)
        .await?
        .ok_or(ServiceError::AccountNotFound)?;
    let context = EncryptionContext::access_token(&account.tenant, &account.ig_user_id);
    Ok(deps.sealer.unseal(&sealed, &context).await?)
}

/// 403 `scope_not_granted` unless the connection was granted `feature`'s scope.
pub(crate) fn require_scope(account: &Account, feature: Feature) -> Result<(), ServiceError> {
    if account.grantor.allows(feature, account.login) {
        Ok(())
    } else {
        Err(ServiceError::ScopeNotGranted {
            scope: feature.scope(account.login),
            feature,
        })
    }
}

/// How a Meta refusal reads to the insight and comment use cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Throttling (codes 4, 17, 32, 613, 80002).
    Throttled,
    /// The token is dead (190, 102).
    TokenDead,
    /// A permission error (10, 200-299): the scope is missing.
    ScopeMissing,
    /// "Does not exist or cannot be loaded" (100/33).
    NoSuchObject,
    /// Code 100 about a metric: Meta's message.
    MetricRefused(String),
}

/// Classifies a Meta error; `None` for the rest (outages, unknown codes).
pub(crate) fn refusal(e: &MetaError) -> Option<Refusal> {
    if e.is_rate_limited() {
        return Some(Refusal::Throttled);
    }
    let MetaError::Api {
        code,
        subcode,
        message,
        ..
    } = e
    else {
        return None;
    };
    match (*code, *subcode) {
        (190 | 102, _) => Some(Refusal::TokenDead),
        (10 | 200..=299, _) => Some(Refusal::ScopeMissing),
        (100, Some(33)) => Some(Refusal::NoSuchObject),
        (100, _) if message.contains("metric") => {
            Some(Refusal::MetricRefused(message.chars().take(300).collect()))
        }
        _ => None,
    }
}

/// What a Meta failure means to the caller. A dead token marks the account
/// `needs_reauth` (as publishing and the refresh pass do); a permission error is the scope
/// the user did not grant; "unsupported metric" (code 100 naming a metric) is the same 400
/// as a name the catalogue does not know; a missing object is a 404.
pub(crate) async fn meta_failed(
    deps: EngagementDeps<'_>,
    account: &Account,
    feature: Feature,
    metrics: Option<(&MetricCatalog, Option<MediaSurface>)>,
    not_found: &'static str,
    e: MetaError,
) -> ServiceError {
    match refusal(&e) {
        Some(Refusal::Throttled) => return ServiceError::RateLimited,
        Some(Refusal::TokenDead) => {
            let now = deps.clock.now();
            if let Err(err) = deps
                .health
                .mark_needs_reauth(&account.tenant, &account.id, now, "token_invalid")
                .await
            {
                tracing::error!(account = %account.id, error = %err, "could not mark needs_reauth");
            }
            return ServiceError::Conflict {
                code: "account_needs_reauth",
                detail: "Meta refused the account's token: connect it again through the login flow"
                    .into(),
            };
        }
        Some(Refusal::ScopeMissing) => {
            return ServiceError::ScopeNotGranted {
                scope: feature.scope(account.login),
                feature,
            };
        }
        Some(Refusal::NoSuchObject) => {
            return ServiceError::NotFound {
                code: not_found,
                detail: "Meta has no such object for this account".into(),
            };
        }
        Some(Refusal::MetricRefused(message)) => {
            if let Some((catalog, surface)) = metrics {
                return ServiceError::UnsupportedMetric(MetricError::RefusedByMeta {
                    message,
                    supported: match surface {
                        Some(s) => catalog.media_metrics(s),
                        None => catalog.account_metrics(),
                    },
                });
            }
        }
        None => {}
    }
    if e.outcome_unknown() {
        tracing::warn!(account = %account.id, error = %e, "Meta unavailable");
        return ServiceError::MetaUnavailable("Meta did not answer");
    }
    ServiceError::Meta(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: i64, subcode: Option<i64>, message: &str) -> MetaError {
        MetaError::Api {
            status: 400,
            code,
            subcode,
            kind: Some("OAuthException".into()),
            message: message.into(),
            fbtrace_id: None,
            retry_after_secs: None,
        }
    }

    #[test]
    fn metas_refusals_read_as_the_api_answers_them() {
        assert_eq!(refusal(&api(4, None, "limit")), Some(Refusal::Throttled));
        assert_eq!(refusal(&api(190, Some(460), "x")), Some(Refusal::TokenDead));
        assert_eq!(
            refusal(&api(10, None, "(#10) Application does not have permission")),
            Some(Refusal::ScopeMissing)
        );
        assert_eq!(
            refusal(&api(100, Some(33), "gone")),
            Some(Refusal::NoSuchObject)
        );
        let retired = "(#100) Starting from version v22.0 and above, the impressions metric is no longer supported";
        assert_eq!(
            refusal(&api(100, None, retired)),
            Some(Refusal::MetricRefused(retired.into()))
        );
        assert_eq!(refusal(&api(100, None, "Unsupported after value.")), None);
        assert_eq!(refusal(&MetaError::Transport("reset".into())), None);
    }
}
