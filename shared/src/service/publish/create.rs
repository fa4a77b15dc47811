//! `POST /v1/accounts/{id}/posts`: accepting a post, once per idempotency key, and
//! publishing at once what Meta has ready.

use super::PublishDeps;
use super::attempt::attempt;
use crate::domain::{Caller, IdempotencyKey, NewPost, Permission, Post, PostRequest, PostStatus};
use crate::ports::PostInsert;
use crate::service::{AccessDeps, ServiceError, authorize};
use std::time::{Duration, Instant};

/// How often a request that lost the race for its idempotency key reads the winner's post
/// while waiting for it to be published.
const FOLLOW_INTERVAL: Duration = Duration::from_millis(100);

/// A publish request as the route received it.
pub struct CreatePost<'a> {
    pub account_id: &'a str,
    /// The `Idempotency-Key` header, if sent.
    pub idempotency_key: Option<&'a str>,
    pub request: PostRequest,
}

/// Accepts the post and, unless it is scheduled, publishes it within the request as far as
/// Meta allows: images are `published` (or `failed`) on return, a video Meta is still
/// processing is `processing` and due for the worker.
///
/// A key already used on the account with the same body answers that post (waiting, like
/// the first request, for it to be published); with another body it is refused.
pub async fn create_post(
    deps: PublishDeps<'_>,
    caller: &Caller,
    input: CreatePost<'_>,
) -> Result<Post, ServiceError> {
    let access = AccessDeps {
        accounts: deps.accounts,
    };
    let (account, _) = authorize(access, caller, input.account_id, Permission::Publish).await?;
    let key = match input.idempotency_key {
        None => {
            return Err(ServiceError::invalid(
                "idempotency_key_missing",
                "send an Idempotency-Key header (any unique string, e.g. a UUID) so a retried \
                 request never publishes twice",
            ));
        }
        Some(raw) => IdempotencyKey::parse(raw).ok_or_else(|| {
            ServiceError::invalid(
                "idempotency_key_invalid",
                "the Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
        })?,
    };
    if let Some(existing) = deps
        .posts
        .find_post_by_key(&account.tenant, &account.id, &key)
        .await?
    {
        return replay(deps, existing, &input.request).await;
    }
    let now = deps.clock.now();
    let spec = input.request.parse(now)?;
    // Every uploaded file is ready and fits the post before the post is stored.
    crate::service::use_in_post(
        deps.media,
        &account.tenant,
        &account.id,
        &spec,
        spec.publish_at(),
    )
    .await?;
    let post = Post::new(
        NewPost {
            tenant: account.tenant.clone(),
            account_id: account.id.clone(),
            created_by: caller.user.clone(),
            idempotency_key: key,
            request: input.request,
            kind: spec.kind(),
            publish_at: spec.publish_at(),
        },
        now,
        deps.policy.lease,
    );
    match deps.posts.insert_post(&post).await? {
        PostInsert::Existing(existing) => return replay(deps, *existing, &post.request).await,
        PostInsert::Created => {}
    }
    tracing::info!(post = %post.id, kind = %post.kind, status = post.status.as_str(), "post accepted");
    if post.status == PostStatus::Scheduled {
        return Ok(post);
    }
    match attempt(deps, &account, post.clone(), deps.policy.in_request_wait).await {
        Ok(post) => Ok(post),
        // A worker took the post over (the request outlived its lease): it is theirs now.
        Err(ServiceError::Store(crate::ports::StoreError::Conflict)) => current(deps, &post).await,
        Err(e) => Err(e),
    }
}

/// The post an earlier request with the same key made, once it is past publishing (or the
/// wait is over); a different body under the same key is refused.
async fn replay(
    deps: PublishDeps<'_>,
    existing: Post,
    request: &PostRequest,
) -> Result<Post, ServiceError> {
    if existing.request_fingerprint != request.fingerprint() {
        return Err(ServiceError::Conflict {
            code: "idempotency_key_reused",
            detail: "this Idempotency-Key was already used for a different post on this \
                     account; use a new key for a new post"
                .into(),
        });
    }
    // The first request may still be publishing it: follow it, as long as it may take.
    let deadline = Instant::now() + deps.policy.in_request_wait;
    let mut post = existing;
    while post.status == PostStatus::Processing && Instant::now() < deadline {
        tokio::time::sleep(FOLLOW_INTERVAL).await;
        post = current(deps, &post).await?;
    }
    Ok(post)
}

async fn current(deps: PublishDeps<'_>, post: &Post) -> Result<Post, ServiceError> {
    deps.posts
        .get_post(&post.tenant, &post.account_id, &post.id)
        .await?
        .ok_or_else(|| ServiceError::NotFound {
            code: "post_not_found",
            detail: "no post with this id on this account".into(),
        })
}
