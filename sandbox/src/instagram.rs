//! Instagram Login's token endpoints and Instagram Graph's `/me`: the code exchange on
//! api.instagram.com (flat errors, `user_id` as a JSON number), the long-lived exchange and
//! the refresh on graph.instagram.com (Graph's error envelope).

use super::catalogue::instagram_login_account;
use super::errors::{GraphError, InstagramApiError, no_store};
use super::params::{Authorized, Params, access_token};
use super::state::{
    CodeRefusal, Consent, LONG_LIVED, Login, REFRESH_MIN_AGE, SHORT_LIVED, Subject,
};
use super::{Sandbox, check_version, secret_matches, select_fields};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

const ME_FIELDS: [&str; 9] = [
    "id",
    "user_id",
    "username",
    "name",
    "account_type",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
];

/// `POST instagram-api/oauth/access_token` (form): a code for a short-lived token (one
/// hour), answered as `{"data":[{"access_token","user_id":<number>,"permissions":"a,b"}]}`.
pub(crate) async fn exchange_code(
    State(sandbox): State<Sandbox>,
    body: String,
) -> Result<Response, InstagramApiError> {
    let form = Params::parse(Some(&body));
    let app = &sandbox.apps().instagram;
    if form.get("client_id") != Some(app.app_id.as_str()) {
        return Err(InstagramApiError::new("Invalid platform app"));
    }
    if !form
        .get("client_secret")
        .is_some_and(|s| secret_matches(app, s))
    {
        return Err(InstagramApiError::new("Error validating client secret."));
    }
    match form.get("grant_type") {
        Some("authorization_code") => {}
        None => {
            return Err(InstagramApiError::new(
                "Missing required parameter grant_type",
            ));
        }
        Some(_) => return Err(InstagramApiError::new("Unsupported grant_type")),
    }
    let redirect_uri = form.get("redirect_uri").ok_or(InstagramApiError::new(
        "Missing required parameter redirect_uri",
    ))?;
    let code = form
        .get("code")
        .ok_or(InstagramApiError::new("Missing required parameter code"))?;
    let mut state = sandbox.state();
    let consent = state
        .redeem_code(code, Login::Instagram, &app.app_id, redirect_uri)
        .map_err(|refusal| {
            InstagramApiError::new(match refusal {
                CodeRefusal::Unknown => "Invalid authorization code",
                CodeRefusal::Used => "This authorization code has been used",
                CodeRefusal::Expired => "This authorization code has expired",
                CodeRefusal::RedirectMismatch => {
                    "Error validating verification code. Please make sure your redirect_uri \
                     is identical to the one you used in the OAuth dialog request"
                }
            })
        })?;
    let Consent::Instagram { account, granted } = consent else {
        return Err(InstagramApiError::new("Invalid authorization code"));
    };
    // Meta sends this id as a JSON number beyond 2^53; clients must not read it as a float.
    let user_id = account
        .parse::<u64>()
        .map_or_else(|_| Value::from(account.as_str()), Value::from);
    let permissions = granted.join(",");
    let subject = Subject::Instagram { account, granted };
    let token = state.issue_token(subject, Some(SHORT_LIVED), false);
    let body = json!({
        "data": [{ "access_token": token, "user_id": user_id, "permissions": permissions }]
    });
    Ok(no_store(Json(body).into_response()))
}

fn token_body(token: String) -> Response {
    no_store(
        Json(json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": LONG_LIVED.num_seconds(),
        }))
        .into_response(),
    )
}

/// `GET instagram-graph/access_token?grant_type=ig_exchange_token&client_secret&access_token`:
/// a short-lived token for a long-lived one (60 days). The short-lived token stays valid.
pub(crate) async fn exchange_token(
    State(sandbox): State<Sandbox>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let params = Params::parse(q.as_deref());
    require_grant_type(&params, "ig_exchange_token")?;
    let secret = params
        .get("client_secret")
        .ok_or_else(|| GraphError::missing_parameter("client_secret"))?;
    if !secret_matches(&sandbox.apps().instagram, secret) {
        return Err(GraphError::bad_secret(101));
    }
    let record = sandbox.live_token(access_token(&params, &headers).as_deref())?;
    let Subject::Instagram { .. } = record.subject else {
        return Err(GraphError::invalid_token());
    };
    if record.long_lived {
        return Err(GraphError::invalid_request(
            "Only short-lived Instagram User tokens can be exchanged for long-lived ones.",
        ));
    }
    let token = sandbox
        .state()
        .issue_token(record.subject, Some(LONG_LIVED), true);
    Ok(token_body(token))
}

