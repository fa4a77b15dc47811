//! Who is calling. Locally: a bearer JWT verified with HS256. On Lambda: the claims API
//! Gateway's JWT authorizer already verified, taken from the request context; a request
//! without them is refused (fail closed), never treated as anonymous.

use super::problem::Problem;
use crate::config::{ClaimNames, JwtConfig};
use crate::domain::{Caller, Role, TenantId, UserId};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use std::sync::Arc;

/// How callers are authenticated.
pub enum Authenticator {
    /// Verify `Authorization: Bearer <JWT>` here (local server).
    Jwt(Box<JwtVerifier>),
    /// Trust the claims of API Gateway's JWT authorizer (Lambda).
    ApiGateway(ClaimNames),
}

/// Verifies HS256 bearer tokens.
pub struct JwtVerifier {
    key: DecodingKey,
    validation: Validation,
    claims: ClaimNames,
}

impl JwtVerifier {
    /// A verifier for `secret` with the issuer, audience and claim names of `cfg`.
    pub fn new(secret: &SecretString, cfg: &JwtConfig) -> Self {
        // Only HS256: a token claiming `none` or another algorithm is refused outright.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 30;
        if let Some(iss) = &cfg.issuer {
            validation.set_issuer(&[iss]);
        }
        match &cfg.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Self {
            key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            validation,
            claims: cfg.claims.clone(),
        }
    }

    fn verify(&self, token: &str) -> Result<Caller, String> {
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| format!("invalid bearer token: {e}"))?;
        let text = |name: &str| -> Option<String> {
            match data.claims.get(name)? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        caller_from(&self.claims, text)
    }
}

/// Builds the caller from claims, whichever runtime supplied them.
fn caller_from(
    names: &ClaimNames,
    claim: impl Fn(&str) -> Option<String>,
) -> Result<Caller, String> {
    let user = claim("sub").ok_or("the token has no sub claim")?;
    let tenant =
        claim(&names.tenant).ok_or_else(|| format!("the token has no {} claim", names.tenant))?;
    let role =
        claim(&names.role).ok_or_else(|| format!("the token has no {} claim", names.role))?;
    Ok(Caller {
        user: UserId::parse(user).map_err(|e| format!("sub: {e}"))?,
        tenant: TenantId::parse(tenant).map_err(|e| format!("{}: {e}", names.tenant))?,
        role: Role::parse(&role)
            .ok_or_else(|| format!("{}: expected owner, admin or member", names.role))?,
    })
}

impl Authenticator {
    /// The caller of a request, or why there is none.
    pub fn authenticate(&self, parts: &Parts) -> Result<Caller, String> {
        match self {
            Self::Jwt(verifier) => {
                let header = parts
                    .headers
                    .get(axum::http::header::AUTHORIZATION)
                    .ok_or("missing Authorization header")?
                    .to_str()
                    .map_err(|_| "malformed Authorization header")?;
                let token = header
                    .strip_prefix("Bearer ")
                    .or_else(|| header.strip_prefix("bearer "))
                    .ok_or("expected Authorization: Bearer <token>")?;
                verifier.verify(token.trim())
            }
            Self::ApiGateway(names) => {
                use lambda_http::request::RequestContext;
                let claims = match parts.extensions.get::<RequestContext>() {
                    Some(RequestContext::ApiGatewayV2(ctx)) => ctx
                        .authorizer
                        .as_ref()
                        .and_then(|a| a.jwt.as_ref())
                        .map(|jwt| &jwt.claims),
                    _ => None,
                }
                .ok_or("no JWT authorizer claims on the request")?;
                caller_from(names, |name| claims.get(name).cloned())
            }
        }
    }
}

/// Extractor: the authenticated caller, or a 401 problem.
impl<S> FromRequestParts<S> for Caller
where
    Arc<Authenticator>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Arc::<Authenticator>::from_ref(state);
        auth.authenticate(parts).map_err(|why| {
            tracing::info!(reason = %why, "request refused: unauthenticated");
            // On Lambda the gateway already refused requests without a token; claims
            // missing there mean no usable token reached the function.
            let presented = matches!(auth.as_ref(), Authenticator::Jwt(_))
                && parts
                    .headers
                    .contains_key(axum::http::header::AUTHORIZATION);
            Problem::unauthorized(why, presented)
        })
    }
}

/// Mints an HS256 token the local server accepts (`igconnect token`, tests).
pub fn mint_token(
    secret: &SecretString,
    cfg: &JwtConfig,
    tenant: &TenantId,
    user: &UserId,
    role: Role,
    ttl: chrono::TimeDelta,
) -> Result<String, String> {
    let now = chrono::Utc::now();
    let mut claims = Map::new();
    claims.insert("sub".into(), Value::String(user.to_string()));
    claims.insert(cfg.claims.tenant.clone(), Value::String(tenant.to_string()));
    let role = serde_json::to_value(role).map_err(|e| e.to_string())?;
    claims.insert(cfg.claims.role.clone(), role);
    claims.insert("iat".into(), now.timestamp().into());
    claims.insert("exp".into(), (now + ttl).timestamp().into());
    if let Some(iss) = &cfg.issuer {
        claims.insert("iss".into(), Value::String(iss.clone()));
    }
    if let Some(aud) = &cfg.audience {
        claims.insert("aud".into(), Value::String(aud.clone()));
    }
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.expose_secret().as_bytes()),
    )
    .map_err(|e| e.to_string())
}
