//! Starting a login: check who may connect what, remember the pending login under a fresh
//! single-use state, and hand back Meta's authorization URL.

use super::ServiceError;
use crate::domain::{
    AllowedOrigins, Caller, LoginPath, OAuthState, OwnerKind, ReturnTo, ReturnToError, StateToken,
};
use crate::ports::{Clock, Meta, MetaError, OAuthStates};
use chrono::{DateTime, TimeDelta, Utc};
use url::Url;

/// Deployment rules for starting a login.
#[derive(Debug, Clone)]
pub struct ConnectPolicy {
    pub allowed_origins: AllowedOrigins,
    pub state_ttl: TimeDelta,
}

/// What the caller asks for.
#[derive(Debug, Clone)]
pub struct InitiateRequest {
    pub login: LoginPath,
    pub owner: OwnerKind,
    pub return_to: String,
}

/// Where to send the browser, and until when the login may complete.
#[derive(Debug, Clone)]
pub struct Initiated {
    pub authorization_url: Url,
    pub expires_at: DateTime<Utc>,
}

/// Starts a login for `caller`.
pub async fn initiate(
    states: &dyn OAuthStates,
    meta: &dyn Meta,
    clock: &dyn Clock,
    policy: &ConnectPolicy,
    caller: &Caller,
    req: InitiateRequest,
) -> Result<Initiated, ServiceError> {
    if !req.owner.may_be_connected_by(caller.role) {
        return Err(ServiceError::PermissionDenied(
            "only owners and admins may connect accounts for the company".into(),
        ));
    }
    let return_to = ReturnTo::parse(&req.return_to, &policy.allowed_origins).map_err(|e| {
        let code = match e {
            ReturnToError::OriginNotAllowed => "return_to_not_allowed",
            _ => "invalid_return_to",
        };
        ServiceError::invalid(code, e.to_string())
    })?;
    let token = StateToken::generate();
    let authorization_url = match req.login {
        LoginPath::Facebook => meta.facebook_authorization_url(&token),
        LoginPath::Instagram => meta.instagram_authorization_url(&token),
    }
    .map_err(|e| match e {
        MetaError::NotConfigured(_) => ServiceError::LoginNotConfigured(req.login),
        other => ServiceError::Meta(other),
    })?;
    let now = clock.now();
    let state = OAuthState {
        key: token.key(),
        tenant: caller.tenant.clone(),
        user: caller.user.clone(),
        login: req.login,
        owner: req.owner,
        return_to,
        created_at: now,
        expires_at: now + policy.state_ttl,
    };
    states.put_state(&state).await?;
    tracing::info!(
        tenant = %caller.tenant,
        user = %caller.user,
        login = req.login.as_str(),
        "login initiated"
    );
    Ok(Initiated {
        authorization_url,
        expires_at: state.expires_at,
    })
}
