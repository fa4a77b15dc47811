//! Handlers of the account listing. The response shape is defined here, once: it has no
//! field that could carry a token.

use super::AccountsState;
use super::extract::ApiQuery;
use super::problem::{ApiResult, Problem};
use crate::domain::{
    AccountStatus, Caller, CursorKey, Feature, Grant, LoginPath, MemberAccess, Owner, PageError,
    PageRequest, Permission,
};
use crate::service::{self, AccessDeps, VisibleAccount};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An account as the API shows it.
#[derive(Serialize)]
pub struct AccountView {
    id: String,
    ig_user_id: String,
    username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile_picture_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    followers_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    follows_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biography: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    website: Option<String>,
    login: LoginPath,
    owner: Owner,
    /// The caller's permission on the account.
    permission: Permission,
    /// What members get on a company account; shown to managers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    member_access: Option<MemberAccess>,
    /// Who was given what; shown to managers only.
    #[serde(skip_serializing_if = "Option::is_none")]
    grants: Option<Vec<Grant>>,
    /// `active`, `needs_reauth` (prompt a reconnect) or `revoked` (the Meta user took the
    /// grant back; a reconnect restores it).
    status: AccountStatus,
    token_expires_at: Option<DateTime<Utc>>,
    /// The last time the token was refreshed or checked and found working.
    last_refreshed_at: Option<DateTime<Utc>>,
    /// The stable code of the last refresh failure (`token_invalid`, `token_expired`,
    /// `meta_unavailable`...); `null` once a refresh succeeds.
    last_error: Option<String>,
    /// Facebook Login: when Meta stops letting the app read the user's data unless they
    /// log in again.
    #[serde(skip_serializing_if = "Option::is_none")]
    data_access_expires_at: Option<DateTime<Utc>>,
    /// The optional features the connection was granted the scopes of (`insights`,
    /// `comments`), so a front end can offer a reconnect where one is missing.
    features: Vec<&'static str>,
    connected_at: DateTime<Utc>,
    connected_by: String,
    updated_at: DateTime<Utc>,
}

impl From<VisibleAccount> for AccountView {
    fn from(v: VisibleAccount) -> Self {
        let manager = v.permission == Permission::Manage;
        let a = v.account;
        let member_access = (manager && a.owner == Owner::Company).then_some(a.member_access);
        let p = a.profile;
        Self {
            id: a.id.to_string(),
            ig_user_id: a.ig_user_id.to_string(),
            username: p.username,
            name: p.name,
            profile_picture_url: p.profile_picture_url,
            followers_count: p.followers_count,
            follows_count: p.follows_count,
            media_count: p.media_count,
            account_type: p.account_type,
            biography: p.biography,
            website: p.website,
            login: a.login,
            owner: a.owner,
            permission: v.permission,
            member_access,
            grants: v.grants,
            status: a.status,
            token_expires_at: a.token_expires_at,
            last_refreshed_at: a.upkeep.last_refreshed_at,
            last_error: a.upkeep.last_error,
            data_access_expires_at: a.upkeep.data_access_expires_at,
            features: Feature::ALL
                .iter()
                .filter(|f| a.grantor.allows(**f, a.login))
                .map(|f| f.as_str())
                .collect(),
            connected_at: a.connected_at,
            connected_by: a.connected_by.to_string(),
            updated_at: a.updated_at,
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub(super) limit: Option<u32>,
    pub(super) cursor: Option<String>,
}

#[derive(Serialize)]
pub struct AccountList {
    data: Vec<AccountView>,
    next_cursor: Option<String>,
}

/// Validates `limit` and `cursor` of a listing, with the stable codes clients match on.
pub(super) fn page_request<K: CursorKey>(
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<PageRequest<K>, Problem> {
    PageRequest::parse(limit, cursor).map_err(|e| {
        let code = match e {
            PageError::Cursor => "invalid_cursor",
            PageError::Limit { .. } => "invalid_limit",
        };
        Problem::new(
            axum::http::StatusCode::BAD_REQUEST,
            code,
            "The request is invalid",
        )
        .detail(e.to_string())
    })
}

impl AccountsState {
    pub(super) fn access(&self) -> AccessDeps<'_> {
        AccessDeps {
            accounts: self.accounts.as_ref(),
        }
    }
}

pub async fn list(
    State(s): State<AccountsState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<AccountList>> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let found = service::list_accounts(s.access(), &caller, &page).await?;
    Ok(Json(AccountList {
        data: found.items.into_iter().map(AccountView::from).collect(),
        next_cursor: found.next.map(|c| c.encode()),
    }))
}

pub async fn get(
    State(s): State<AccountsState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AccountView>> {
    let account = service::get_account(s.access(), &caller, &id).await?;
    Ok(Json(account.into()))
}

/// `POST /v1/accounts/{id}/sync`: checks the token at Meta and syncs the profile now.
pub async fn sync(
    State(s): State<super::SyncState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AccountView>> {
    let access = AccessDeps {
        accounts: s.accounts.as_ref(),
    };
    let deps = service::RefreshDeps {
        queue: s.queue.as_ref(),
        sealer: s.sealer.as_ref(),
        meta: s.meta.as_ref(),
        clock: s.clock.as_ref(),
        policy: s.policy.as_ref(),
        snapshots: false,
    };
    let account = service::sync_account(access, s.tokens.as_ref(), deps, &caller, &id).await?;
    Ok(Json(account.into()))
}