/// `GET instagram-graph/refresh_access_token?grant_type=ig_refresh_token&access_token`: a
/// new 60-day token for a long-lived one that is at least 24 hours old and unexpired, as
/// Meta requires. Meta documents nothing about the old token, and refreshed tokens keep
/// working in practice, so the old token stays valid until its own expiry; the new one is a
/// new string, issued now (so it is refreshable again in 24 hours). Read and issued under
/// one lock: a revocation cannot slip in between.
pub(crate) async fn refresh_token(
    State(sandbox): State<Sandbox>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, GraphError> {
    let params = Params::parse(q.as_deref());
    require_grant_type(&params, "ig_refresh_token")?;
    let token = access_token(&params, &headers).ok_or_else(GraphError::missing_token)?;
    let mut state = sandbox.state();
    let record = match state.use_token(&token) {
        Ok(record) => record,
        Err(refusal) => {
            drop(state);
            return Err(sandbox.refused(refusal));
        }
    };
    let Subject::Instagram { .. } = record.subject else {
        return Err(GraphError::invalid_token());
    };
    if !record.long_lived {
        return Err(GraphError::invalid_request(
            "Only long-lived Instagram User tokens can be refreshed.",
        ));
    }
    if state.now() - record.issued_at < REFRESH_MIN_AGE {
        // Meta documents no error for this; 100 (a bad request) rather than 190, because
        // the token is fine and must not look dead to the caller.
        return Err(GraphError::invalid_request(
            "The access token must be at least 24 hours old to be refreshed.",
        ));
    }
    let token = state.issue_token(record.subject, Some(LONG_LIVED), true);
    Ok(token_body(token))
}

/// `GET instagram-graph/me` (unversioned, as Meta also serves it).
pub(crate) async fn me(call: Authorized) -> Result<Response, GraphError> {
    me_response(call)
}

/// `GET instagram-graph/{ver}/me`: the token's account, only the requested fields and `id`
/// (the app-scoped id; `user_id` is the professional account id). Needs
/// `instagram_business_basic`.
pub(crate) async fn me_versioned(
    Path(ver): Path<String>,
    call: Authorized,
) -> Result<Response, GraphError> {
    check_version(&ver)?;
    me_response(call)
}

fn me_response(Authorized { params, record, .. }: Authorized) -> Result<Response, GraphError> {
    let Subject::Instagram { account, granted } = &record.subject else {
        return Err(GraphError::invalid_token());
    };
    let account = instagram_login_account(account).ok_or_else(GraphError::invalid_token)?;
    if !granted.iter().any(|s| s == "instagram_business_basic") {
        return Err(GraphError::permission_missing());
    }
    let fields = select_fields(
        params.get("fields"),
        &["id", "username"],
        &ME_FIELDS,
        "User",
    )?;
    let mut out = Map::new();
    for f in fields {
        let v: Value = match f.as_str() {
            "id" => account.app_scoped_id.unwrap_or(account.id).into(),
            "user_id" => account.id.into(),
            "username" => account.username.into(),
            "name" => account.name.into(),
            "account_type" => account.account_type.into(),
            "profile_picture_url" => account.profile_picture_url.into(),
            "followers_count" => account.followers_count.into(),
            "follows_count" => account.follows_count.into(),
            _ => account.media_count.into(),
        };
        out.insert(f, v);
    }
    Ok(Json(Value::Object(out)).into_response())
}

/// The one `grant_type` an endpoint accepts: Graph's missing-parameter error without it,
/// unsupported with another.
fn require_grant_type(params: &Params, expected: &str) -> Result<(), GraphError> {
    match params.get("grant_type") {
        Some(g) if g == expected => Ok(()),
        None => Err(GraphError::missing_parameter("grant_type")),
        Some(_) => Err(GraphError::unsupported("grant_type")),
    }
}
