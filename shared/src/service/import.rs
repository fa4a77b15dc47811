//! Importing a connection made outside igconnect's login flow: an operator hands over a token
//! someone already holds (`igconnect accounts import`), it is checked at Meta and the
//! accounts it reaches are stored like any login's, the token sealed.
//!
//! The discovery is the callback's (`callback::facebook_accounts`,
//! `callback::instagram_account`), so an imported account meets the same rules as a
//! connected one: required scopes granted (Facebook Login), a professional account, every
//! profile read before anything is stored. The token is plaintext only here, between the
//! caller and the Sealer; no error or log line carries it.

use super::ServiceError;
use super::callback::{ConnectFailure, Discovered, expiry, facebook_accounts, instagram_account};
use crate::domain::{Account, Connection, LoginPath, Owner, TenantId, UserId};
use crate::ports::{AccountWriter, Clock, EncryptionContext, MetaError, Sealer, UpkeepGraph};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;

/// What importing needs: Meta (the login paths' reads and Instagram's refresh), the Sealer
/// and the writer a login uses. No reader: an import renews an account already connected
/// in place, as a login does.
#[derive(Clone, Copy)]
pub struct ImportDeps<'a> {
    pub accounts: &'a dyn AccountWriter,
    pub sealer: &'a dyn Sealer,
    pub meta: &'a dyn UpkeepGraph,
    pub clock: &'a dyn Clock,
}

/// Where the imported accounts go and whose they are.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub tenant: TenantId,
    /// Which login issued the token: a Facebook user token, or an Instagram Login token.
    pub login: LoginPath,
    /// The owner of accounts not yet connected; one already connected keeps its owner.
    pub owner: Owner,
    /// Recorded as the account's `connected_by` and as the actor of its audit entry.
    pub connected_by: UserId,
}

/// How long an Instagram Login token Meta will neither refresh nor exchange is taken to
/// live: such a token is long-lived and younger than a day (refreshing needs a day's age,
/// exchanging a short-lived token), so it expires 59 to 60 days from now. The earlier bound
/// is kept, so the refresh pass renews it in time.
pub const YOUNG_TOKEN_LIFETIME: TimeDelta = TimeDelta::days(59);

/// Checks `token` at Meta and stores every account it reaches with its token sealed, as
/// the callback of a `request.login` login would; answers them as stored (an account that
/// was already connected comes back renewed in place, its version past 1).
///
/// - Facebook Login: the user token (short- or long-lived) is first traded for a long-lived
///   one, which also proves it belongs to this deployment's app; each Page with a linked
///   Instagram professional account gives one account, stored with its Page token (which
///   does not expire). The required scopes must be granted.
/// - Instagram Login: `/me` names the account. Instagram tells a token's lifetime only
///   when it issues one, so the token is refreshed (a token at least a day old) or
///   exchanged (a short-lived one) and the new token stored with its expiry; a token Meta
///   takes for neither is young and long-lived, stored as given, expiring after
///   [`YOUNG_TOKEN_LIFETIME`]. Instagram has no endpoint listing a token's scopes:
///   `/me` answering proves `instagram_business_basic`; a token without
///   `instagram_business_content_publish` is refused on its first post.
///
/// Nothing is stored unless every account could be read. A token Meta refuses is
/// [`ServiceError::Invalid`] (`token_invalid`); Meta failing is `MetaUnavailable` or
/// `RateLimited`, and worth retrying.
pub async fn import_connection(
    deps: ImportDeps<'_>,
    request: &ImportRequest,
    token: &SecretString,
) -> Result<Vec<Account>, ServiceError> {
    let login = request.login;
    let now = deps.clock.now();
    let found = match login {
        LoginPath::Facebook => facebook(deps, token).await?,
        LoginPath::Instagram => vec![instagram(deps, token, now).await?],
    };
    let mut stored = Vec::with_capacity(found.len());
    for (found, token_expires_at) in found {
        let context = EncryptionContext::access_token(&request.tenant, &found.ig_user_id);
        let sealed = deps.sealer.seal(&found.token, &context).await?;
        let connection = Connection {
            tenant: request.tenant.clone(),
            ig_user_id: found.ig_user_id,
            login,
            owner: request.owner.clone(),
            profile: found.profile,
            grantor: found.grantor,
            token_expires_at,
            connected_by: request.connected_by.clone(),
            at: now,
        };
        let account = deps.accounts.save_connection(&connection, &sealed).await?;
        tracing::info!(
            tenant = %account.tenant,
            account = %account.id,
            login = login.as_str(),
            by = %request.connected_by,
            "connection imported"
        );
        stored.push(account);
    }
    Ok(stored)
}

async fn facebook(
    deps: ImportDeps<'_>,
    token: &SecretString,
) -> Result<Vec<(Discovered, Option<DateTime<Utc>>)>, ServiceError> {
    let long = deps
        .meta
        .facebook_long_lived_token(token)
        .await
        .map_err(|e| refused(LoginPath::Facebook, e))?;
    let found = facebook_accounts(deps.meta, &long.token)
        .await
        .map_err(|f| not_connectable(LoginPath::Facebook, f))?;
    // Page tokens read with a long-lived user token do not expire.
    Ok(found.into_iter().map(|f| (f, None)).collect())
}

async fn instagram(
    deps: ImportDeps<'_>,
    token: &SecretString,
    now: DateTime<Utc>,
) -> Result<(Discovered, Option<DateTime<Utc>>), ServiceError> {
    let me = deps
        .meta
        .instagram_me(token)
        .await
        .map_err(|e| refused(LoginPath::Instagram, e))?;
    // Checked before any token is traded: a personal account costs no new token.
    let found = instagram_account(me, token.clone())
        .map_err(|f| not_connectable(LoginPath::Instagram, f))?;
    match deps.meta.instagram_refresh(token).await {
        Ok(issued) => return Ok(with_issued(found, issued, now)),
        Err(e) => declined(LoginPath::Instagram, e)?,
    }
    match deps.meta.instagram_long_lived_token(token).await {
        Ok(issued) => return Ok(with_issued(found, issued, now)),
        Err(e) => declined(LoginPath::Instagram, e)?,
    }
    Ok((found, Some(now + YOUNG_TOKEN_LIFETIME)))
}

