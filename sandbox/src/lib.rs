//! The Meta sandbox: a stand-in for Meta's OAuth dialogs, the Graph endpoints the connect
//! flow uses and Instagram content publishing, for both login paths, served over HTTP so
//! that igconnect's real [`GraphClient`](igconnect::adapters::graph::GraphClient) talks to
//! it exactly as it talks to Meta. `igconnect serve` mounts it under `/sandbox` when no Meta app is configured, and
//! `igconnect sandbox` serves it alone. docs/sandbox.md documents every endpoint, the
//! catalogue of accounts and where the sandbox differs from Meta.
//!
//! It runs in the same process as the server whose logs tests scan for leaked secrets, so
//! nothing here logs at all: no token, code or secret can reach a log line from this crate.

mod calls;
pub mod catalogue;
mod dialog;
mod engagement;
mod errors;
mod facebook;
mod html;
mod injection;
mod instagram;
mod latency;
mod params;
mod publishing;
mod routes;
mod state;
mod upkeep;

pub use injection::InjectedFault;
pub use publishing::MediaFetching;

use aes_gcm::aead::{OsRng, rand_core::RngCore};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use igconnect::config::{MetaApp, MetaConfig, base_url, join};
use secrecy::{ExposeSecret, SecretString};
use state::Inner;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use url::Url;

/// The two Meta apps the sandbox plays: requests naming another client id, or presenting
/// another secret, are refused as Meta would refuse them.
#[derive(Debug, Clone)]
pub struct SandboxApps {
    /// The Facebook Login app.
    pub facebook: MetaApp,
    /// The Instagram Login app.
    pub instagram: MetaApp,
}

impl SandboxApps {
    /// Documented dev credentials: app ids "sandbox-facebook-app" / "sandbox-instagram-app",
    /// secrets "sandbox-facebook-secret" / "sandbox-instagram-secret". They open nothing but
    /// the sandbox, so they may be public.
    pub fn dev_defaults() -> Self {
        let app = |id: &str, secret: &str| MetaApp {
            app_id: id.to_owned(),
            app_secret: SecretString::from(secret.to_owned()),
        };
        Self {
            facebook: app("sandbox-facebook-app", "sandbox-facebook-secret"),
            instagram: app("sandbox-instagram-app", "sandbox-instagram-secret"),
        }
    }
}

/// How the sandbox behaves beyond Meta's rules: the knobs benchmarks and tests turn. Build
/// one with struct update syntax so new knobs keep their defaults:
/// `SandboxOptions { latency: Duration::from_millis(50), ..SandboxOptions::default() }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOptions {
    /// Added before every Graph and API answer (`facebook-graph/`, `instagram-graph/`,
    /// `instagram-api/`), never to the consent pages or `_inspect/`: lets a benchmark pay
    /// what a call to Meta costs. Default zero.
    pub latency: Duration,
    /// Publishes each Instagram account may make in 24 hours (`content_publishing_limit`'s
    /// `quota_total`). Default 100, Meta's documented limit.
    pub publishing_quota: u32,
    /// How many status reads a video container answers `IN_PROGRESS` before it is
    /// `FINISHED`. Default 3.
    pub video_processing_polls: u32,
    /// Every catalogue account starts with posts made before igconnect was connected (an
    /// image, a carousel, a Reel and a story, with comments), listed by
    /// `GET /{ig-user-id}/media` after whatever is published through the sandbox. Default
    /// false, so a fresh account lists only what a test published.
    pub seeded_media: bool,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            publishing_quota: 100,
            video_processing_polls: 3,
            seeded_media: false,
        }
    }
}

/// The sandbox: its apps, where it is reachable, and its in-memory state. Cheap to clone
/// (an `Arc`), so the router and its owner share one state.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

struct Shared {
    apps: SandboxApps,
    public_base: Url,
    options: SandboxOptions,
    state: Mutex<Inner>,
    /// Containers and media, apart from the login state: never locked together with it.
    publishing: Mutex<publishing::Store>,
    /// Downloads containers' media (no lock is held while it does).
    fetcher: publishing::Fetcher,
    /// What was asked of Meta's API hosts (`_inspect/calls`); never locked with the others.
    calls: Mutex<Vec<calls::Call>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("public_base", &self.shared.public_base.as_str())
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// `public_base` is the absolute URL the router is reachable at, ending in '/', e.g.
    /// http://127.0.0.1:8080/sandbox/ (used to build absolute paging.next URLs and form
    /// actions). A base without the trailing '/' gets one.
    pub fn new(apps: SandboxApps, public_base: Url) -> Self {
        Self::with_options(apps, public_base, SandboxOptions::default())
    }

