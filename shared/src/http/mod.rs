//! HTTP: request -> use case -> response, shared by the Lambda functions and `igconnect
//! serve`. Each function mounts only its own routes (with a state holding only the ports
//! it needs); `serve` merges them all. Only the [`Authenticator`] differs between runtimes.

mod accounts;
mod auth;
mod connect;
mod engagement;
mod extract;
mod media;
mod meta;
mod posts;
mod problem;
mod share;
mod trace;

pub use auth::{Authenticator, JwtVerifier, mint_token};
pub use media::MediaView;
pub use meta::MetaCallbacks;
pub use problem::{ApiResult, Problem};

use crate::domain::MetricCatalog;
use crate::ports::{
    AccessWriter, AccountHealth, AccountReader, AccountRemoval, AccountWriter, AuditLog, Clock,
    DeletionRequests, Meta, OAuthStates, PostStore, Publisher, Sealer, TokenReader,
};
use crate::ports::{EngagementGraph, InsightSnapshots, RefreshQueue, TokenUpkeep, UpkeepGraph};
use crate::ports::{MediaFiles, MediaStore};
use crate::service::InsightCache;
use crate::service::PassPolicy;
use crate::service::{ConnectPolicy, MediaPolicy, PublishPolicy};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::Method;
use axum::routing::get;
use std::sync::Arc;

/// Every route igconnect serves, in OpenAPI's spelling; `openapi.yaml` is checked against it.
pub const ROUTES: &[(Method, &str)] = &[
    (Method::GET, "/v1/health"),
    (Method::POST, "/v1/connections/instagram/initiate"),
    (Method::GET, "/v1/oauth/callback"),
    (Method::GET, "/v1/accounts"),
    (Method::GET, "/v1/accounts/{id}"),
    (Method::PATCH, "/v1/accounts/{id}"),
    (Method::GET, "/v1/accounts/{id}/grants"),
    (Method::PUT, "/v1/accounts/{id}/grants/{user_id}"),
    (Method::DELETE, "/v1/accounts/{id}/grants/{user_id}"),
    (Method::GET, "/v1/audit"),
    (Method::POST, "/v1/accounts/{id}/posts"),
    (Method::GET, "/v1/accounts/{id}/posts"),
    (Method::GET, "/v1/accounts/{id}/posts/{post_id}"),
    (Method::DELETE, "/v1/accounts/{id}/posts/{post_id}"),
    (Method::POST, "/v1/media"),
    (Method::GET, "/v1/media/{media_id}"),
    (Method::POST, "/v1/meta/deauthorize"),
    (Method::POST, "/v1/meta/data-deletion"),
    (Method::GET, "/v1/meta/data-deletion/{code}"),
    (Method::GET, "/v1/meta/webhooks"),
    (Method::POST, "/v1/meta/webhooks"),
    (Method::DELETE, "/v1/accounts/{id}"),
    (Method::POST, "/v1/accounts/{id}/sync"),
    (Method::GET, "/v1/accounts/{id}/insights"),
    (Method::GET, "/v1/accounts/{id}/media"),
    (Method::GET, "/v1/accounts/{id}/media/{media_id}/insights"),
    (Method::GET, "/v1/accounts/{id}/posts/{post_id}/insights"),
    (Method::GET, "/v1/accounts/{id}/media/{media_id}/comments"),
    (
        Method::POST,
        "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}/replies",
    ),
    (
        Method::POST,
        "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}/hide",
    ),
    (
        Method::POST,
        "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}/unhide",
    ),
    (
        Method::DELETE,
        "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}",
    ),
];

/// What `initiate` needs: no account storage, no Sealer.
#[derive(Clone)]
pub struct InitiateState {
    pub auth: Arc<Authenticator>,
    pub states: Arc<dyn OAuthStates>,
    pub meta: Arc<dyn Meta>,
    pub clock: Arc<dyn Clock>,
    pub policy: ConnectPolicy,
}

/// What `callback` needs: it is the only route that seals tokens.
#[derive(Clone)]
pub struct CallbackState {
    pub states: Arc<dyn OAuthStates>,
    pub accounts: Arc<dyn AccountWriter>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn Meta>,
    pub clock: Arc<dyn Clock>,
}

/// What the account listing needs: the reader of accounts (with their grants), nothing that
/// touches tokens.
#[derive(Clone)]
pub struct AccountsState {
    pub auth: Arc<Authenticator>,
    pub accounts: Arc<dyn AccountReader>,
}

/// What sharing needs: it changes grants, ownership and member access (with their audit
/// entries) and reads the audit trail, and never touches a token.
#[derive(Clone)]
pub struct ShareState {
    pub auth: Arc<Authenticator>,
    pub accounts: Arc<dyn AccountReader>,
    pub writer: Arc<dyn AccessWriter>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    /// Disconnecting: deletes the account with its tokens (never reading them) and asks
    /// Meta to revoke a Facebook user's grant with the app's token.
    pub removal: Arc<dyn AccountRemoval>,
    pub revoke: Arc<dyn TokenUpkeep>,
}

