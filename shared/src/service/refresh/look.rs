//! One look at one account: what Meta says about its token, and the account afterwards.

use super::RefreshDeps;
use super::snapshot::{self, Snapshot};
use crate::domain::{Account, AccountStatus, AuditEntry, AuditEvent, LoginPath, RefreshFailure};
use crate::ports::{EncryptionContext, MetaError, SealedSecret};
use crate::service::ServiceError;
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;

/// What a look did to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookOutcome {
    /// A new token was issued and stored.
    Refreshed,
    /// The token still works; profile synced.
    Validated,
    /// Meta refused the token for good: the account is `needs_reauth`.
    NeedsReauth,
    /// Meta failed or could not be reached: retried after a back-off.
    Failed,
    /// Meta throttles the app: retried once its estimate has passed.
    RateLimited,
}

/// A look's result, ready to store.
pub(super) struct Looked {
    pub account: Account,
    pub token: Option<SealedSecret>,
    pub audit: Option<AuditEntry>,
    pub outcome: LookOutcome,
    /// The daily snapshot's days, to store before the account (whose
    /// `upkeep.snapshot_through` already counts them).
    pub days: Vec<crate::domain::DayMetrics>,
    /// Meta throttled the snapshot: the pass stops early.
    pub throttled: bool,
}

/// Meta's error as the account sees it, with the stable code recorded as its last error.
/// 190 (and its subcodes: expired, password changed, app removed, checkpoint) and 102
/// (session invalid) end the token; throttling waits; everything else (5xx, transport,
/// unknown codes) is retried with a back-off, never taken as a dead token.
pub fn classify(e: &MetaError) -> (RefreshFailure, &'static str) {
    if e.is_rate_limited() {
        let wait = e
            .retry_after()
            .and_then(|d| TimeDelta::from_std(d).ok())
            .unwrap_or(TimeDelta::minutes(5));
        return (
            RefreshFailure::RateLimited { retry_after: wait },
            "rate_limited",
        );
    }
    match e {
        MetaError::Api {
            code: 190 | 102, ..
        } => (RefreshFailure::Invalid, "token_invalid"),
        MetaError::Api { status, .. } if *status < 500 && !e.outcome_unknown() => {
            (RefreshFailure::Transient, "meta_error")
        }
        MetaError::NotConfigured(_) => (RefreshFailure::Transient, "login_not_configured"),
        _ => (RefreshFailure::Transient, "meta_unavailable"),
    }
}

/// Looks at `account` (as claimed or read, `version` not yet bumped for this write) with
/// its sealed token, then takes its daily snapshot if the token works and the deps hold a
/// snapshot store. `may_refresh` is false where only checking is wanted (an on-demand
/// sync, which holds no key to seal a new token with).
pub(super) async fn look(
    deps: RefreshDeps<'_>,
    account: &Account,
    sealed: &SealedSecret,
    now: DateTime<Utc>,
    may_refresh: bool,
) -> Result<Looked, ServiceError> {
    let context = EncryptionContext::access_token(&account.tenant, &account.ig_user_id);
    let token = deps.sealer.unseal(sealed, &context).await?;
    let mut looked = look_at_token(deps, account, &token, &context, now, may_refresh).await?;
    if matches!(
        looked.outcome,
        LookOutcome::Refreshed | LookOutcome::Validated
    ) {
        match snapshot::take(deps, &looked.account, &token, now).await {
            Snapshot::Taken { days, through } => {
                looked.account.upkeep.snapshot_through = Some(through);
                looked.days = days;
            }
            Snapshot::Throttled => looked.throttled = true,
            Snapshot::Nothing | Snapshot::Failed => {}
        }
    }
    Ok(looked)
}

