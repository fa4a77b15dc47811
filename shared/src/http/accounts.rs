//! Handlers of the account listing. The response shape is defined here, once: it has no
//! field that could carry a token.

use super::AccountsState;
use super::extract::ApiQuery;
use super::problem::{ApiResult, Problem};
use crate::domain::{Account, AccountStatus, Caller, LoginPath, Owner, PageRequest};
use crate::service;
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
    status: AccountStatus,
    token_expires_at: Option<DateTime<Utc>>,
    connected_at: DateTime<Utc>,
    connected_by: String,
    updated_at: DateTime<Utc>,
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
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
            status: a.status,
            token_expires_at: a.token_expires_at,
            connected_at: a.connected_at,
            connected_by: a.connected_by.to_string(),
            updated_at: a.updated_at,
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize)]
pub struct AccountList {
    data: Vec<AccountView>,
    next_cursor: Option<String>,
}

pub async fn list(
    State(s): State<AccountsState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<AccountList>> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref()).map_err(|e| {
        let code = match e {
            crate::domain::PageError::Cursor => "invalid_cursor",
            crate::domain::PageError::Limit { .. } => "invalid_limit",
        };
        Problem::new(
            axum::http::StatusCode::BAD_REQUEST,
            code,
            "The request is invalid",
        )
        .detail(e.to_string())
    })?;
    let found = service::list_accounts(s.accounts.as_ref(), &caller, &page).await?;
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
    let account = service::get_account(s.accounts.as_ref(), &caller, &id).await?;
    Ok(Json(account.into()))
}
