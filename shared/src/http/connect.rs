//! Handlers of the connect flow: translate, call the use case, translate back.

use super::extract::{ApiJson, ApiQuery};
use super::problem::{ApiResult, Problem};
use super::{CallbackState, InitiateState};
use crate::domain::{Caller, LoginPath, OwnerKind};
use crate::service::{self, CallbackDeps, CallbackParams, InitiateRequest};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitiateBody {
    login: LoginPath,
    return_to: String,
    #[serde(default = "default_owner")]
    owner: OwnerKind,
}

fn default_owner() -> OwnerKind {
    OwnerKind::User
}

#[derive(Serialize)]
pub struct InitiateResponse {
    authorization_url: String,
    expires_at: DateTime<Utc>,
}

pub async fn initiate(
    State(s): State<InitiateState>,
    caller: Caller,
    ApiJson(body): ApiJson<InitiateBody>,
) -> ApiResult<Response> {
    let started = service::initiate(
        s.states.as_ref(),
        s.meta.as_ref(),
        s.clock.as_ref(),
        &s.policy,
        &caller,
        InitiateRequest {
            login: body.login,
            owner: body.owner,
            return_to: body.return_to,
        },
    )
    .await?;
    let mut res = axum::Json(InitiateResponse {
        authorization_url: started.authorization_url.to_string(),
        expires_at: started.expires_at,
    })
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

pub async fn callback(
    State(s): State<CallbackState>,
    headers: HeaderMap,
    ApiQuery(mut query): ApiQuery<HashMap<String, String>>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let params = CallbackParams {
        state: query.remove("state"),
        code: query.remove("code").map(SecretString::from),
        error: query.remove("error"),
    };
    let deps = CallbackDeps {
        states: s.states.as_ref(),
        accounts: s.accounts.as_ref(),
        sealer: s.sealer.as_ref(),
        meta: s.meta.as_ref(),
        clock: s.clock.as_ref(),
    };
    let mut res = match service::callback(&deps, params).await {
        // 302 Found, as OAuth clients expect from a callback.
        Ok(done) => match HeaderValue::from_str(done.redirect.as_str()) {
            Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
            Err(_) => Problem::internal().into_response(),
        },
        Err(e) => {
            let problem = Problem::from(e);
            if wants_html {
                problem.as_html().into_response()
            } else {
                problem.into_response()
            }
        }
    };
    // The callback URL carries the code: keep it out of caches and Referer headers.
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}
