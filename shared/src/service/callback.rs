//! Completing a login: consume the state, turn Meta's code into long-lived tokens, check the
//! granted scopes, discover the accounts and store them with sealed tokens.
//!
//! A bad state is the caller's problem and fails without a redirect (there is nowhere
//! trustworthy to send the browser). Every failure after the state checks out returns the
//! browser to the app with a stable code, so the app can explain what happened.

use super::ServiceError;
use crate::domain::{
    Account, Connection, IgUserId, LoginPath, MetaGrantor, OAuthState, Owner, Profile, StateToken,
};
use crate::ports::{
    AccountWriter, Clock, EncryptionContext, FacebookGraph, InstagramMe, Meta, MetaError,
    OAuthStates, Sealer,
};
use chrono::{DateTime, TimeDelta, Utc};
use secrecy::SecretString;
use url::Url;

/// Ports the callback needs.
pub struct CallbackDeps<'a> {
    pub states: &'a dyn OAuthStates,
    pub accounts: &'a dyn AccountWriter,
    pub sealer: &'a dyn Sealer,
    pub meta: &'a dyn Meta,
    pub clock: &'a dyn Clock,
}

/// The query Meta sends the browser back with.
#[derive(Default)]
pub struct CallbackParams {
    pub state: Option<String>,
    pub code: Option<SecretString>,
    pub error: Option<String>,
}

/// Why a login with a valid state did not connect anything; each has a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectFailure {
    /// The person cancelled on Meta's dialog.
    AccessDenied,
    /// Required scopes were not granted.
    MissingPermissions(Vec<String>),
    /// Facebook Login granted no Page.
    NoFacebookPages,
    /// No granted Page has an Instagram professional account, or the account is personal.
    NoInstagramBusinessAccount,
    /// Meta refused the code or the long-lived exchange.
    TokenExchangeFailed,
    /// Meta failed while accounts were being discovered.
    MetaError,
    /// Storing or sealing failed on our side.
    Internal,
}

impl ConnectFailure {
    /// The stable code put on the redirect.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::MissingPermissions(_) => "missing_permissions",
            Self::NoFacebookPages => "no_facebook_pages",
            Self::NoInstagramBusinessAccount => "no_instagram_business_account",
            Self::TokenExchangeFailed => "token_exchange_failed",
            Self::MetaError => "meta_error",
            Self::Internal => "internal_error",
        }
    }
}

/// The outcome of a login whose state was valid: where to send the browser.
pub struct Connected {
    pub result: Result<Vec<Account>, ConnectFailure>,
    pub redirect: Url,
}

/// Completes a login. `Err` only for a missing, unknown, replayed or expired state.
pub async fn callback(
    deps: &CallbackDeps<'_>,
    params: CallbackParams,
) -> Result<Connected, ServiceError> {
    let state_value =
        params
            .state
            .filter(|s| !s.is_empty())
            .ok_or(ServiceError::OAuthStateInvalid(
                "the callback carries no state",
            ))?;
    let state = deps
        .states
        .take_state(&StateToken::from_callback(&state_value).key())
        .await?
        .ok_or(ServiceError::OAuthStateInvalid(
            "the state is unknown or was already used",
        ))?;
    if !state.is_live(deps.clock.now()) {
        return Err(ServiceError::OAuthStateInvalid("the state has expired"));
    }

    let result = match (params.error, params.code) {
        (Some(_), _) => Err(ConnectFailure::AccessDenied),
        (None, None) => Err(ConnectFailure::TokenExchangeFailed),
        (None, Some(code)) => match state.login {
            LoginPath::Facebook => connect_facebook(deps, &state, &code).await,
            LoginPath::Instagram => connect_instagram(deps, &state, &code).await,
        },
    };
    let redirect = match &result {
        Ok(accounts) => {
            tracing::info!(
                tenant = %state.tenant,
                user = %state.user,
                login = state.login.as_str(),
                accounts = accounts.len(),
                "login completed"
            );
            let n = accounts.len().to_string();
            state
                .return_to
                .with_outcome(&[("ig_connect", "success"), ("accounts", &n)])
        }
        Err(failure) => {
            tracing::warn!(
                tenant = %state.tenant,
                user = %state.user,
                login = state.login.as_str(),
                code = failure.code(),
                "login failed"
            );
            state
                .return_to
                .with_outcome(&[("ig_connect", "error"), ("code", failure.code())])
        }
    };
    Ok(Connected { result, redirect })
}