    /// [`Sandbox::new`] with other [`SandboxOptions`] (latency, publishing quota, video
    /// processing time).
    pub fn with_options(apps: SandboxApps, public_base: Url, options: SandboxOptions) -> Self {
        Self::with_fetching(apps, public_base, options, MediaFetching::default())
    }

    /// [`Sandbox::with_options`], downloading containers' media as `fetching` says (which
    /// hosts, how long to wait); docs/sandbox.md, "Media fetching".
    pub fn with_fetching(
        apps: SandboxApps,
        public_base: Url,
        options: SandboxOptions,
        fetching: MediaFetching,
    ) -> Self {
        let public_base = base_url(public_base.as_str()).unwrap_or(public_base);
        let mut store = publishing::Store::default();
        if options.seeded_media {
            store.seed(engagement::seeded_media(Utc::now()));
        }
        Self {
            shared: Arc::new(Shared {
                apps,
                public_base,
                options,
                state: Mutex::new(Inner::default()),
                publishing: Mutex::new(store),
                fetcher: publishing::Fetcher::new(&fetching),
                calls: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The options the sandbox was built with.
    pub fn options(&self) -> &SandboxOptions {
        &self.shared.options
    }

    /// The sandbox's routes, relative to `public_base` (the caller nests it under
    /// `/sandbox` or serves it at `/`). See docs/sandbox.md for each endpoint.
    pub fn router(&self) -> Router {
        routes::router(self)
    }

    /// Moves the sandbox's clock forward, so tests can see codes and tokens expire and
    /// Instagram tokens become old enough to refresh without waiting a day. Only the
    /// sandbox's notion of time moves.
    pub fn advance_clock(&self, by: TimeDelta) {
        self.state().advance_clock(by);
    }

    /// Makes the next `count` Graph calls made with a token of Instagram account
    /// `ig_user_id` fail with `fault` (0 clears; a new fault replaces the armed one). What
    /// `POST _inspect/faults` does; docs/sandbox.md lists the calls it reaches.
    pub fn inject_fault(&self, ig_user_id: &str, fault: InjectedFault, count: u32) {
        self.state().arm_fault(ig_user_id, fault, count);
    }

    /// Every token of Instagram account `ig_user_id` issued so far stops working for good
    /// (190/460), as when its owner changes their password. What `POST _inspect/revoke`
    /// does.
    pub fn revoke_instagram_account(&self, ig_user_id: &str) {
        self.state().revoke_account(ig_user_id);
    }

    /// Every access token the sandbox ever issued, oldest first: what tests search logs,
    /// responses and databases for.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state().issued_tokens().to_vec()
    }

    /// The call log, even after a panic elsewhere poisoned the lock (pushes are whole).
    fn call_log(&self) -> MutexGuard<'_, Vec<calls::Call>> {
        self.shared
            .calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn log_call(&self, call: calls::Call) {
        self.call_log().push(call);
    }

    fn calls(&self) -> Vec<calls::Call> {
        self.call_log().clone()
    }

    fn forget_calls(&self) {
        self.call_log().clear();
    }

    /// The state, even after a panic elsewhere poisoned the lock: every update is a single
    /// map operation, so the data stays consistent.
    fn state(&self) -> MutexGuard<'_, Inner> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn apps(&self) -> &SandboxApps {
        &self.shared.apps
    }

    /// The sandbox's clock (wall time plus what tests advanced it by).
    fn now(&self) -> DateTime<Utc> {
        self.state().now()
    }

    fn fetcher(&self) -> &publishing::Fetcher {
        &self.shared.fetcher
    }

    /// Containers and media. Never taken while [`Sandbox::state`] is held, nor the reverse.
    fn publishing(&self) -> MutexGuard<'_, publishing::Store> {
        self.shared
            .publishing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The live token named by `token`, for one Graph call: Graph's 104 when absent, else
    /// the error of [`Sandbox::refused`] (unknown, expired, revoked, or a fault armed for
    /// one of its accounts).
    fn live_token(&self, token: Option<&str>) -> Result<state::TokenRecord, errors::GraphError> {
        let token = token.ok_or_else(errors::GraphError::missing_token)?;
        let used = self.state().use_token(token);
        used.map_err(|refusal| self.refused(refusal))
    }

    /// Meta's error for a refused token: 190/467 unknown, 190/463 expired, 190/460 revoked
    /// with its account, 190/458 removed by its user, or the injected fault's error.
    fn refused(&self, refusal: state::TokenRefusal) -> errors::GraphError {
        use errors::GraphError;
        match refusal {
            state::TokenRefusal::Unknown => GraphError::invalid_token(),
            state::TokenRefusal::Expired => GraphError::expired_token(),
            state::TokenRefusal::Invalidated => GraphError::invalidated_token(),
            state::TokenRefusal::Deauthorized => {
                GraphError::deauthorized_token(&self.apps().facebook.app_id)
            }
            state::TokenRefusal::Fault { fault, account } => fault.error(&account),
        }
    }

    /// An absolute URL under the sandbox (form actions, paging links).
    fn url(&self, path: &str) -> Url {
        join(&self.shared.public_base, path)
    }
}

/// A MetaConfig whose base URLs all point into the sandbox mounted at `public_base`, with the
/// sandbox apps as credentials.
pub fn meta_config(
    public_base: &Url,
    graph_version: &str,
    redirect_uri: Url,
    apps: &SandboxApps,
) -> MetaConfig {
    let base = base_url(public_base.as_str()).unwrap_or_else(|_| public_base.clone());
    MetaConfig {
        facebook_app: Some(apps.facebook.clone()),
        instagram_app: Some(apps.instagram.clone()),
        graph_version: graph_version.to_owned(),
        redirect_uri,
        facebook_dialog_url: join(&base, "facebook-www/"),
        facebook_graph_url: join(&base, "facebook-graph/"),
        instagram_auth_url: join(&base, "instagram-www/"),
        instagram_api_url: join(&base, "instagram-api/"),
        instagram_graph_url: join(&base, "instagram-graph/"),
        facebook_upload_url: join(&base, "rupload/"),
        optional_features: igconnect::domain::Feature::ALL.to_vec(),
    }
}

/// The fields a Graph read answers: the requested ones (or `default`), `id` always first,
/// and Meta's error for a field the node type does not have.
fn select_fields(
    requested: Option<&str>,
    default: &[&str],
    allowed: &[&str],
    node_type: &str,
) -> Result<Vec<String>, errors::GraphError> {
    let mut fields = params::list(requested);
    if fields.is_empty() {
        fields = default.iter().map(|f| (*f).to_owned()).collect();
    }
    if let Some(bad) = fields.iter().find(|f| !allowed.contains(&f.as_str())) {
        return Err(errors::GraphError::nonexisting_field(bad, node_type));
    }
    fields.retain(|f| f != "id");
    fields.insert(0, "id".to_owned());
    Ok(fields)
}

/// `n` random bytes as URL-safe text (no padding): ids, codes and tokens.
pub(crate) fn random_text(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `presented` is `app`'s secret. Compared in constant time (a stand-in should not
/// teach timing leaks).
fn secret_matches(app: &MetaApp, presented: &str) -> bool {
    let expected = app.app_secret.expose_secret().as_bytes();
    let presented = presented.as_bytes();
    expected.len() == presented.len()
        && expected
            .iter()
            .zip(presented)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// `GET _inspect/tokens`: every token (and code) the sandbox ever issued, so black-box tests
/// can prove none of them leaked into a log, a response or a database. Sandbox only.
async fn inspect_tokens(State(sandbox): State<Sandbox>) -> Response {
    let state = sandbox.state();
    let body = serde_json::json!({
        "tokens": state.issued_tokens(),
        "codes": state.issued_codes(),
    });
    errors::no_store(axum::Json(body).into_response())
}

/// `GET _inspect/media`: every post published through the sandbox, oldest first, whoever
/// owns it, so black-box tests can count what reached "Instagram" without a token.
/// Carousel items are not listed apart; their album says how many it holds. Sandbox only.
async fn inspect_media(State(sandbox): State<Sandbox>) -> Response {
    let store = sandbox.publishing();
    let owners = catalogue::PAGE_INSTAGRAM_ACCOUNTS
        .iter()
        .chain(catalogue::INSTAGRAM_LOGIN_ACCOUNTS.iter())
        .map(|a| a.id);
    let mut media: Vec<_> = owners
        .flat_map(|o| store.posts_of(o))
        .filter(|m| !m.seeded)
        .collect();
    // Media ids count up with equal lengths: their order is the order of publishing.
    media.sort_by(|a, b| a.id.cmp(&b.id));
    let data: Vec<serde_json::Value> = media
        .iter()
        .map(|m| {
            let reel = m.kind.product_type() == "REELS";
            serde_json::json!({
                "id": m.id,
                "owner": m.owner,
                "caption": m.caption,
                "media_type": m.kind.media_type(),
                "media_product_type": m.kind.product_type(),
                "is_shared_to_feed": reel.then_some(m.share_to_feed),
                "children": m.children.len(),
            })
        })
        .collect();
    axum::Json(serde_json::json!({ "data": data })).into_response()
}

/// `POST _inspect/clock?advance_seconds=N`: moves the sandbox's clock forward by N seconds
/// (0 to 400 days) and answers the sandbox's new time. Sandbox only.
async fn advance_clock_route(State(sandbox): State<Sandbox>, RawQuery(q): RawQuery) -> Response {
    let params = params::Params::parse(q.as_deref());
    let seconds = params
        .get("advance_seconds")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| (0..=400 * 86_400).contains(s));
    let Some(seconds) = seconds else {
        return errors::GraphError::missing_parameter("advance_seconds").into_response();
    };
    let mut state = sandbox.state();
    state.advance_clock(TimeDelta::seconds(seconds));
    let now = state.now().to_rfc3339();
    axum::Json(serde_json::json!({ "now": now })).into_response()
}

async fn not_found() -> Response {
    errors::GraphError::unknown_path().into_response()
}

/// Graph versions look like `v24.0`.
/// Graph's answer to a path with a malformed version segment.
fn check_version(ver: &str) -> Result<(), errors::GraphError> {
    if valid_version(ver) {
        Ok(())
    } else {
        Err(errors::GraphError::unknown_path())
    }
}

fn valid_version(ver: &str) -> bool {
    ver.strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.chars().all(|c| c.is_ascii_digit())
                && minor.chars().all(|c| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_config_points_every_base_into_the_sandbox() {
        let base = Url::parse("http://127.0.0.1:8080/sandbox/").unwrap();
        let redirect = Url::parse("http://127.0.0.1:8080/v1/oauth/callback").unwrap();
        let cfg = meta_config(&base, "v24.0", redirect, &SandboxApps::dev_defaults());
        assert_eq!(
            cfg.facebook_graph_url.as_str(),
            "http://127.0.0.1:8080/sandbox/facebook-graph/"
        );
        assert_eq!(
            cfg.instagram_api_url.as_str(),
            "http://127.0.0.1:8080/sandbox/instagram-api/"
        );
        assert_eq!(
            cfg.facebook_app.map(|a| a.app_id).as_deref(),
            Some("sandbox-facebook-app")
        );
    }

    #[test]
    fn a_base_without_its_trailing_slash_still_joins_under_it() {
        let base = Url::parse("http://127.0.0.1:8080/sandbox").unwrap();
        let s = Sandbox::new(SandboxApps::dev_defaults(), base);
        assert_eq!(
            s.url("instagram-www/x").as_str(),
            "http://127.0.0.1:8080/sandbox/instagram-www/x"
        );
    }

    #[test]
    fn secrets_compare_exactly() {
        let apps = SandboxApps::dev_defaults();
        assert!(secret_matches(&apps.facebook, "sandbox-facebook-secret"));
        assert!(!secret_matches(&apps.facebook, "sandbox-facebook-secreT"));
        assert!(!secret_matches(&apps.facebook, ""));
    }

    #[test]
    fn versions_look_like_v_major_dot_minor() {
        assert!(valid_version("v24.0"));
        assert!(!valid_version("24.0"));
        assert!(!valid_version("v24"));
        assert!(!valid_version("v.1"));
    }
}