/// What an on-demand sync needs: one account's token, unsealed to ask Meta about it, and
/// the write that stores what Meta said.
#[derive(Clone)]
pub struct SyncState {
    pub auth: Arc<Authenticator>,
    pub accounts: Arc<dyn AccountReader>,
    pub tokens: Arc<dyn TokenReader>,
    pub queue: Arc<dyn RefreshQueue>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn UpkeepGraph>,
    pub clock: Arc<dyn Clock>,
    pub policy: Arc<PassPolicy>,
}

impl FromRef<SyncState> for Arc<Authenticator> {
    fn from_ref(s: &SyncState) -> Self {
        Arc::clone(&s.auth)
    }
}

/// What publishing needs: the one request path besides `callback` that unseals tokens (one
/// account's, once per attempt), and that talks to Meta's publishing endpoints.
#[derive(Clone)]
pub struct PostsState {
    pub auth: Arc<Authenticator>,
    pub accounts: Arc<dyn AccountReader>,
    pub tokens: Arc<dyn TokenReader>,
    pub health: Arc<dyn AccountHealth>,
    pub posts: Arc<dyn PostStore>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn Publisher>,
    pub clock: Arc<dyn Clock>,
    pub policy: Arc<PublishPolicy>,
    /// Uploaded files: their records, and where the files are.
    pub media: Arc<dyn MediaStore>,
    pub files: Arc<dyn MediaFiles>,
    pub media_policy: Arc<MediaPolicy>,
}

/// What insights and comment moderation need: one account's token (unsealed per
/// request), Meta's insight and comment endpoints, the stored snapshots (read only), posts
/// (to find a post's media), the audit trail (moderation is recorded), and the account
/// health write (a token Meta refuses marks the account).
#[derive(Clone)]
pub struct EngagementState {
    pub auth: Arc<Authenticator>,
    pub accounts: Arc<dyn AccountReader>,
    pub tokens: Arc<dyn TokenReader>,
    pub health: Arc<dyn AccountHealth>,
    pub sealer: Arc<dyn Sealer>,
    pub meta: Arc<dyn EngagementGraph>,
    pub snapshots: Arc<dyn InsightSnapshots>,
    pub posts: Arc<dyn PostStore>,
    pub audit: Arc<dyn AuditLog>,
    pub clock: Arc<dyn Clock>,
    pub catalog: MetricCatalog,
    pub cache: Arc<InsightCache>,
}

impl FromRef<EngagementState> for Arc<Authenticator> {
    fn from_ref(s: &EngagementState) -> Self {
        Arc::clone(&s.auth)
    }
}

/// What Meta's callbacks need: revoking and deleting accounts (which destroys their tokens
/// without reading them: no token reader, no Sealer) and recording deletion requests. No
/// authenticator: Meta signs its calls, with the app secrets in `callbacks`.
#[derive(Clone)]
pub struct MetaState {
    pub removal: Arc<dyn AccountRemoval>,
    /// Where comment events from Meta's webhooks are recorded (and so announced).
    pub audit: Arc<dyn AuditLog>,
    pub deletions: Arc<dyn DeletionRequests>,
    pub clock: Arc<dyn Clock>,
    pub callbacks: Arc<MetaCallbacks>,
}

impl FromRef<PostsState> for Arc<Authenticator> {
    fn from_ref(s: &PostsState) -> Self {
        Arc::clone(&s.auth)
    }
}

impl FromRef<InitiateState> for Arc<Authenticator> {
    fn from_ref(s: &InitiateState) -> Self {
        Arc::clone(&s.auth)
    }
}

impl FromRef<AccountsState> for Arc<Authenticator> {
    fn from_ref(s: &AccountsState) -> Self {
        Arc::clone(&s.auth)
    }
}

impl FromRef<ShareState> for Arc<Authenticator> {
    fn from_ref(s: &ShareState) -> Self {
        Arc::clone(&s.auth)
    }
}

/// `POST /v1/connections/instagram/initiate`.
pub fn initiate_routes(state: InitiateState) -> Router {
    Router::new()
        .route(
            "/v1/connections/instagram/initiate",
            axum::routing::post(connect::initiate),
        )
        .with_state(state)
}

/// `GET /v1/oauth/callback`.
pub fn callback_routes(state: CallbackState) -> Router {
    Router::new()
        .route("/v1/oauth/callback", get(connect::callback))
        .with_state(state)
}

/// `GET /v1/accounts` and `GET /v1/accounts/{id}`.
pub fn accounts_routes(state: AccountsState) -> Router {
    Router::new()
        .route("/v1/accounts", get(accounts::list))
        .route("/v1/accounts/{id}", get(accounts::get))
        .with_state(state)
}

