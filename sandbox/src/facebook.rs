//! Facebook Graph as Facebook Login uses it: the code and long-lived exchanges, `/me`,
//! `/me/permissions`, `/me/accounts` (paged, with Page tokens) and the Instagram account node.

use super::catalogue::{FACEBOOK_USER, PAGES, page, page_instagram_account};
use super::errors::{GraphError, no_store};
use super::params::{Authorized, Params};
use super::state::{
    CodeRefusal, Consent, FacebookConsent, LONG_LIVED, Login, SHORT_LIVED, Subject,
};
use super::{Sandbox, check_version, secret_matches, select_fields, valid_version};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

const USER_FIELDS: [&str; 4] = ["id", "name", "first_name", "last_name"];
const PAGE_FIELDS: [&str; 6] = [
    "id",
    "name",
    "access_token",
    "category",
    "tasks",
    "instagram_business_account",
];
const PAGE_DEFAULT_FIELDS: [&str; 5] = ["id", "name", "access_token", "category", "tasks"];
const IG_USER_FIELDS: [&str; 9] = [
    "id",
    "username",
    "name",
    "biography",
    "website",
    "profile_picture_url",
    "followers_count",
    "follows_count",
    "media_count",
];
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

type GraphResult = Result<Response, GraphError>;

fn token_body(token: String, lifetime: chrono::TimeDelta) -> Response {
    no_store(
        Json(json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": lifetime.num_seconds(),
        }))
        .into_response(),
    )
}

/// `GET facebook-graph/{ver}/oauth/access_token`: the code exchange (short-lived user token,
/// one hour) or, with `grant_type=fb_exchange_token`, the long-lived exchange (60 days).
pub(crate) async fn access_token(
    State(sandbox): State<Sandbox>,
    Path(ver): Path<String>,
    RawQuery(q): RawQuery,
) -> GraphResult {
    if !valid_version(&ver) {
        return Err(GraphError::unknown_path());
    }
    let params = Params::parse(q.as_deref());
    let app = &sandbox.apps().facebook;
    match params.get("client_id") {
        None => return Err(GraphError::missing_parameter("client_id")),
        Some(id) if id != app.app_id => return Err(GraphError::unknown_app()),
        Some(_) => {}
    }
    let secret = params
        .get("client_secret")
        .ok_or_else(|| GraphError::missing_parameter("client_secret"))?;
    if !secret_matches(app, secret) {
        return Err(GraphError::bad_secret(1));
    }
    match params.get("grant_type") {
        Some("fb_exchange_token") => long_lived(&sandbox, &params),
        None | Some("authorization_code") => exchange_code(&sandbox, &params),
        Some(_) => Err(GraphError::unsupported("grant_type")),
    }
}

fn exchange_code(sandbox: &Sandbox, params: &Params) -> GraphResult {
    let redirect_uri = params
        .get("redirect_uri")
        .ok_or_else(|| GraphError::missing_parameter("redirect_uri"))?;
    let code = params
        .get("code")
        .ok_or_else(|| GraphError::missing_parameter("code"))?;
    let mut state = sandbox.state();
    let consent = state
        .redeem_code(
            code,
            Login::Facebook,
            &sandbox.apps().facebook.app_id,
            redirect_uri,
        )
        .map_err(|refusal| match refusal {
            CodeRefusal::Unknown => GraphError::code_invalid(),
            CodeRefusal::Used => GraphError::code_used(),
            CodeRefusal::Expired => GraphError::code_expired(),
            CodeRefusal::RedirectMismatch => GraphError::redirect_mismatch(),
        })?;
    let Consent::Facebook(consent) = consent else {
        return Err(GraphError::code_invalid());
    };
    let token = state.issue_token(user_subject(consent), Some(SHORT_LIVED), false);
    Ok(token_body(token, SHORT_LIVED))
}

fn long_lived(sandbox: &Sandbox, params: &Params) -> GraphResult {
    let record = sandbox.live_token(params.get("fb_exchange_token"))?;
    let Subject::FacebookUser { consent, .. } = record.subject else {
        return Err(GraphError::invalid_token());
    };
    let token = sandbox
        .state()
        .issue_token(user_subject(consent), Some(LONG_LIVED), true);
    Ok(token_body(token, LONG_LIVED))
}

