//! The callback use case over a scripted Meta: what it stores, and what it refuses to store,
//! when Meta misbehaves part way through a login.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use igconnect::adapters::envelope::DataKey;
use igconnect::adapters::keyring::LocalKeyring;
use igconnect::adapters::sqlite::SqliteStore;
use igconnect::domain::{
    AllowedOrigins, IgUserId, LoginPath, OAuthState, OwnerKind, PageRequest, Profile, ReturnTo,
    StateToken, TenantId, UserId,
};
use igconnect::ports::{
    AccountReader, Clock, FacebookGraph, FacebookPage, FacebookUser, InstagramCodeGrant,
    InstagramGraph, InstagramMe, IssuedToken, MetaError, OAuthStates, PermissionGrant,
};
use igconnect::service::{CallbackDeps, CallbackParams, ConnectFailure, callback};
use secrecy::SecretString;
use url::Url;

/// A Meta whose Facebook login grants two linked Pages; reading the profile of
/// `failing_profile` fails.
struct ScriptedMeta {
    failing_profile: Option<&'static str>,
}

fn token(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn unused() -> MetaError {
    MetaError::Transport("not scripted".into())
}

#[async_trait]
impl FacebookGraph for ScriptedMeta {
    fn facebook_authorization_url(&self, _: &StateToken) -> Result<Url, MetaError> {
        Err(unused())
    }
    async fn facebook_exchange_code(&self, _: &SecretString) -> Result<IssuedToken, MetaError> {
        Ok(IssuedToken {
            token: token("short"),
            expires_in: Some(3600),
        })
    }
    async fn facebook_long_lived_token(&self, _: &SecretString) -> Result<IssuedToken, MetaError> {
        Ok(IssuedToken {
            token: token("long"),
            expires_in: Some(5_184_000),
        })
    }
    async fn facebook_me(&self, _: &SecretString) -> Result<FacebookUser, MetaError> {
        Ok(FacebookUser {
            id: "10001".into(),
            name: None,
        })
    }
    async fn facebook_permissions(
        &self,
        _: &SecretString,
    ) -> Result<Vec<PermissionGrant>, MetaError> {
        Ok(LoginPath::Facebook
            .required_scopes()
            .iter()
            .map(|p| PermissionGrant {
                permission: p.to_string(),
                granted: true,
            })
            .collect())
    }
    async fn facebook_pages(&self, _: &SecretString) -> Result<Vec<FacebookPage>, MetaError> {
        Ok(["1781", "1782"]
            .iter()
            .map(|ig| FacebookPage {
                id: format!("page-{ig}"),
                name: None,
                access_token: token(&format!("page-token-{ig}")),
                instagram_account: Some(IgUserId::parse(*ig).unwrap()),
            })
            .collect())
    }
    async fn facebook_instagram_profile(
        &self,
        ig: &IgUserId,
        _: &SecretString,
    ) -> Result<Profile, MetaError> {
        if Some(ig.as_str()) == self.failing_profile {
            return Err(MetaError::Api {
                status: 500,
                code: 2,
                subcode: None,
                kind: Some("OAuthException".into()),
                message: "An unexpected error has occurred.".into(),
                fbtrace_id: Some("trace".into()),
                retry_after_secs: None,
            });
        }
        Ok(Profile {
            username: format!("user{ig}"),
            ..Profile::default()
        })
    }
}

#[async_trait]
impl InstagramGraph for ScriptedMeta {
    fn instagram_authorization_url(&self, _: &StateToken) -> Result<Url, MetaError> {
        Err(unused())
    }
    async fn instagram_exchange_code(
        &self,
        _: &SecretString,
    ) -> Result<InstagramCodeGrant, MetaError> {
        Err(unused())
    }
    async fn instagram_long_lived_token(&self, _: &SecretString) -> Result<IssuedToken, MetaError> {
        Err(unused())
    }
    async fn instagram_me(&self, _: &SecretString) -> Result<InstagramMe, MetaError> {
        Err(unused())
    }
}

struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

async fn facebook_login(meta: ScriptedMeta) -> (Result<usize, ConnectFailure>, usize) {
    let store = SqliteStore::in_memory().unwrap();
    let sealer = LocalKeyring::from_master(DataKey::generate());
    let clock = FixedClock(Utc::now());
    let tenant = TenantId::parse("acme").unwrap();
    let allowed = AllowedOrigins::parse("https://app.example.com").unwrap();
    let state = StateToken::generate();
    store
        .put_state(&OAuthState {
            key: state.key(),
            tenant: tenant.clone(),
            user: UserId::parse("alice").unwrap(),
            login: LoginPath::Facebook,
            owner: OwnerKind::User,
            return_to: ReturnTo::parse("https://app.example.com/done", &allowed).unwrap(),
            created_at: clock.0,
            expires_at: clock.0 + chrono::TimeDelta::minutes(10),
        })
        .await
        .unwrap();
    let deps = CallbackDeps {
        states: &store,
        accounts: &store,
        sealer: &sealer,
        meta: &meta,
        clock: &clock,
    };
    let params = CallbackParams {
        state: Some(state.expose().to_owned()),
        code: Some(token("code")),
        error: None,
    };

    let done = callback(&deps, params).await.unwrap();

    let stored = store
        .list_accounts(&tenant, &PageRequest::parse(None, None).unwrap())
        .await
        .unwrap()
        .items
        .len();
    (done.result.map(|a| a.len()), stored)
}

#[tokio::test]
async fn every_linked_page_is_stored_when_meta_answers() {
    let (result, stored) = facebook_login(ScriptedMeta {
        failing_profile: None,
    })
    .await;
    assert_eq!(result, Ok(2));
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn a_profile_meta_cannot_read_stores_nothing_of_the_login() {
    let (result, stored) = facebook_login(ScriptedMeta {
        failing_profile: Some("1782"),
    })
    .await;
    assert_eq!(result, Err(ConnectFailure::MetaError));
    assert_eq!(stored, 0, "no half-connected login is left behind");
}