/// Grants, access changes and the audit trail: `GET`/`PUT`/`DELETE`
/// `/v1/accounts/{id}/grants[/{user_id}]`, `PATCH /v1/accounts/{id}`, `GET /v1/audit`.
pub fn share_routes(state: ShareState) -> Router {
    Router::new()
        .route(
            "/v1/accounts/{id}",
            axum::routing::patch(share::patch_account).delete(share::disconnect),
        )
        .route("/v1/accounts/{id}/grants", get(share::list_grants))
        .route(
            "/v1/accounts/{id}/grants/{user_id}",
            axum::routing::put(share::put_grant).delete(share::delete_grant),
        )
        .route("/v1/audit", get(share::audit))
        .with_state(state)
}

/// Publishing: `POST`/`GET /v1/accounts/{id}/posts`, `GET`/`DELETE
/// /v1/accounts/{id}/posts/{post_id}`, and the uploads posts name: `POST /v1/media`, `GET
/// /v1/media/{media_id}`.
pub fn posts_routes(state: PostsState) -> Router {
    Router::new()
        .route(
            "/v1/accounts/{id}/posts",
            get(posts::list).post(posts::create),
        )
        .route(
            "/v1/accounts/{id}/posts/{post_id}",
            get(posts::get).delete(posts::cancel),
        )
        .route("/v1/media", axum::routing::post(media::create))
        .route("/v1/media/{media_id}", get(media::get))
        .with_state(state)
}

/// Insights, media and comments (the `insights` function).
pub fn engagement_routes(state: EngagementState) -> Router {
    use axum::routing::{delete, post};
    Router::new()
        .route(
            "/v1/accounts/{id}/insights",
            get(engagement::account_insights),
        )
        .route("/v1/accounts/{id}/media", get(engagement::media))
        .route(
            "/v1/accounts/{id}/media/{media_id}/insights",
            get(engagement::media_insights),
        )
        .route(
            "/v1/accounts/{id}/posts/{post_id}/insights",
            get(engagement::post_insights),
        )
        .route(
            "/v1/accounts/{id}/media/{media_id}/comments",
            get(engagement::comments),
        )
        .route(
            "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}/replies",
            post(engagement::reply),
        )
        .route(
            "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}/hide",
            post(engagement::hide),
        )
        .route(
            "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}/unhide",
            post(engagement::unhide),
        )
        .route(
            "/v1/accounts/{id}/media/{media_id}/comments/{comment_id}",
            delete(engagement::delete_comment),
        )
        .with_state(state)
}

/// `POST /v1/accounts/{id}/sync`.
pub fn sync_routes(state: SyncState) -> Router {
    Router::new()
        .route(
            "/v1/accounts/{id}/sync",
            axum::routing::post(accounts::sync),
        )
        .with_state(state)
}

/// Meta's callbacks, public (Meta signs them): `POST /v1/meta/deauthorize`, `POST
/// /v1/meta/data-deletion`, `GET /v1/meta/data-deletion/{code}` (the status page the
/// confirmation code opens), `GET`/`POST /v1/meta/webhooks`.
pub fn meta_routes(state: MetaState) -> Router {
    Router::new()
        .route(
            "/v1/meta/deauthorize",
            axum::routing::post(meta::deauthorize),
        )
        .route(
            "/v1/meta/data-deletion",
            axum::routing::post(meta::data_deletion),
        )
        .route("/v1/meta/data-deletion/{code}", get(meta::deletion_status))
        .route(
            "/v1/meta/webhooks",
            get(meta::subscribe)
                .post(meta::event)
                // Meta batches webhook changes: a delivery may outgrow the 64 KiB that is
                // plenty for every other body. Still bounded: a body is read whole before
                // its signature can be checked, and a refused one is never parsed.
                .layer(DefaultBodyLimit::max(MAX_WEBHOOK_BODY)),
        )
        .with_state(state)
}

/// The largest webhook delivery accepted.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// `GET /v1/health`.
pub fn health_routes() -> Router {
    Router::new().route(
        "/v1/health",
        get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
    )
}

/// Wraps mounted routes with what every runtime shares: problem-details fallbacks, a body
/// limit, and a request span that never records query strings (they carry OAuth codes).
pub fn finish(router: Router) -> Router {
    router
        .fallback(|| async { Problem::not_found() })
        .method_not_allowed_fallback(|| async { Problem::method_not_allowed() })
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn(trace::request_span))
}

/// Everything: what `igconnect serve` mounts.
pub fn api_router(
    initiate: InitiateState,
    callback: CallbackState,
    accounts: AccountsState,
    share: ShareState,
    posts: PostsState,
) -> Router {
    health_routes()
        .merge(initiate_routes(initiate))
        .merge(callback_routes(callback))
        .merge(accounts_routes(accounts))
        .merge(share_routes(share))
        .merge(posts_routes(posts))
}