fn user_subject(consent: FacebookConsent) -> Subject {
    Subject::FacebookUser {
        consent,
        page_tokens: BTreeMap::new(),
    }
}

/// `GET facebook-graph/{ver}/me`: the user (or, with a Page token, the Page).
pub(crate) async fn me(
    State(sandbox): State<Sandbox>,
    Path(ver): Path<String>,
    Authorized { params, record, .. }: Authorized,
) -> GraphResult {
    check_version(&ver)?;
    let body = match &record.subject {
        Subject::FacebookUser { .. } => {
            let fields =
                select_fields(params.get("fields"), &["id", "name"], &USER_FIELDS, "User")?;
            let mut out = Map::new();
            for f in fields {
                let v = match f.as_str() {
                    "id" => FACEBOOK_USER.id,
                    "name" => FACEBOOK_USER.name,
                    "first_name" => FACEBOOK_USER.first_name,
                    _ => FACEBOOK_USER.last_name,
                };
                out.insert(f, v.into());
            }
            out
        }
        Subject::FacebookPage { page_id, .. } => {
            let fields =
                select_fields(params.get("fields"), &["id", "name"], &PAGE_FIELDS, "Page")?;
            page_object(&sandbox, page_id, &fields, None)?
        }
        Subject::Instagram { .. } => return Err(GraphError::invalid_token()),
    };
    Ok(Json(Value::Object(body)).into_response())
}

/// `GET facebook-graph/{ver}/me/permissions`: granted and declined permissions, with
/// `public_profile` always granted as on Meta.
pub(crate) async fn permissions(
    Path(ver): Path<String>,
    Authorized { record, .. }: Authorized,
) -> GraphResult {
    check_version(&ver)?;
    let consent = facebook_consent(&record.subject)?;
    let mut data = Vec::new();
    if !consent.granted.iter().any(|s| s == "public_profile") {
        data.push(json!({"permission": "public_profile", "status": "granted"}));
    }
    for p in &consent.granted {
        data.push(json!({"permission": p, "status": "granted"}));
    }
    for p in &consent.declined {
        data.push(json!({"permission": p, "status": "declined"}));
    }
    Ok(Json(json!({ "data": data })).into_response())
}

fn facebook_consent(subject: &Subject) -> Result<&FacebookConsent, GraphError> {
    match subject {
        Subject::FacebookUser { consent, .. } | Subject::FacebookPage { consent, .. } => {
            Ok(consent)
        }
        Subject::Instagram { .. } => Err(GraphError::invalid_token()),
    }
}

/// `GET facebook-graph/{ver}/me/accounts`: the granted Pages in catalogue order, `limit`
/// (default 25, at most 100) per answer, `after` a cursor from the previous answer, and an
/// absolute `paging.next` only when more Pages follow. Without `pages_show_list` granted the
/// list is empty.
pub(crate) async fn accounts(
    State(sandbox): State<Sandbox>,
    Path(ver): Path<String>,
    Authorized {
        params,
        token,
        record,
    }: Authorized,
) -> GraphResult {
    check_version(&ver)?;
    let consent = match &record.subject {
        Subject::FacebookUser { consent, .. } => consent,
        Subject::FacebookPage { .. } => {
            return Err(GraphError::nonexisting_field("accounts", "Page"));
        }
        Subject::Instagram { .. } => return Err(GraphError::invalid_token()),
    };
    let fields = select_fields(
        params.get("fields"),
        &PAGE_DEFAULT_FIELDS,
        &PAGE_FIELDS,
        "Page",
    )?;
    let granted: Vec<&str> = if consent.granted.iter().any(|s| s == "pages_show_list") {
        PAGES
            .iter()
            .filter(|p| consent.pages.iter().any(|g| g == p.id))
            .map(|p| p.id)
            .collect()
    } else {
        Vec::new()
    };
    let limit = params
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .map_or(DEFAULT_LIMIT, |l| l.clamp(1, MAX_LIMIT));
    let start = match params.get("after") {
        None => 0,
        Some(cursor) => decode_cursor(cursor)
            .and_then(|id| granted.iter().position(|g| *g == id))
            .map(|i| i + 1)
            .ok_or_else(|| GraphError::unsupported("after"))?,
    };
    let rows: Vec<&str> = granted.iter().skip(start).take(limit).copied().collect();
    let mut data = Vec::new();
    for id in &rows {
        data.push(Value::Object(page_object(
            &sandbox,
            id,
            &fields,
            Some(token.as_str()),
        )?));
    }
    let mut body = json!({ "data": data });
    if let (Some(first), Some(last), Some(obj)) = (rows.first(), rows.last(), body.as_object_mut())
    {
        let mut paging = json!({
            "cursors": { "before": URL_SAFE_NO_PAD.encode(first), "after": URL_SAFE_NO_PAD.encode(last) }
        });
        if start + rows.len() < granted.len() {
            let mut next = sandbox.url(&format!("facebook-graph/{ver}/me/accounts"));
            next.query_pairs_mut()
                .append_pair("access_token", &token)
                .append_pair("fields", &fields.join(","))
                .append_pair("limit", &limit.to_string())
                .append_pair("after", &URL_SAFE_NO_PAD.encode(last));
            if let Some(p) = paging.as_object_mut() {
                p.insert("next".into(), next.as_str().into());
            }
        }
        obj.insert("paging".into(), paging);
    }
    Ok(no_store(Json(body).into_response()))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok()
}