/// Logs a Meta failure with what Meta support needs (code, subcode, fbtrace_id) and maps it.
fn meta_failed(
    step: &'static str,
    failure: ConnectFailure,
) -> impl FnOnce(MetaError) -> ConnectFailure {
    move |e| {
        match &e {
            MetaError::Api {
                status,
                code,
                subcode,
                fbtrace_id,
                ..
            } => {
                tracing::warn!(step, status, code, subcode, fbtrace_id, error = %e, "Meta refused")
            }
            _ => tracing::warn!(step, error = %e, "Meta call failed"),
        }
        failure
    }
}

pub(crate) fn expiry(now: DateTime<Utc>, expires_in: Option<i64>) -> Option<DateTime<Utc>> {
    expires_in
        .filter(|s| *s > 0)
        .and_then(TimeDelta::try_seconds)
        .map(|d| now + d)
}

fn missing_scopes(login: LoginPath, granted: &[String]) -> Vec<String> {
    login
        .required_scopes()
        .iter()
        .filter(|s| !granted.iter().any(|g| g == *s))
        .map(|s| s.to_string())
        .collect()
}

async fn store(
    deps: &CallbackDeps<'_>,
    state: &OAuthState,
    ig_user_id: IgUserId,
    profile: Profile,
    grantor: MetaGrantor,
    token: &SecretString,
    token_expires_at: Option<DateTime<Utc>>,
) -> Result<Account, ConnectFailure> {
    let context = EncryptionContext::access_token(&state.tenant, &ig_user_id);
    let sealed = deps.sealer.seal(token, &context).await.map_err(|e| {
        tracing::error!(error = %e, "sealing a token failed");
        ConnectFailure::Internal
    })?;
    let connection = Connection {
        tenant: state.tenant.clone(),
        ig_user_id,
        login: state.login,
        owner: Owner::for_caller(state.owner, &state.user),
        profile,
        grantor,
        token_expires_at,
        connected_by: state.user.clone(),
        at: deps.clock.now(),
    };
    deps.accounts
        .save_connection(&connection, &sealed)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "storing a connection failed");
            ConnectFailure::Internal
        })
}

async fn connect_facebook(
    deps: &CallbackDeps<'_>,
    state: &OAuthState,
    code: &SecretString,
) -> Result<Vec<Account>, ConnectFailure> {
    let meta = deps.meta;
    let short = meta
        .facebook_exchange_code(code)
        .await
        .map_err(meta_failed(
            "exchange_code",
            ConnectFailure::TokenExchangeFailed,
        ))?;
    let long = meta
        .facebook_long_lived_token(&short.token)
        .await
        .map_err(meta_failed(
            "long_lived_token",
            ConnectFailure::TokenExchangeFailed,
        ))?;
    let mut accounts = Vec::new();
    for found in facebook_accounts(meta, &long.token).await? {
        // Page tokens derived from a long-lived user token do not expire.
        let account = store(
            deps,
            state,
            found.ig_user_id,
            found.profile,
            found.grantor,
            &found.token,
            None,
        )
        .await?;
        accounts.push(account);
    }
    Ok(accounts)
}

/// An Instagram account a login reaches, with the token to seal for it.
pub(crate) struct Discovered {
    pub ig_user_id: IgUserId,
    pub profile: Profile,
    pub grantor: MetaGrantor,
    pub token: SecretString,
}

