//! The Graph/OAuth client for both login paths, over reqwest (rustls). Every base URL comes
//! from [`MetaConfig`], so the same client talks to Meta or to the sandbox.

mod engagement;
mod publishing;
mod upkeep;
mod usage;
mod wire;
mod wire_engagement;
mod wire_publishing;
mod wire_upkeep;

use crate::config::{MetaApp, MetaConfig, join};
use crate::domain::{IgUserId, Profile, StateToken};
use crate::ports::{
    FacebookGraph, FacebookPage, FacebookUser, InstagramCodeGrant, InstagramGraph, InstagramMe,
    IssuedToken, MetaError, PermissionGrant,
};
use async_trait::async_trait;
use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, RedirectUrl};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::time::Duration;
use url::Url;

const PROFILE_FIELDS_FACEBOOK: &str = "id,username,name,profile_picture_url,followers_count,follows_count,media_count,biography,website";
const PROFILE_FIELDS_INSTAGRAM: &str = "id,user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count";
/// Bounds how many `/me/accounts` pages are followed, in case paging never ends.
const MAX_PAGE_LISTINGS: usize = 50;

/// The client. Built once per process (Lambda init or `serve` start) and shared.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    cfg: MetaConfig,
}

impl GraphClient {
    /// A client for `cfg` with conservative timeouts: a login must not hang on Meta.
    pub fn new(cfg: MetaConfig) -> Result<Self, MetaError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("igconnect/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| MetaError::Transport(e.without_url().to_string()))?;
        Ok(Self { http, cfg })
    }

    fn fb_app(&self) -> Result<&MetaApp, MetaError> {
        self.cfg
            .facebook_app
            .as_ref()
            .ok_or(MetaError::NotConfigured("facebook"))
    }

    fn ig_app(&self) -> Result<&MetaApp, MetaError> {
        self.cfg
            .instagram_app
            .as_ref()
            .ok_or(MetaError::NotConfigured("instagram"))
    }

    fn fb_graph(&self, path: &str) -> Url {
        join(
            &self.cfg.facebook_graph_url,
            &format!("{}/{}", self.cfg.graph_version, path),
        )
    }

    fn authorization_url(
        &self,
        app: &MetaApp,
        auth_url: Url,
        scopes: &[&str],
        state: &StateToken,
    ) -> Result<Url, MetaError> {
        let client = BasicClient::new(ClientId::new(app.app_id.clone()))
            .set_auth_uri(AuthUrl::from_url(auth_url))
            .set_redirect_uri(RedirectUrl::from_url(self.cfg.redirect_uri.clone()));
        let state = state.expose().to_owned();
        // Meta documents comma separated scopes; oauth2's `add_scope` joins with spaces.
        let (url, _) = client
            .authorize_url(move || CsrfToken::new(state))
            .add_extra_param("scope", scopes.join(","))
            .url();
        Ok(url)
    }
}

