//! RFC 9457 problem details: every error the API returns, with a stable machine `code`.

use crate::domain::SubscriptionError;
use crate::ports::{FilesError, MetaError, StoreError};
use crate::service::ServiceError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A problem details body (`application/problem+json`).
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: Box<str>,
    pub title: &'static str,
    pub status: u16,
    pub code: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Extension members (RFC 9457 section 3.2), e.g. the failed post.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    extensions: Option<Box<Map<String, Value>>>,
    #[serde(skip)]
    html: bool,
    /// The `WWW-Authenticate` challenge of a 401 (RFC 6750).
    #[serde(skip)]
    challenge: Option<Box<str>>,
}

impl Problem {
    /// A problem with `status`, stable `code` and a human `title`.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        title: &'static str,
    ) -> Self {
        let code = code.into();
        Self {
            // A URN, not a URL on a domain we may not control: clients match on it (or on
            // `code`), nothing dereferences it. README lists every code.
            kind: format!("urn:igconnect:problem:{code}").into(),
            title,
            status: status.as_u16(),
            code,
            detail: None,
            extensions: None,
            html: false,
            challenge: None,
        }
    }

    /// Adds a human explanation of this occurrence.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds an extension member; `type`, `title`, `status`, `code` and `detail` are not
    /// extension names.
    pub fn with(mut self, name: &str, value: Value) -> Self {
        self.extensions
            .get_or_insert_with(Default::default)
            .insert(name.to_owned(), value);
        self
    }

    /// Renders as an HTML page instead of JSON (for browsers landing on the callback).
    pub fn as_html(mut self) -> Self {
        self.html = true;
        self
    }

    /// A 401 with its RFC 6750 challenge: plain `Bearer` when no credentials came, and
    /// `error="invalid_token"` when a token came but was refused, so clients know to get a
    /// new one rather than to add one.
    pub fn unauthorized(detail: impl Into<String>, token_presented: bool) -> Self {
        let detail = detail.into();
        let challenge = if token_presented {
            // The description is ours (never the token); quotes would end the parameter.
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\"",
                detail.replace(['"', '\\'], "'")
            )
        } else {
            "Bearer".to_owned()
        };
        let mut problem = Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication required",
        )
        .detail(detail);
        problem.challenge = Some(challenge.into());
        problem
    }

    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request is invalid",
        )
        .detail(detail)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "No such resource")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed on this resource",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal error",
        )
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = if self.html {
            let body = format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
                 <body><main><h1>{title}</h1><p>{detail}</p><p><small>code: <code>{code}</code></small></p>\
                 <p>Go back to the app and start again.</p></main></body></html>",
                title = escape(self.title),
                detail = escape(self.detail.as_deref().unwrap_or("")),
                code = escape(&self.code),
            );
            (status, Html(body)).into_response()
        } else {
            let body = serde_json::to_vec(&self).unwrap_or_default();
            let mut res = (status, body).into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            );
            res
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(value) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        res
    }
}

impl From<ServiceError> for Problem {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { code, detail } => {
                Self::new(StatusCode::BAD_REQUEST, code, "The request is invalid").detail(detail)
            }
            ServiceError::PermissionDenied(detail) => Self::new(
                StatusCode::FORBIDDEN,
                "permission_denied",
                "Permission denied",
            )
            .detail(detail),
            ServiceError::AccountNotFound => Self::new(
                StatusCode::NOT_FOUND,
                "account_not_found",
                "Account not found",
            )
            .detail("no account with this id in your tenant"),
            ServiceError::NotFound { code, detail } => {
                Self::new(StatusCode::NOT_FOUND, code, "Not found").detail(detail)
            }
            ServiceError::Conflict { code, detail } => Self::new(
                StatusCode::CONFLICT,
                code,
                "The request conflicts with the resource's state",
            )
            .detail(detail),
            ServiceError::OAuthStateInvalid(detail) => Self::new(
                StatusCode::BAD_REQUEST,
                "oauth_state_invalid",
                "This login link is no longer valid",
            )
            .detail(detail),
            e @ ServiceError::LoginNotConfigured(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "login_not_configured",
                "This login is not available",
            )
            .detail(e.to_string()),
            ServiceError::SignedRequestInvalid(e) => Self::new(
                StatusCode::BAD_REQUEST,
                "signed_request_invalid",
                "The signed_request is not a valid request from Meta",
            )
            .detail(e.to_string())
            .with("reason", Value::from(e.code())),
            ServiceError::WebhookSignatureInvalid(e) => Self::new(
                StatusCode::FORBIDDEN,
                "webhook_signature_invalid",
                "The webhook delivery is not signed by Meta",
            )
            .detail(e.to_string())
            .with("reason", Value::from(e.code())),
            ServiceError::WebhookSubscriptionRefused(e) => {
                // A wrong token is a refusal; a wrong mode or challenge a malformed request.
                let status = if e == SubscriptionError::WrongToken {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::BAD_REQUEST
                };
                Self::new(
                    status,
                    "webhook_verification_failed",
                    "The webhook subscription was refused",
                )
                .detail(e.to_string())
                .with("reason", Value::from(e.code()))
            }
            e @ ServiceError::ScopeNotGranted { scope, .. } => Self::new(
                StatusCode::FORBIDDEN,
                "scope_not_granted",
                "The account's connection lacks a permission",
            )
            .detail(e.to_string())
            .with("scope", Value::from(scope))
            .with("action", Value::from("reconnect")),
            ServiceError::UnsupportedMetric(e) => {
                let supported: Vec<Value> = e.supported().iter().map(|s| Value::from(*s)).collect();
                Self::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_metric",
                    "A requested metric is not supported",
                )
                .detail(e.to_string())
                .with("supported", Value::Array(supported))
            }
            ServiceError::Store(StoreError::Conflict) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                "The resource changed while it was being written",
            )
            .detail("try again"),
            ServiceError::Store(e) => {
                tracing::error!(error = %e, "storage failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "Storage unavailable",
                )
            }
            ServiceError::Files(e @ FilesError::NotConfigured) => Self::new(
                StatusCode::NOT_IMPLEMENTED,
                "media_not_configured",
                "Media uploads are not available",
            )
            .detail(e.to_string()),
            ServiceError::Files(e) => {
                tracing::error!(error = %e, "media storage failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "media_storage_unavailable",
                    "Media storage unavailable",
                )
            }
            ServiceError::Seal(e) => {
                tracing::error!(error = %e, "sealer failed");
                Self::internal()
            }
            ServiceError::Meta(e @ MetaError::NotConfigured(_)) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "login_not_configured",
                "This login is not available",
            )
            .detail(e.to_string()),
            e @ ServiceError::RateLimited => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Meta is throttling this app",
            )
            .detail(e.to_string()),
            e @ ServiceError::MetaUnavailable(_) => Self::new(
                StatusCode::BAD_GATEWAY,
                "meta_unavailable",
                "Meta is unavailable",
            )
            .detail(e.to_string()),
            ServiceError::Meta(e) => {
                tracing::warn!(error = %e, "Meta failed");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "meta_error",
                    "Meta did not answer as expected",
                )
            }
        }
    }
}

/// Handlers return this; `?` on a [`ServiceError`] maps it once, here.
pub type ApiResult<T> = Result<T, Problem>;