/// Facebook Login with a long-lived user token: the required scopes checked, then every
/// granted Page's linked Instagram account with its profile and Page token. Every profile
/// is read before anything is returned, so a Meta failure half way stores nothing.
pub(crate) async fn facebook_accounts<M: FacebookGraph + ?Sized>(
    meta: &M,
    user_token: &SecretString,
) -> Result<Vec<Discovered>, ConnectFailure> {
    let granted: Vec<String> = meta
        .facebook_permissions(user_token)
        .await
        .map_err(meta_failed("permissions", ConnectFailure::MetaError))?
        .into_iter()
        .filter(|p| p.granted)
        .map(|p| p.permission)
        .collect();
    let missing = missing_scopes(LoginPath::Facebook, &granted);
    if !missing.is_empty() {
        return Err(ConnectFailure::MissingPermissions(missing));
    }
    let me = meta
        .facebook_me(user_token)
        .await
        .map_err(meta_failed("me", ConnectFailure::MetaError))?;
    let pages = meta
        .facebook_pages(user_token)
        .await
        .map_err(meta_failed("pages", ConnectFailure::MetaError))?;
    if pages.is_empty() {
        return Err(ConnectFailure::NoFacebookPages);
    }
    let linked: Vec<_> = pages
        .into_iter()
        .filter_map(|p| p.instagram_account.clone().map(|ig| (p, ig)))
        .collect();
    if linked.is_empty() {
        return Err(ConnectFailure::NoInstagramBusinessAccount);
    }
    let mut discovered = Vec::with_capacity(linked.len());
    for (page, ig_user_id) in linked {
        let profile = meta
            .facebook_instagram_profile(&ig_user_id, &page.access_token)
            .await
            .map_err(meta_failed("instagram_profile", ConnectFailure::MetaError))?;
        discovered.push(Discovered {
            ig_user_id,
            profile,
            grantor: MetaGrantor {
                meta_user_id: me.id.clone(),
                page_id: Some(page.id),
                scopes: Some(granted.clone()),
            },
            token: page.access_token,
        });
    }
    Ok(discovered)
}

/// Instagram Login: the account behind `/me`, unless it is a personal account.
pub(crate) fn instagram_account(
    me: InstagramMe,
    token: SecretString,
) -> Result<Discovered, ConnectFailure> {
    if me
        .profile
        .account_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("personal"))
    {
        return Err(ConnectFailure::NoInstagramBusinessAccount);
    }
    Ok(Discovered {
        ig_user_id: me.user_id,
        profile: me.profile,
        grantor: MetaGrantor {
            meta_user_id: me.app_scoped_id,
            page_id: None,
            scopes: None,
        },
        token,
    })
}

async fn connect_instagram(
    deps: &CallbackDeps<'_>,
    state: &OAuthState,
    code: &SecretString,
) -> Result<Vec<Account>, ConnectFailure> {
    let meta = deps.meta;
    let grant = meta
        .instagram_exchange_code(code)
        .await
        .map_err(meta_failed(
            "exchange_code",
            ConnectFailure::TokenExchangeFailed,
        ))?;
    let missing = missing_scopes(LoginPath::Instagram, &grant.permissions);
    if !missing.is_empty() {
        return Err(ConnectFailure::MissingPermissions(missing));
    }
    let long = meta
        .instagram_long_lived_token(&grant.token)
        .await
        .map_err(meta_failed(
            "long_lived_token",
            ConnectFailure::TokenExchangeFailed,
        ))?;
    let me = meta
        .instagram_me(&long.token)
        .await
        .map_err(meta_failed("me", ConnectFailure::MetaError))?;
    let mut found = instagram_account(me, long.token)?;
    found.grantor.scopes = Some(grant.permissions.clone());
    let expires_at = expiry(deps.clock.now(), long.expires_in);
    let account = store(
        deps,
        state,
        found.ig_user_id,
        found.profile,
        found.grantor,
        &found.token,
        expires_at,
    )
    .await?;
    Ok(vec![account])
}
