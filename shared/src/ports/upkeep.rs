//! Meta's endpoints for keeping a connection alive and ending it: refreshing Instagram Login
//! tokens, validating Facebook Login connections, revoking a Facebook user's grant.

use super::{IssuedToken, MetaError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// What `debug_token` says about a Facebook Login token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHealth {
    /// Meta still accepts the token.
    pub is_valid: bool,
    /// When the token stops working; `None` for tokens that do not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the app's access to the user's data lapses (90 days after the user last used
    /// the app, unless renewed).
    pub data_access_expires_at: Option<DateTime<Utc>>,
}

/// Token upkeep at Meta.
#[async_trait]
pub trait TokenUpkeep: Send + Sync {
    /// Instagram Login: `GET graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token`
    /// trades a token at least a day old for a new 60-day one.
    async fn instagram_refresh(&self, token: &SecretString) -> Result<IssuedToken, MetaError>;

    /// Facebook Login: `GET /debug_token?input_token=` with the app's access token
    /// (`app_id|app_secret`), so it works whatever the state of the token it checks.
    async fn facebook_debug_token(&self, token: &SecretString) -> Result<TokenHealth, MetaError>;

    /// Facebook Login: `DELETE /{user-id}/permissions` with the app's access token: the
    /// user's whole grant to the app is revoked (every Page and Instagram account they
    /// connected), which is why callers only do it for the user's last connection.
    async fn facebook_revoke(&self, meta_user_id: &str) -> Result<(), MetaError>;
}

/// Everything the refresh pass asks Meta: upkeep, and the profile reads of both login paths
/// that validate a token and sync the profile in one call.
/// The insight reads are here for the daily snapshot, which rides on the same look.
pub trait UpkeepGraph:
    TokenUpkeep + super::FacebookGraph + super::InstagramGraph + super::InsightsGraph
{
}

impl<T: TokenUpkeep + super::FacebookGraph + super::InstagramGraph + super::InsightsGraph>
    UpkeepGraph for T
{
}
