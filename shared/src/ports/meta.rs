//! Meta's OAuth and Graph endpoints, as the connect use cases need them. One trait per login
//! path; the adapter for real Meta and the sandbox both speak HTTP, so the only fake in play
//! is at the far end of a socket.

use crate::domain::StateToken;
use crate::domain::{IgUserId, Profile};
use async_trait::async_trait;
use secrecy::SecretString;
use url::Url;

/// Why a call to Meta failed. Built so it cannot hold a token: transport errors are stripped
/// of their URL (query strings carry tokens) before they become text.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MetaError {
    /// Meta answered with its error envelope.
    #[error("Meta error {code}{}: {message}", subcode.map(|s| format!("/{s}")).unwrap_or_default())]
    Api {
        status: u16,
        code: i64,
        subcode: Option<i64>,
        kind: Option<String>,
        message: String,
        fbtrace_id: Option<String>,
    },
    /// Meta could not be reached, or answered something that is not its error envelope.
    #[error("Meta unreachable: {0}")]
    Transport(String),
    /// Meta answered 2xx with a body of an unexpected shape.
    #[error("unexpected answer from Meta: {0}")]
    Decode(String),
    /// The login path has no app configured.
    #[error("the {0} login is not configured")]
    NotConfigured(&'static str),
}

/// A token Meta issued, and its lifetime in seconds where Meta says.
pub struct IssuedToken {
    pub token: SecretString,
    pub expires_in: Option<i64>,
}

/// The Facebook user behind a Facebook Login.
#[derive(Debug, Clone)]
pub struct FacebookUser {
    pub id: String,
    pub name: Option<String>,
}

/// One row of `/me/permissions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionGrant {
    pub permission: String,
    pub granted: bool,
}

/// A Facebook Page the user granted, with its Page token and linked Instagram account.
pub struct FacebookPage {
    pub id: String,
    pub name: Option<String>,
    pub access_token: SecretString,
    pub instagram_account: Option<IgUserId>,
}

/// Instagram Login's code exchange: a short-lived token, the account and granted scopes.
pub struct InstagramCodeGrant {
    pub token: SecretString,
    pub user_id: IgUserId,
    pub permissions: Vec<String>,
}

/// The Instagram account behind an Instagram Login token.
#[derive(Debug, Clone)]
pub struct InstagramMe {
    /// The app-scoped Instagram user id (`id`).
    pub app_scoped_id: String,
    /// The Instagram professional account id (`user_id`).
    pub user_id: IgUserId,
    pub profile: Profile,
}

/// Facebook Login and the Graph endpoints it unlocks.
#[async_trait]
pub trait FacebookGraph: Send + Sync {
    /// The Facebook Login dialog URL for `state`.
    fn facebook_authorization_url(&self, state: &StateToken) -> Result<Url, MetaError>;
    /// Exchanges the dialog's code for a short-lived user token.
    async fn facebook_exchange_code(&self, code: &SecretString) -> Result<IssuedToken, MetaError>;
    /// Trades a short-lived user token for a long-lived one (about 60 days).
    async fn facebook_long_lived_token(
        &self,
        short: &SecretString,
    ) -> Result<IssuedToken, MetaError>;
    /// The user behind a token (`/me`).
    async fn facebook_me(&self, token: &SecretString) -> Result<FacebookUser, MetaError>;
    /// What the user granted and declined (`/me/permissions`).
    async fn facebook_permissions(
        &self,
        token: &SecretString,
    ) -> Result<Vec<PermissionGrant>, MetaError>;
    /// The Pages the user granted (`/me/accounts`), every page of the listing.
    async fn facebook_pages(&self, token: &SecretString) -> Result<Vec<FacebookPage>, MetaError>;
    /// An Instagram professional account's profile, read with a Page or user token.
    async fn facebook_instagram_profile(
        &self,
        ig_user_id: &IgUserId,
        token: &SecretString,
    ) -> Result<Profile, MetaError>;
}

/// Instagram Login (Business Login) and the Instagram Graph endpoints it unlocks.
#[async_trait]
pub trait InstagramGraph: Send + Sync {
    /// The Instagram authorization URL for `state`.
    fn instagram_authorization_url(&self, state: &StateToken) -> Result<Url, MetaError>;
    /// Exchanges the code for a short-lived token, the account id and the granted scopes.
    async fn instagram_exchange_code(
        &self,
        code: &SecretString,
    ) -> Result<InstagramCodeGrant, MetaError>;
    /// Trades a short-lived token for a long-lived one (60 days).
    async fn instagram_long_lived_token(
        &self,
        short: &SecretString,
    ) -> Result<IssuedToken, MetaError>;
    /// The account behind a token (`/me`).
    async fn instagram_me(&self, token: &SecretString) -> Result<InstagramMe, MetaError>;
}

/// Both login paths.
pub trait Meta: FacebookGraph + InstagramGraph {}

impl<T: FacebookGraph + InstagramGraph> Meta for T {}
