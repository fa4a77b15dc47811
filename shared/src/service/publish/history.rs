//! Reading an account's posts, and canceling one that has not gone out.

use super::PublishDeps;
use crate::domain::{
    AuditEntry, AuditEvent, Caller, CancelRefused, Page, PageRequest, Permission, Post, PostId,
    PostStatus,
};
use crate::ports::StoreError;
use crate::service::{AccessDeps, ServiceError, authorize};

fn access<'a>(deps: &PublishDeps<'a>) -> AccessDeps<'a> {
    AccessDeps {
        accounts: deps.accounts,
    }
}

fn post_not_found() -> ServiceError {
    ServiceError::NotFound {
        code: "post_not_found",
        detail: "no post with this id on this account".into(),
    }
}

/// The account's posts, newest first. Anyone who may view the account sees its history.
pub async fn list_posts(
    deps: PublishDeps<'_>,
    caller: &Caller,
    account_id: &str,
    page: &PageRequest<PostId>,
) -> Result<Page<Post, PostId>, ServiceError> {
    let (account, _) = authorize(access(&deps), caller, account_id, Permission::View).await?;
    Ok(deps
        .posts
        .list_posts(&account.tenant, &account.id, page)
        .await?)
}

/// One post of the account.
pub async fn get_post(
    deps: PublishDeps<'_>,
    caller: &Caller,
    account_id: &str,
    post_id: &str,
) -> Result<Post, ServiceError> {
    let (account, _) = authorize(access(&deps), caller, account_id, Permission::View).await?;
    let id = PostId::parse(post_id).map_err(|_| post_not_found())?;
    deps.posts
        .get_post(&account.tenant, &account.id, &id)
        .await?
        .ok_or_else(post_not_found)
}

/// Cancels a post that has not gone out (publish permission). Canceling a canceled post
/// answers it unchanged; one published, being published or failed is refused.
pub async fn cancel_post(
    deps: PublishDeps<'_>,
    caller: &Caller,
    account_id: &str,
    post_id: &str,
) -> Result<Post, ServiceError> {
    let (account, _) = authorize(access(&deps), caller, account_id, Permission::Publish).await?;
    let id = PostId::parse(post_id).map_err(|_| post_not_found())?;
    // A worker may be writing the post at the same moment; its write and ours are both
    // conditioned on the version, so re-reading and deciding again is always safe.
    for _ in 0..3 {
        let post = deps
            .posts
            .get_post(&account.tenant, &account.id, &id)
            .await?
            .ok_or_else(post_not_found)?;
        if post.status == PostStatus::Canceled {
            return Ok(post);
        }
        let canceled =
            post.canceled(deps.clock.now())
                .map_err(|refused| ServiceError::Conflict {
                    code: match refused {
                        CancelRefused::AlreadyPublished => "post_already_published",
                        CancelRefused::PublishStarted | CancelRefused::Failed => {
                            "post_not_cancelable"
                        }
                    },
                    detail: refused.to_string(),
                })?;
        let audit = AuditEntry::new(
            &account.tenant,
            &caller.user,
            &account.id,
            deps.clock.now(),
            AuditEvent::PostCanceled {
                post_id: canceled.id.clone(),
                kind: canceled.kind,
            },
        );
        match deps.posts.update_post(&canceled, Some(&audit)).await {
            Ok(()) => return Ok(canceled),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}
