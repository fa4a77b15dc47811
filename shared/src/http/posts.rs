//! Handlers of publishing: `POST`/`GET /v1/accounts/{id}/posts` and
//! `GET`/`DELETE /v1/accounts/{id}/posts/{post_id}`.

use super::PostsState;
use super::accounts::{ListQuery, page_request};
use super::extract::{ApiJson, ApiQuery};
use super::problem::{ApiResult, Problem};
use crate::domain::{Caller, Post, PostRequest, PostStatus};
use crate::service::{self, CreatePost, MediaDeps, PublishDeps};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The request header that makes a publish request safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl PostsState {
    fn deps(&self) -> PublishDeps<'_> {
        PublishDeps {
            accounts: self.accounts.as_ref(),
            tokens: self.tokens.as_ref(),
            health: self.health.as_ref(),
            posts: self.posts.as_ref(),
            sealer: self.sealer.as_ref(),
            meta: self.meta.as_ref(),
            clock: self.clock.as_ref(),
            policy: self.policy.as_ref(),
            media: self.media_deps(),
        }
    }

    pub(super) fn media_deps(&self) -> MediaDeps<'_> {
        MediaDeps {
            store: self.media.as_ref(),
            files: self.files.as_ref(),
            clock: self.clock.as_ref(),
            policy: self.media_policy.as_ref(),
        }
    }
}

/// Why a post failed, as the API shows it.
#[derive(Serialize)]
pub struct FailureView<'a> {
    code: &'a str,
    message: &'a str,
}

/// A post as the API shows it: the request as accepted, where it stands, and the outcome.
#[derive(Serialize)]
pub struct PostView<'a> {
    id: &'a str,
    account_id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    #[serde(flatten)]
    request: RequestView<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    permalink: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<FailureView<'a>>,
    created_by: &'a str,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct RequestView<'a> {
    media: &'a [crate::domain::MediaItemRequest],
    #[serde(skip_serializing_if = "Option::is_none")]
    caption: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publish_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<&'a crate::domain::PostOptionsRequest>,
}

impl<'a> From<&'a Post> for PostView<'a> {
    fn from(p: &'a Post) -> Self {
        Self {
            id: p.id.as_str(),
            account_id: p.account_id.as_str(),
            kind: p.kind.as_str(),
            status: p.status.as_str(),
            request: RequestView {
                media: &p.request.media,
                caption: p.request.caption.as_deref().filter(|c| !c.is_empty()),
                publish_at: p.publish_at,
                options: p.request.options.as_ref(),
            },
            media_id: p.media_id.as_deref(),
            permalink: p.permalink.as_deref(),
            failure: p.failure.as_ref().map(|f| FailureView {
                code: &f.code,
                message: &f.message,
            }),
            created_by: p.created_by.as_str(),
            created_at: p.created_at,
            updated_at: p.updated_at,
            published_at: p.published_at,
        }
    }
}

/// The HTTP status a failed post answers with: what the client can do about it.
fn failure_status(code: &str) -> StatusCode {
    match code {
        "publishing_limit_reached" | "rate_limited" => StatusCode::TOO_MANY_REQUESTS,
        "token_invalid" | "account_not_found" => StatusCode::CONFLICT,
        "meta_error" | "meta_unavailable" => StatusCode::BAD_GATEWAY,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The answer to a publish request: `201` published, `202` still on its way (scheduled,
/// processing, unconfirmed), `200` canceled (a replay), and a problem carrying the post
/// when it failed.
fn created(post: &Post) -> Response {
    let location = format!("/v1/accounts/{}/posts/{}", post.account_id, post.id);
    let status = match post.status {
        PostStatus::Published => StatusCode::CREATED,
        PostStatus::Scheduled | PostStatus::Processing | PostStatus::Unconfirmed => {
            StatusCode::ACCEPTED
        }
        PostStatus::Canceled => StatusCode::OK,
        PostStatus::Failed => {
            let (code, message) = post
                .failure
                .as_ref()
                .map(|f| (f.code.clone(), f.message.clone()))
                .unwrap_or_else(|| ("meta_error".into(), "The post failed.".into()));
            let view = serde_json::to_value(PostView::from(post)).unwrap_or_default();
            let mut res = Problem::new(failure_status(&code), code, "The post was not published")
                .detail(message)
                .with("post", view)
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            return res;
        }
    };
    let mut res = (status, Json(PostView::from(post))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// `POST /v1/accounts/{id}/posts`.
pub async fn create(
    State(s): State<PostsState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PostRequest>,
) -> ApiResult<Response> {
    let key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "idempotency_key_invalid",
                "The request is invalid",
            )
            .detail("the Idempotency-Key must be 1 to 255 visible ASCII characters")
        })?),
    };
    let input = CreatePost {
        account_id: &id,
        idempotency_key: key,
        request,
    };
    let post = service::create_post(s.deps(), &caller, input).await?;
    Ok(created(&post))
}

#[derive(Serialize)]
pub struct PostList<'a> {
    data: Vec<PostView<'a>>,
    next_cursor: Option<String>,
}

/// `GET /v1/accounts/{id}/posts`.
pub async fn list(
    State(s): State<PostsState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let page = page_request(q.limit, q.cursor.as_deref())?;
    let page = service::list_posts(s.deps(), &caller, &id, &page).await?;
    let body = PostList {
        data: page.items.iter().map(PostView::from).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    };
    Ok(Json(body).into_response())
}

/// `GET /v1/accounts/{id}/posts/{post_id}`.
pub async fn get(
    State(s): State<PostsState>,
    caller: Caller,
    Path((id, post_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let post = service::get_post(s.deps(), &caller, &id, &post_id).await?;
    Ok(Json(PostView::from(&post)).into_response())
}

/// `DELETE /v1/accounts/{id}/posts/{post_id}`: cancels a post that has not gone out.
pub async fn cancel(
    State(s): State<PostsState>,
    caller: Caller,
    Path((id, post_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let post = service::cancel_post(s.deps(), &caller, &id, &post_id).await?;
    Ok(Json(PostView::from(&post)).into_response())
}