fn with_issued(
    found: Discovered,
    issued: crate::ports::IssuedToken,
    now: DateTime<Utc>,
) -> (Discovered, Option<DateTime<Utc>>) {
    let expires_at = expiry(now, issued.expires_in);
    (
        Discovered {
            token: issued.token,
            ..found
        },
        expires_at,
    )
}

/// A refresh or exchange Meta answered with a plain refusal (`Ok`: try the next way, the
/// token itself works) rather than a failure worth stopping for (`Err`).
fn declined(login: LoginPath, e: MetaError) -> Result<(), ServiceError> {
    let plain_refusal =
        matches!(e, MetaError::Api { .. }) && !e.outcome_unknown() && !e.is_rate_limited();
    if plain_refusal {
        tracing::debug!(error = %e, "Meta would not trade the token");
        Ok(())
    } else {
        Err(refused(login, e))
    }
}

/// Meta's error on the first call the token was used for. Meta's errors never carry the
/// token (see [`MetaError`]), so its message is kept for the operator.
fn refused(login: LoginPath, e: MetaError) -> ServiceError {
    if e.is_rate_limited() {
        return ServiceError::RateLimited;
    }
    match e {
        MetaError::NotConfigured(_) => ServiceError::LoginNotConfigured(login),
        MetaError::Api { .. } if !e.outcome_unknown() => ServiceError::invalid(
            "token_invalid",
            format!(
                "Meta refused the token for {} Login: {e}",
                login_name(login)
            ),
        ),
        _ => {
            tracing::warn!(error = %e, "Meta failed while checking an imported token");
            ServiceError::MetaUnavailable("the token could not be checked")
        }
    }
}

/// Why the token reaches nothing igconnect can connect.
fn not_connectable(login: LoginPath, failure: ConnectFailure) -> ServiceError {
    let detail = match &failure {
        ConnectFailure::MissingPermissions(missing) => format!(
            "the token lacks permissions igconnect requires: {}",
            missing.join(", ")
        ),
        ConnectFailure::NoFacebookPages => "the token grants no Facebook Page".to_owned(),
        ConnectFailure::NoInstagramBusinessAccount => match login {
            LoginPath::Facebook => {
                "none of the Pages the token grants has an Instagram professional account"
                    .to_owned()
            }
            LoginPath::Instagram => "the token's Instagram account is a personal account; \
                 only professional accounts can be connected"
                .to_owned(),
        },
        ConnectFailure::MetaError => {
            return ServiceError::MetaUnavailable("the token's accounts could not be read");
        }
        other => other.code().replace('_', " "),
    };
    ServiceError::Invalid {
        code: failure.code(),
        detail,
    }
}

fn login_name(login: LoginPath) -> &'static str {
    match login {
        LoginPath::Facebook => "Facebook",
        LoginPath::Instagram => "Instagram",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: i64, subcode: Option<i64>) -> MetaError {
        MetaError::Api {
            status,
            code,
            subcode,
            kind: Some("OAuthException".into()),
            message: "Invalid OAuth access token - Cannot parse access token".into(),
            fbtrace_id: None,
            retry_after_secs: None,
        }
    }

    #[test]
    fn a_token_meta_refuses_is_the_operators_to_fix() {
        let e = refused(LoginPath::Instagram, api(400, 190, Some(467)));
        match e {
            ServiceError::Invalid { code, detail } => {
                assert_eq!(code, "token_invalid");
                assert!(detail.contains("Cannot parse access token"), "{detail}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn meta_failing_or_throttling_is_worth_retrying() {
        assert!(matches!(
            refused(LoginPath::Facebook, api(500, 2, None)),
            ServiceError::MetaUnavailable(_)
        ));
        assert!(matches!(
            refused(LoginPath::Facebook, MetaError::Transport("reset".into())),
            ServiceError::MetaUnavailable(_)
        ));
        assert!(matches!(
            refused(LoginPath::Instagram, api(400, 4, None)),
            ServiceError::RateLimited
        ));
        assert!(matches!(
            refused(LoginPath::Instagram, MetaError::NotConfigured("instagram")),
            ServiceError::LoginNotConfigured(LoginPath::Instagram)
        ));
    }

    #[test]
    fn a_refresh_declined_plainly_falls_through_to_the_next_way() {
        assert!(declined(LoginPath::Instagram, api(400, 100, None)).is_ok());
        assert!(declined(LoginPath::Instagram, api(500, 2, None)).is_err());
        assert!(declined(LoginPath::Instagram, api(400, 4, None)).is_err());
        assert!(declined(LoginPath::Instagram, MetaError::Transport("x".into())).is_err());
    }

    #[test]
    fn unconnectable_tokens_keep_the_callbacks_codes() {
        let e = not_connectable(
            LoginPath::Facebook,
            ConnectFailure::MissingPermissions(vec!["pages_show_list".into()]),
        );
        assert!(
            matches!(e, ServiceError::Invalid { code: "missing_permissions", ref detail } if detail.contains("pages_show_list"))
        );
        let e = not_connectable(
            LoginPath::Instagram,
            ConnectFailure::NoInstagramBusinessAccount,
        );
        assert!(matches!(
            e,
            ServiceError::Invalid {
                code: "no_instagram_business_account",
                ..
            }
        ));
    }
}
