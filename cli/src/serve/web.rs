//! The Integrations page (`web/app/`) on `serve`'s own origin, its `config.json`, and the
//! development sign-in that lets a person try the sandbox without an identity provider.
//!
//! The page is plain ES modules: the files are served as they are in the repository, the
//! same files a deployment copies to a static host. Release builds embed them, so the one
//! binary is the whole local stack; debug builds read them from disk on every request, so
//! an edit shows on reload.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{TimeDelta, Utc};
use igconnect::config::JwtConfig;
use igconnect::domain::{Role, TenantId, UserId};
use igconnect::http::{Problem, mint_token};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(rust_embed::Embed)]
#[folder = "../web/app/"]
struct Assets;

/// How long a development sign-in lasts: a working day, so a person trying the page is not
/// signed out half-way through.
const DEV_TOKEN_TTL: TimeDelta = TimeDelta::hours(8);

/// What the page's development sign-in signs tokens with: the same secret and claim names
/// as `igconnect token`, so its tokens are the ones the API verifies.
#[derive(Clone)]
pub struct DevSignIn {
    pub secret: SecretString,
    pub jwt: JwtConfig,
}

/// The page's routes: one per file of `web/app/` (`/` is `index.html`), `GET /config.json`,
/// and `POST /dev/token` when `dev` is given. Any other path falls through to the API's
/// problem+json 404.
pub fn routes(dev: Option<DevSignIn>) -> Router {
    let mut router = Router::new().route("/", get(|| asset("index.html")));
    for path in Assets::iter() {
        let path = path.into_owned();
        let route = format!("/{path}");
        router = router.route(&route, get(move || asset_owned(path)));
    }
    let mode = if dev.is_some() { "dev" } else { "none" };
    router = router.route(
        "/config.json",
        get(move || async move {
            // Same origin: the page calls the API it was served by.
            no_store(Json(json!({"api_base": "", "auth": {"mode": mode}})).into_response())
        }),
    );
    if let Some(dev) = dev {
        router = router.route("/dev/token", post(dev_token).with_state(Arc::new(dev)));
    }
    router
}

async fn asset_owned(path: String) -> Response {
    asset(&path).await
}

async fn asset(path: &str) -> Response {
    let Some(file) = Assets::get(path) else {
        return Problem::not_found().into_response();
    };
    let mut res = (StatusCode::OK, file.data.into_owned()).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime(path)));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Revalidate on every load: a rebuilt binary or an edited file shows at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if path.ends_with(".html") {
        // Scripts and connections to this origin only; pictures from Meta's CDN (https).
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; \
                 object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'",
            ),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    res
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevTokenRequest {
    tenant: String,
    user: String,
    role: String,
}

/// `POST /dev/token`: a JWT for any tenant, user and role, like `igconnect token`. Only
/// mounted where `serve` trusts whoever can reach it (loopback by default).
async fn dev_token(
    State(dev): State<Arc<DevSignIn>>,
    body: Result<Json<DevTokenRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return Problem::invalid_request(
            "expected JSON {\"tenant\": ..., \"user\": ..., \"role\": \"owner\"|\"admin\"|\"member\"}",
        )
        .into_response();
    };
    let tenant = match TenantId::parse(req.tenant.trim().to_owned()) {
        Ok(t) => t,
        Err(e) => return Problem::invalid_request(format!("tenant: {e}")).into_response(),
    };
    let user = match UserId::parse(req.user.trim().to_owned()) {
        Ok(u) => u,
        Err(e) => return Problem::invalid_request(format!("user: {e}")).into_response(),
    };
    let Some(role) = Role::parse(req.role.trim()) else {
        return Problem::invalid_request("role: must be owner, admin or member").into_response();
    };
    match mint_token(&dev.secret, &dev.jwt, &tenant, &user, role, DEV_TOKEN_TTL) {
        Ok(token) => no_store(
            Json(json!({
                "token": token,
                "expires_at": Utc::now() + DEV_TOKEN_TTL,
                "tenant": tenant.to_string(),
                "user": user.to_string(),
                "role": req.role.trim(),
            }))
            .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "dev sign-in could not sign a token");
            Problem::internal().into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_page_has_a_content_type() {
        let files: Vec<_> = Assets::iter().collect();
        assert!(files.iter().any(|f| f == "index.html"), "{files:?}");
        for f in files {
            assert_ne!(mime(&f), "application/octet-stream", "{f}");
        }
    }
}
