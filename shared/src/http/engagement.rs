//! Handlers of insights, media and comments: `GET /v1/accounts/{id}/insights`,
//! `GET /v1/accounts/{id}/media`, `GET .../media/{media_id}/insights`,
//! `GET .../posts/{post_id}/insights`, and the comment routes under
//! `.../media/{media_id}/comments`.

use super::EngagementState;
use super::extract::{ApiJson, ApiQuery};
use super::problem::ApiResult;
use crate::domain::Caller;
use crate::ports::Comment;
use crate::service::{
    self, AccountInsights, CommentPage, CommentTarget, EngagementDeps, InsightsQuery,
    MediaInsights, MediaPage,
};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

impl EngagementState {
    fn deps(&self) -> EngagementDeps<'_> {
        EngagementDeps {
            access: service::AccessDeps {
                accounts: self.accounts.as_ref(),
            },
            tokens: self.tokens.as_ref(),
            health: self.health.as_ref(),
            sealer: self.sealer.as_ref(),
            meta: self.meta.as_ref(),
            snapshots: self.snapshots.as_ref(),
            posts: self.posts.as_ref(),
            audit: self.audit.as_ref(),
            clock: self.clock.as_ref(),
            catalog: self.catalog,
            cache: self.cache.as_ref(),
        }
    }
}

/// `?limit=&cursor=` of the media and comment listings (the cursor is Meta's, passed on).
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `?metrics=` of the media and post insights.
#[derive(Debug, Default, Deserialize)]
pub struct MetricsQuery {
    metrics: Option<String>,
}

pub async fn account_insights(
    State(s): State<EngagementState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<InsightsQuery>,
) -> ApiResult<Json<AccountInsights>> {
    Ok(Json(
        service::account_insights(s.deps(), &caller, &id, &q).await?,
    ))
}

pub async fn media(
    State(s): State<EngagementState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<MediaPage>> {
    let page = service::list_media(s.deps(), &caller, &id, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(page))
}

pub async fn media_insights(
    State(s): State<EngagementState>,
    caller: Caller,
    Path((id, media_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> ApiResult<Json<MediaInsights>> {
    let found =
        service::media_insights(s.deps(), &caller, &id, &media_id, q.metrics.as_deref()).await?;
    Ok(Json(found))
}

pub async fn post_insights(
    State(s): State<EngagementState>,
    caller: Caller,
    Path((id, post_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<MetricsQuery>,
) -> ApiResult<Json<MediaInsights>> {
    let found =
        service::post_insights(s.deps(), &caller, &id, &post_id, q.metrics.as_deref()).await?;
    Ok(Json(found))
}

pub async fn comments(
    State(s): State<EngagementState>,
    caller: Caller,
    Path((id, media_id)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<CommentPage>> {
    let page = service::list_comments(
        s.deps(),
        &caller,
        &id,
        &media_id,
        q.cursor.as_deref(),
        q.limit,
    )
    .await?;
    Ok(Json(page))
}

/// The body of a reply.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    message: String,
}

pub async fn reply(
    State(s): State<EngagementState>,
    caller: Caller,
    Path((id, media_id, comment_id)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    let target = CommentTarget {
        account_id: &id,
        media_id: &media_id,
        comment_id: &comment_id,
    };
    let reply = service::reply_to_comment(s.deps(), &caller, target, &body.message).await?;
    Ok((StatusCode::CREATED, Json(reply)))
}

pub async fn hide(
    State(s): State<EngagementState>,
    caller: Caller,
    Path((id, media_id, comment_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Comment>> {
    set_hidden(s, caller, (id, media_id, comment_id), true).await
}

pub async fn unhide(
    State(s): State<EngagementState>,
    caller: Caller,
    Path((id, media_id, comment_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Comment>> {
    set_hidden(s, caller, (id, media_id, comment_id), false).await
}

async fn set_hidden(
    s: EngagementState,
    caller: Caller,
    (id, media_id, comment_id): (String, String, String),
    hidden: bool,
) -> ApiResult<Json<Comment>> {
    let target = CommentTarget {
        account_id: &id,
        media_id: &media_id,
        comment_id: &comment_id,
    };
    Ok(Json(
        service::set_hidden(s.deps(), &caller, target, hidden).await?,
    ))
}

pub async fn delete_comment(
    State(s): State<EngagementState>,
    caller: Caller,
    Path((id, media_id, comment_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let target = CommentTarget {
        account_id: &id,
        media_id: &media_id,
        comment_id: &comment_id,
    };
    service::delete_comment(s.deps(), &caller, target).await?;
    Ok(StatusCode::NO_CONTENT)
}
