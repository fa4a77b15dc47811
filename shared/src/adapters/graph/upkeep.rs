//! [`TokenUpkeep`] over Meta: the Instagram Login refresh on Instagram Graph, and on
//! Facebook Graph `debug_token` and the permissions delete, both made with the Facebook
//! Login app's access token (`app_id|app_secret`).
//!
//! The app token holds the app secret and goes in the query string, like every token this
//! client sends on a read; [`call`] strips the URL from every error, so neither the app
//! token nor the token being checked can reach an error message or a log line. Nothing is
//! retried here: the upkeep pass decides, helped by [`MetaError::outcome_unknown`] and
//! [`MetaError::retry_after`].

use super::wire_upkeep::{DebugTokenResponse, SuccessResponse};
use super::{GraphClient, call, issued, wire};
use crate::config::join;
use crate::domain::LoginPath;
use crate::ports::{IssuedToken, MetaError, TokenHealth, TokenUpkeep};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

impl GraphClient {
    /// The Facebook Login app's access token, `app_id|app_secret`, which Meta accepts for
    /// app-level calls without any user's token.
    fn facebook_app_token(&self) -> Result<SecretString, MetaError> {
        let app = self.fb_app()?;
        Ok(SecretString::from(format!(
            "{}|{}",
            app.app_id,
            app.app_secret.expose_secret()
        )))
    }
}

#[async_trait]
impl TokenUpkeep for GraphClient {
    async fn instagram_refresh(&self, token: &SecretString) -> Result<IssuedToken, MetaError> {
        let req = self
            .http
            .get(join(&self.cfg.instagram_graph_url, "refresh_access_token"))
            .query(&[
                ("grant_type", "ig_refresh_token"),
                ("access_token", token.expose_secret()),
            ]);
        call::<wire::TokenResponse>(req).await.map(issued)
    }

    async fn facebook_debug_token(&self, token: &SecretString) -> Result<TokenHealth, MetaError> {
        let app_token = self.facebook_app_token()?;
        let req = self.http.get(self.fb_graph("debug_token")).query(&[
            ("input_token", token.expose_secret()),
            ("access_token", app_token.expose_secret()),
        ]);
        call::<DebugTokenResponse>(req).await?.into_health()
    }

    async fn facebook_revoke(&self, meta_user_id: &str) -> Result<(), MetaError> {
        let app_token = self.facebook_app_token()?;
        // The id is one path segment, whatever it holds: it can never reach another path.
        let url = self.publishing_url(LoginPath::Facebook, &[meta_user_id, "permissions"])?;
        let req = self
            .http
            .delete(url)
            .query(&[("access_token", app_token.expose_secret())]);
        call::<SuccessResponse>(req).await?.into_done()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MetaApp, MetaConfig};
    use url::Url;

    fn config(facebook_app: Option<MetaApp>) -> MetaConfig {
        let url = |s: &str| Url::parse(s).unwrap();
        MetaConfig {
            facebook_app,
            instagram_app: None,
            graph_version: "v24.0".into(),
            redirect_uri: url("https://app.example/cb"),
            facebook_dialog_url: url("https://www.facebook.com/"),
            // Nothing listens on port 1: a call that were sent would fail as Transport.
            facebook_graph_url: url("http://127.0.0.1:1/"),
            instagram_auth_url: url("https://www.instagram.com/"),
            instagram_api_url: url("https://api.instagram.com/"),
            instagram_graph_url: url("http://127.0.0.1:1/"),
            facebook_upload_url: url("http://127.0.0.1:1/up/"),
            optional_features: Vec::new(),
        }
    }

    #[tokio::test]
    async fn without_a_facebook_app_nothing_is_sent() {
        let client = GraphClient::new(config(None)).unwrap();
        let token = SecretString::from("t".to_owned());
        let checked = client.facebook_debug_token(&token).await;
        assert!(matches!(checked, Err(MetaError::NotConfigured("facebook"))));
        let revoked = client.facebook_revoke("10000000000000001").await;
        assert!(matches!(revoked, Err(MetaError::NotConfigured("facebook"))));
    }

    #[tokio::test]
    async fn a_transport_error_names_neither_token_nor_secret() {
        let app = MetaApp {
            app_id: "app".into(),
            app_secret: "the-app-secret".to_owned().into(),
        };
        let client = GraphClient::new(config(Some(app))).unwrap();
        let token = SecretString::from("the-input-token".to_owned());
        for e in [
            client.facebook_debug_token(&token).await.err().unwrap(),
            client.instagram_refresh(&token).await.err().unwrap(),
            client.facebook_revoke("1").await.err().unwrap(),
        ] {
            let text = format!("{e} {e:?}");
            assert!(matches!(e, MetaError::Transport(_)), "{text}");
            assert!(!text.contains("the-input-token"), "{text}");
            assert!(!text.contains("the-app-secret"), "{text}");
        }
    }
}