async fn look_at_token(
    deps: RefreshDeps<'_>,
    account: &Account,
    token: &SecretString,
    context: &EncryptionContext,
    now: DateTime<Utc>,
    may_refresh: bool,
) -> Result<Looked, ServiceError> {
    let rules = &deps.policy.rules;
    match account.login {
        LoginPath::Instagram => {
            if account.token_expires_at.is_some_and(|e| now >= e) {
                // Too late to refresh: only a new login brings the account back.
                return Ok(failed(
                    deps,
                    account,
                    now,
                    RefreshFailure::Invalid,
                    "token_expired",
                ));
            }
            if may_refresh && rules.should_refresh(account, now) {
                let issued = match deps.meta.instagram_refresh(token).await {
                    Ok(issued) => issued,
                    Err(e) => return Ok(failed_on(deps, account, now, &e)),
                };
                let sealed = deps.sealer.seal(&issued.token, context).await?;
                let expires = issued.expires_in.map(|s| now + TimeDelta::seconds(s));
                let mut next = rules.succeeded(account, now, true, expires, None);
                // The token is renewed whatever the profile read says; a failed read only
                // leaves the old profile in place until the next look.
                if let Ok(me) = deps.meta.instagram_me(&issued.token).await {
                    next.profile = me.profile;
                }
                return Ok(Looked {
                    account: next,
                    token: Some(sealed),
                    audit: None,
                    outcome: LookOutcome::Refreshed,
                    days: Vec::new(),
                    throttled: false,
                });
            }
            match deps.meta.instagram_me(token).await {
                Ok(me) => Ok(validated(deps, account, now, me.profile, None)),
                Err(e) => Ok(failed_on(deps, account, now, &e)),
            }
        }
        LoginPath::Facebook => {
            let health = match deps.meta.facebook_debug_token(token).await {
                Ok(health) => health,
                Err(e) => return Ok(failed_on(deps, account, now, &e)),
            };
            if !health.is_valid {
                return Ok(failed(
                    deps,
                    account,
                    now,
                    RefreshFailure::Invalid,
                    "token_invalid",
                ));
            }
            if health
                .data_access_expires_at
                .is_some_and(|lapse| lapse <= now)
            {
                return Ok(failed(
                    deps,
                    account,
                    now,
                    RefreshFailure::Invalid,
                    "data_access_expired",
                ));
            }
            match profile_of(deps, account, token).await {
                Ok(profile) => Ok(validated(
                    deps,
                    account,
                    now,
                    profile,
                    health.data_access_expires_at,
                )),
                Err(e) => Ok(failed_on(deps, account, now, &e)),
            }
        }
    }
}

async fn profile_of(
    deps: RefreshDeps<'_>,
    account: &Account,
    token: &SecretString,
) -> Result<crate::domain::Profile, MetaError> {
    deps.meta
        .facebook_instagram_profile(&account.ig_user_id, token)
        .await
}

fn validated(
    deps: RefreshDeps<'_>,
    account: &Account,
    now: DateTime<Utc>,
    profile: crate::domain::Profile,
    data_access_expires_at: Option<DateTime<Utc>>,
) -> Looked {
    let mut next = deps.policy.rules.succeeded(
        account,
        now,
        false,
        account.token_expires_at,
        data_access_expires_at,
    );
    next.profile = profile;
    Looked {
        account: next,
        token: None,
        audit: None,
        outcome: LookOutcome::Validated,
        days: Vec::new(),
        throttled: false,
    }
}

fn failed_on(
    deps: RefreshDeps<'_>,
    account: &Account,
    now: DateTime<Utc>,
    e: &MetaError,
) -> Looked {
    let (failure, code) = classify(e);
    if failure == RefreshFailure::Invalid {
        tracing::warn!(account = %account.id, error = %e, "Meta refused the token");
    } else {
        tracing::info!(account = %account.id, error = %e, "could not look at the token");
    }
    failed(deps, account, now, failure, code)
}

fn failed(
    deps: RefreshDeps<'_>,
    account: &Account,
    now: DateTime<Utc>,
    failure: RefreshFailure,
    code: &str,
) -> Looked {
    let next = deps.policy.rules.failed(account, now, &failure, code);
    let (outcome, audit) = match failure {
        RefreshFailure::Invalid => (
            LookOutcome::NeedsReauth,
            // The account was active (only active accounts are looked at), so this is the
            // one change to needs_reauth, announced once.
            (account.status == AccountStatus::Active).then(|| {
                AuditEntry::by_system(
                    &account.tenant,
                    &account.id,
                    now,
                    AuditEvent::NeedsReauth {
                        code: code.to_owned(),
                    },
                )
            }),
        ),
        RefreshFailure::RateLimited { .. } => (LookOutcome::RateLimited, None),
        RefreshFailure::Transient => (LookOutcome::Failed, None),
    };
    Looked {
        account: next,
        token: None,
        audit,
        outcome,
        days: Vec::new(),
        throttled: false,
    }
}