/// Sends a request and reads Meta's answer: `T` on success, Meta's error envelope mapped to
/// [`MetaError::Api`] otherwise. Errors never carry the URL or the body, which hold tokens.
async fn call<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, MetaError> {
    let res = req
        .send()
        .await
        .map_err(|e| MetaError::Transport(e.without_url().to_string()))?;
    let status = res.status();
    let usage = usage::UsageHeaders::of(res.headers());
    let body = res
        .bytes()
        .await
        .map_err(|e| MetaError::Transport(e.without_url().to_string()))?;
    if !status.is_success() {
        return Err(api_error(status.as_u16(), &body, &usage));
    }
    serde_json::from_slice(&body).map_err(|e| {
        MetaError::Decode(format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

/// Meta's error envelope (either shape) as [`MetaError::Api`]; a throttling error also gets
/// the back-off Meta's usage headers estimate.
fn api_error(status: u16, body: &[u8], usage: &usage::UsageHeaders) -> MetaError {
    let mut error = if let Ok(env) = serde_json::from_slice::<wire::GraphErrorEnvelope>(body) {
        MetaError::Api {
            status,
            code: env.error.code,
            subcode: env.error.error_subcode,
            kind: env.error.kind,
            message: env.error.message,
            fbtrace_id: env.error.fbtrace_id,
            retry_after_secs: None,
        }
    } else if let Ok(e) = serde_json::from_slice::<wire::InstagramApiError>(body) {
        MetaError::Api {
            status,
            code: e.code,
            subcode: None,
            kind: Some(e.error_type),
            message: e.error_message,
            fbtrace_id: None,
            retry_after_secs: None,
        }
    } else {
        return MetaError::Transport(format!("HTTP {status} without Meta's error envelope"));
    };
    if error.is_rate_limited()
        && let MetaError::Api {
            retry_after_secs, ..
        } = &mut error
    {
        *retry_after_secs = usage.retry_after_secs();
    }
    error
}

fn ig_user_id(raw: String) -> Result<IgUserId, MetaError> {
    IgUserId::parse(raw).map_err(|e| MetaError::Decode(e.to_string()))
}

fn issued(t: wire::TokenResponse) -> IssuedToken {
    IssuedToken {
        token: SecretString::from(t.access_token),
        expires_in: t.expires_in,
    }
}

#[async_trait]
impl FacebookGraph for GraphClient {
    fn facebook_authorization_url(&self, state: &StateToken) -> Result<Url, MetaError> {
        let url = join(
            &self.cfg.facebook_dialog_url,
            &format!("{}/dialog/oauth", self.cfg.graph_version),
        );
        let scopes =
            crate::domain::LoginPath::Facebook.requested_scopes(&self.cfg.optional_features);
        self.authorization_url(self.fb_app()?, url, &scopes, state)
    }

    async fn facebook_exchange_code(&self, code: &SecretString) -> Result<IssuedToken, MetaError> {
        let app = self.fb_app()?;
        let req = self.http.get(self.fb_graph("oauth/access_token")).query(&[
            ("client_id", app.app_id.as_str()),
            ("redirect_uri", self.cfg.redirect_uri.as_str()),
            ("client_secret", app.app_secret.expose_secret()),
            ("code", code.expose_secret()),
        ]);
        call::<wire::TokenResponse>(req).await.map(issued)
    }

    async fn facebook_long_lived_token(
        &self,
        short: &SecretString,
    ) -> Result<IssuedToken, MetaError> {
        let app = self.fb_app()?;
        let req = self.http.get(self.fb_graph("oauth/access_token")).query(&[
            ("grant_type", "fb_exchange_token"),
            ("client_id", app.app_id.as_str()),
            ("client_secret", app.app_secret.expose_secret()),
            ("fb_exchange_token", short.expose_secret()),
        ]);
        call::<wire::TokenResponse>(req).await.map(issued)
    }

    async fn facebook_me(&self, token: &SecretString) -> Result<FacebookUser, MetaError> {
        let req = self.http.get(self.fb_graph("me")).query(&[
            ("fields", "id,name"),
            ("access_token", token.expose_secret()),
        ]);
        let me: wire::FacebookMe = call(req).await?;
        Ok(FacebookUser {
            id: me.id,
            name: me.name,
        })
    }

    async fn facebook_permissions(
        &self,
        token: &SecretString,
    ) -> Result<Vec<PermissionGrant>, MetaError> {
        let req = self
            .http
            .get(self.fb_graph("me/permissions"))
            .query(&[("access_token", token.expose_secret())]);
        let perms: wire::Permissions = call(req).await?;
        Ok(perms
            .data
            .into_iter()
            .map(|p| PermissionGrant {
                granted: p.status == "granted",
                permission: p.permission,
            })
            .collect())
    }

    async fn facebook_pages(&self, token: &SecretString) -> Result<Vec<FacebookPage>, MetaError> {
        let first = self.http.get(self.fb_graph("me/accounts")).query(&[
            ("fields", "id,name,access_token,instagram_business_account"),
            ("limit", "100"),
            ("access_token", token.expose_secret()),
        ]);
        let mut pages = Vec::new();
        let mut listing: wire::Listing<wire::PageRow> = call(first).await?;
        for _ in 0..MAX_PAGE_LISTINGS {
            for row in listing.data.drain(..) {
                pages.push(FacebookPage {
                    id: row.id,
                    name: row.name,
                    access_token: SecretString::from(row.access_token),
                    instagram_account: row
                        .instagram_business_account
                        .map(|a| ig_user_id(a.id))
                        .transpose()?,
                });
            }
            let Some(next) = listing.paging.and_then(|p| p.next) else {
                break;
            };
            // `next` is an absolute URL Meta built (with the token in it): follow it only
            // to the Graph host we were configured with.
            let next = Url::parse(&next).map_err(|_| MetaError::Decode("paging.next".into()))?;
            if next.origin() != self.cfg.facebook_graph_url.origin() {
                return Err(MetaError::Decode(
                    "paging.next points at another host".into(),
                ));
            }
            listing = call(self.http.get(next)).await?;
        }
        Ok(pages)
    }

    async fn facebook_instagram_profile(
        &self,
        ig_user_id: &IgUserId,
        token: &SecretString,
    ) -> Result<Profile, MetaError> {
        let req = self.http.get(self.fb_graph(ig_user_id.as_str())).query(&[
            ("fields", PROFILE_FIELDS_FACEBOOK),
            ("access_token", token.expose_secret()),
        ]);
        let fields: wire::ProfileFields = call(req).await?;
        Ok(fields.into_profile())
    }
}

#[async_trait]
impl InstagramGraph for GraphClient {
    fn instagram_authorization_url(&self, state: &StateToken) -> Result<Url, MetaError> {
        let url = join(&self.cfg.instagram_auth_url, "oauth/authorize");
        let scopes =
            crate::domain::LoginPath::Instagram.requested_scopes(&self.cfg.optional_features);
        self.authorization_url(self.ig_app()?, url, &scopes, state)
    }

    async fn instagram_exchange_code(
        &self,
        code: &SecretString,
    ) -> Result<InstagramCodeGrant, MetaError> {
        let app = self.ig_app()?;
        let req = self
            .http
            .post(join(&self.cfg.instagram_api_url, "oauth/access_token"))
            .form(&[
                ("client_id", app.app_id.as_str()),
                ("client_secret", app.app_secret.expose_secret()),
                ("grant_type", "authorization_code"),
                ("redirect_uri", self.cfg.redirect_uri.as_str()),
                ("code", code.expose_secret()),
            ]);
        let grant = call::<wire::InstagramCodeResponse>(req)
            .await?
            .into_grant()
            .ok_or_else(|| MetaError::Decode("code exchange returned no grant".into()))?;
        Ok(InstagramCodeGrant {
            token: SecretString::from(grant.access_token),
            user_id: ig_user_id(grant.user_id)?,
            permissions: grant.permissions,
        })
    }

    async fn instagram_long_lived_token(
        &self,
        short: &SecretString,
    ) -> Result<IssuedToken, MetaError> {
        let app = self.ig_app()?;
        let req = self
            .http
            .get(join(&self.cfg.instagram_graph_url, "access_token"))
            .query(&[
                ("grant_type", "ig_exchange_token"),
                ("client_secret", app.app_secret.expose_secret()),
                ("access_token", short.expose_secret()),
            ]);
        call::<wire::TokenResponse>(req).await.map(issued)
    }

    async fn instagram_me(&self, token: &SecretString) -> Result<InstagramMe, MetaError> {
        let url = join(
            &self.cfg.instagram_graph_url,
            &format!("{}/me", self.cfg.graph_version),
        );
        let req = self.http.get(url).query(&[
            ("fields", PROFILE_FIELDS_INSTAGRAM),
            ("access_token", token.expose_secret()),
        ]);
        let mut fields: wire::ProfileFields = call(req).await?;
        let app_scoped_id = fields
            .id
            .take()
            .ok_or_else(|| MetaError::Decode("/me without id".into()))?;
        let user_id = fields
            .user_id
            .take()
            .ok_or_else(|| MetaError::Decode("/me without user_id".into()))?;
        Ok(InstagramMe {
            app_scoped_id,
            user_id: ig_user_id(user_id)?,
            profile: fields.into_profile(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn usage(buc: &str) -> usage::UsageHeaders {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-business-use-case-usage",
            HeaderValue::from_str(buc).unwrap(),
        );
        usage::UsageHeaders::of(&headers)
    }

    const FIVE_MINUTES: &str =
        r#"{"1":[{"type":"instagram","estimated_time_to_regain_access":5}]}"#;

    #[test]
    fn a_throttling_error_carries_the_usage_headers_estimate() {
        let body = br#"{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true,"fbtrace_id":"t"}}"#;
        let e = api_error(400, body, &usage(FIVE_MINUTES));
        assert!(e.is_rate_limited());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(300)));
    }

    #[test]
    fn other_errors_ignore_the_usage_headers() {
        let body = br#"{"error":{"message":"bad","type":"OAuthException","code":100}}"#;
        let e = api_error(400, body, &usage(FIVE_MINUTES));
        assert_eq!(e.retry_after(), None);
        assert!(!e.outcome_unknown());
    }

    #[test]
    fn a_server_error_without_metas_envelope_is_transport_with_an_unknown_outcome() {
        let e = api_error(502, b"<html>Bad Gateway</html>", &usage("{}"));
        assert!(matches!(e, MetaError::Transport(_)));
        assert!(e.outcome_unknown());
    }
}
