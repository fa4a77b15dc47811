//! Handlers of Meta's callbacks: deauthorize, data deletion (and its status page) and
//! webhooks. None takes a bearer token: Meta proves its calls with signatures over what it
//! sends, which the use cases check before anything else.

use super::MetaState;
use super::extract::ApiQuery;
use super::problem::{ApiResult, Problem};
use crate::config::{MetaConfig, join};
use crate::domain::DataDeletion;
use crate::service;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde::Serialize;
use std::collections::HashMap;
use url::Url;

/// How Meta's callbacks are recognised, and where people follow their deletion requests.
pub struct MetaCallbacks {
    /// The app secrets of the configured login paths: a callback signed with either is
    /// Meta's.
    pub app_secrets: Vec<SecretString>,
    /// What the webhook subscription handshake must present; `None`: webhooks are not
    /// configured.
    pub webhook_verify_token: Option<SecretString>,
    /// The API's public base URL, ending in '/'.
    pub public_base: Url,
}

impl MetaCallbacks {
    /// From the Meta configuration in use (its apps' secrets, and the public base its
    /// redirect URI gives) and the webhook verify token.
    pub fn new(meta: &MetaConfig, webhook_verify_token: Option<SecretString>) -> Self {
        let app_secrets = [&meta.facebook_app, &meta.instagram_app]
            .into_iter()
            .flatten()
            .map(|app| app.app_secret.clone())
            .collect();
        Self {
            app_secrets,
            webhook_verify_token,
            public_base: meta.public_base(),
        }
    }

    fn secrets(&self) -> Vec<&SecretString> {
        self.app_secrets.iter().collect()
    }

    /// Where the user follows a deletion request.
    fn status_url(&self, code: &str) -> Url {
        join(&self.public_base, &format!("v1/meta/data-deletion/{code}"))
    }
}

/// The `signed_request` field of a form-encoded body.
fn signed_request(body: Result<Bytes, BytesRejection>) -> ApiResult<Option<String>> {
    let body = body.map_err(body_problem)?;
    Ok(url::form_urlencoded::parse(&body)
        .find(|(name, _)| name == "signed_request")
        .map(|(_, value)| value.into_owned()))
}

/// A body that could not be read: too large (413), or broken off (400).
fn body_problem(e: BytesRejection) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The request body is too large",
        )
    } else {
        Problem::invalid_request(e.body_text())
    }
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[derive(Serialize)]
struct DeauthorizeResponse {
    accounts_revoked: u32,
}

/// `POST /v1/meta/deauthorize` (form: `signed_request`).
pub async fn deauthorize(
    State(s): State<MetaState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let raw = signed_request(body)?;
    let done = service::deauthorize(
        s.removal.as_ref(),
        &s.callbacks.secrets(),
        raw.as_deref(),
        s.clock.now(),
    )
    .await?;
    Ok(no_store(
        axum::Json(DeauthorizeResponse {
            accounts_revoked: done.revoked,
        })
        .into_response(),
    ))
}

/// What Meta expects back from a data-deletion callback.
#[derive(Serialize)]
struct DeletionAccepted {
    url: String,
    confirmation_code: String,
}

/// `POST /v1/meta/data-deletion` (form: `signed_request`).
pub async fn data_deletion(
    State(s): State<MetaState>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let raw = signed_request(body)?;
    let deletion = service::request_data_deletion(
        s.removal.as_ref(),
        s.deletions.as_ref(),
        &s.callbacks.secrets(),
        raw.as_deref(),
        s.clock.now(),
    )
    .await?;
    let url = s.callbacks.status_url(&deletion.confirmation_code);
    Ok(no_store(
        axum::Json(DeletionAccepted {
            url: url.to_string(),
            confirmation_code: deletion.confirmation_code,
        })
        .into_response(),
    ))
}

/// `GET /v1/meta/data-deletion/{code}`: public, the unguessable code is the key.
pub async fn deletion_status(
    State(s): State<MetaState>,
    code: Result<Path<String>, PathRejection>,
) -> ApiResult<Response> {
    // A path that does not even decode is no code: not found, like any other.
    let code = code.map(|Path(c)| c).unwrap_or_default();
    let deletion: DataDeletion = service::deletion_status(s.deletions.as_ref(), &code).await?;
    Ok(no_store(axum::Json(deletion).into_response()))
}

/// `GET /v1/meta/webhooks?hub.mode=subscribe&hub.verify_token=...&hub.challenge=...`: the
/// challenge echoed as plain text.
pub async fn subscribe(
    State(s): State<MetaState>,
    ApiQuery(mut query): ApiQuery<HashMap<String, String>>,
) -> ApiResult<Response> {
    let challenge = service::verify_webhook_subscription(
        s.callbacks.webhook_verify_token.as_ref(),
        query.remove("hub.mode").as_deref(),
        query.remove("hub.verify_token").as_deref(),
        query.remove("hub.challenge").as_deref(),
    )?;
    let mut res = challenge.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(no_store(res))
}

/// `POST /v1/meta/webhooks`: a delivery, signed over its raw body.
pub async fn event(
    State(s): State<MetaState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    let body = body.map_err(body_problem)?;
    let signature = headers
        .get("x-hub-signature-256")
        .map(|v| v.to_str().unwrap_or(""));
    service::receive_webhook(&s.callbacks.secrets(), signature, &body)?;
    service::record_comment_events(s.removal.as_ref(), s.audit.as_ref(), s.clock.now(), &body)
        .await?;
    Ok(StatusCode::OK)
}