/// A Page node with the requested fields; `access_token` (a Page token) only for a user
/// token's listing.
fn page_object(
    sandbox: &Sandbox,
    id: &str,
    fields: &[String],
    user_token: Option<&str>,
) -> Result<Map<String, Value>, GraphError> {
    let p = page(id).ok_or_else(|| GraphError::no_such_object(id))?;
    let mut out = Map::new();
    for f in fields {
        let v = match f.as_str() {
            "id" => p.id.into(),
            "name" => p.name.into(),
            "category" => p.category.into(),
            "tasks" => json!([
                "ANALYZE",
                "ADVERTISE",
                "MODERATE",
                "CREATE_CONTENT",
                "MANAGE"
            ]),
            "instagram_business_account" => match p.instagram_account {
                Some(ig) => json!({ "id": ig }),
                None => continue,
            },
            "access_token" => match user_token {
                Some(t) => sandbox
                    .state()
                    .page_token(t, p.id)
                    .map_err(|_| GraphError::invalid_token())?
                    .into(),
                None => continue,
            },
            _ => continue,
        };
        out.insert(f.clone(), v);
    }
    Ok(out)
}

/// `GET facebook-graph/{ver}/{node}`: an Instagram professional account linked to a granted
/// Page (needs `instagram_basic`), or a granted Page. Only the requested fields, `id` always.
pub(crate) async fn node(
    State(sandbox): State<Sandbox>,
    Path((ver, node)): Path<(String, String)>,
    Authorized { params, record, .. }: Authorized,
) -> GraphResult {
    check_version(&ver)?;
    let consent = facebook_consent(&record.subject)?;
    let visible_pages: Vec<&str> = match &record.subject {
        Subject::FacebookPage { page_id, .. } => vec![page_id.as_str()],
        _ => consent.pages.iter().map(String::as_str).collect(),
    };
    if visible_pages.contains(&node.as_str()) {
        let fields = select_fields(params.get("fields"), &["id", "name"], &PAGE_FIELDS, "Page")?;
        let fields: Vec<String> = fields.into_iter().filter(|f| f != "access_token").collect();
        return Ok(
            Json(Value::Object(page_object(&sandbox, &node, &fields, None)?)).into_response(),
        );
    }
    let linked = visible_pages
        .iter()
        .filter_map(|p| page(p).and_then(|p| p.instagram_account))
        .any(|ig| ig == node);
    let account = page_instagram_account(&node)
        .filter(|_| linked)
        .ok_or_else(|| GraphError::no_such_object(&node))?;
    if !consent.granted.iter().any(|s| s == "instagram_basic") {
        return Err(GraphError::permission_missing());
    }
    let fields = select_fields(params.get("fields"), &["id"], &IG_USER_FIELDS, "IGUser")?;
    let mut out = Map::new();
    for f in fields {
        let v: Value = match f.as_str() {
            "id" => account.id.into(),
            "username" => account.username.into(),
            "name" => account.name.into(),
            "biography" => account.biography.into(),
            "website" => account.website.into(),
            "profile_picture_url" => account.profile_picture_url.into(),
            "followers_count" => account.followers_count.into(),
            "follows_count" => account.follows_count.into(),
            _ => account.media_count.into(),
        };
        out.insert(f, v);
    }
    Ok(Json(Value::Object(out)).into_response())
}
