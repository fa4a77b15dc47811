//! Facebook Graph's app-level token endpoints, both made with the Facebook Login app's
//! access token (`app_id|app_secret`): `GET debug_token` says what a token is and whether
//! it still works, `DELETE /{user-id}/permissions` removes the app from the user, ending
//! every token the sandbox issued for them. (Instagram Login's refresh is in `instagram`.)

use super::catalogue::{FACEBOOK_USER, page};
use super::errors::{GraphError, no_store};
use super::injection::InjectedFault;
use super::params::{Params, access_token};
use super::state::{DATA_ACCESS, FacebookConsent, Subject, TokenRecord, TokenRefusal};
use super::{Sandbox, check_version, secret_matches};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

type GraphResult = Result<Response, GraphError>;

/// What the sandbox's Facebook app is called in `debug_token`'s `application`.
const APPLICATION: &str = "igconnect sandbox";

/// `GET facebook-graph/{ver}/debug_token?input_token=&access_token=<app token>`: the input
/// token's metadata. An invalid input token is an answer (`is_valid: false` and an `error`
/// naming why), not an error; only a missing or wrong app token, or an injected
/// `server_error` / `rate_limited` fault of the token's account, fail the call.
pub(crate) async fn debug_token(
    State(sandbox): State<Sandbox>,
    Path(ver): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> GraphResult {
    check_version(&ver)?;
    let params = Params::parse(q.as_deref());
    require_app_token(&sandbox, &params, &headers)?;
    let input = params
        .get("input_token")
        .ok_or_else(|| GraphError::missing_parameter("input_token"))?;
    let (record, refusal) = {
        let mut state = sandbox.state();
        let Some(record) = state
            .record(input)
            .filter(|r| r.subject.facebook_user().is_some())
            .cloned()
        else {
            // Unknown, or an Instagram Login token: Facebook cannot parse it.
            return Ok(answer(invalid_only()));
        };
        let mut refusal = state.refusal(&record);
        if refusal.is_none() {
            refusal = match state.take_fault(&record.subject) {
                Some((InjectedFault::InvalidToken, _)) => Some(TokenRefusal::Invalidated),
                Some((fault, account)) => return Err(fault.error(&account)),
                None => None,
            };
        }
        (record, refusal)
    };
    let mut data = metadata(&sandbox, &record);
    if let Some(refusal) = refusal {
        let error = sandbox.refused(refusal).debug_token_error();
        data.insert("is_valid".into(), false.into());
        data.insert("error".into(), error);
        data.insert("scopes".into(), json!([]));
        data.remove("granular_scopes");
    }
    Ok(answer(data))
}

fn answer(data: Map<String, Value>) -> Response {
    no_store(Json(json!({ "data": data })).into_response())
}

/// What `debug_token` answers for a token Facebook cannot parse.
fn invalid_only() -> Map<String, Value> {
    let error = GraphError::new(190, None, "Invalid OAuth access token.").debug_token_error();
    let mut data = Map::new();
    data.insert("error".into(), error);
    data.insert("is_valid".into(), false.into());
    data.insert("scopes".into(), json!([]));
    data
}

/// A Facebook token's metadata as valid; times in Unix seconds, `expires_at` 0 for a token
/// that never expires, `issued_at` for long-lived tokens only (as Meta answers).
fn metadata(sandbox: &Sandbox, record: &TokenRecord) -> Map<String, Value> {
    let (kind, consent, profile_id) = match &record.subject {
        Subject::FacebookUser { consent, .. } => ("USER", consent, None),
        Subject::FacebookPage { page_id, consent } => ("PAGE", consent, Some(page_id)),
        Subject::Instagram { .. } => return invalid_only(),
    };
    let mut data = Map::new();
    data.insert(
        "app_id".into(),
        sandbox.apps().facebook.app_id.clone().into(),
    );
    data.insert("type".into(), kind.into());
    data.insert("application".into(), APPLICATION.into());
    let data_access = (record.issued_at + DATA_ACCESS).timestamp();
    data.insert("data_access_expires_at".into(), data_access.into());
    let expires_at = record.expires_at.map_or(0, |at| at.timestamp());
    data.insert("expires_at".into(), expires_at.into());
    data.insert("is_valid".into(), true.into());
    if record.long_lived {
        data.insert("issued_at".into(), record.issued_at.timestamp().into());
    }
    if let Some(page_id) = profile_id {
        data.insert("profile_id".into(), page_id.as_str().into());
    }
    data.insert("scopes".into(), scopes(consent));
    data.insert("granular_scopes".into(), granular_scopes(consent));
    data.insert("user_id".into(), FACEBOOK_USER.id.into());
    data
}

/// The granted permissions, `public_profile` always among them as on Meta.
fn scopes(consent: &FacebookConsent) -> Value {
    let mut scopes: Vec<&str> = consent.granted.iter().map(String::as_str).collect();
    if !scopes.contains(&"public_profile") {
        scopes.push("public_profile");
    }
    json!(scopes)
}

/// Page permissions target the granted Pages, Instagram ones their linked accounts.
fn granular_scopes(consent: &FacebookConsent) -> Value {
    let pages: Vec<&str> = consent.pages.iter().map(String::as_str).collect();
    let accounts: Vec<&str> = pages
        .iter()
        .filter_map(|p| page(p).and_then(|p| p.instagram_account))
        .collect();
    let rows: Vec<Value> = consent
        .granted
        .iter()
        .filter_map(|scope| {
            let targets = if scope.starts_with("pages_") || scope == "business_management" {
                &pages
            } else if scope.starts_with("instagram_") {
                &accounts
            } else {
                return None;
            };
            Some(json!({ "scope": scope, "target_ids": targets }))
        })
        .collect();
    Value::Array(rows)
}

/// `DELETE facebook-graph/{ver}/{user-id}/permissions?access_token=<app token>`: the user
/// removes the app. Every user and Page token issued for them so far stops working
/// (190/458); a new login issues tokens that work. Answers `{"success":true}`, again for a
/// user already removed.
pub(crate) async fn delete_edge(
    State(sandbox): State<Sandbox>,
    Path((ver, node, edge)): Path<(String, String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> GraphResult {
    check_version(&ver)?;
    if edge != "permissions" {
        return Err(GraphError::unknown_path());
    }
    let params = Params::parse(q.as_deref());
    require_app_token(&sandbox, &params, &headers)?;
    if node != FACEBOOK_USER.id {
        let id: String = node.chars().take(64).collect();
        return Err(GraphError::new(
            100,
            Some(33),
            format!(
                "Unsupported delete request. Object with ID '{id}' does not exist, cannot be \
                 loaded due to missing permissions, or does not support this operation."
            ),
        ));
    }
    sandbox.state().revoke_facebook_user(FACEBOOK_USER.id);
    Ok(no_store(Json(json!({ "success": true })).into_response()))
}

/// The Facebook app's access token, `app_id|app_secret`: 104 without a token, Meta's
/// signature error for anything else (another app's, a wrong secret, a user token).
fn require_app_token(
    sandbox: &Sandbox,
    params: &Params,
    headers: &HeaderMap,
) -> Result<(), GraphError> {
    let presented = access_token(params, headers).ok_or_else(GraphError::missing_token)?;
    let app = &sandbox.apps().facebook;
    match presented.split_once('|') {
        Some((id, secret)) if id == app.app_id && secret_matches(app, secret) => Ok(()),
        _ => Err(GraphError::bad_app_token()),
    }
}
