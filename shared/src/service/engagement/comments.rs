//! Comment moderation on the account's media: read (view), reply, hide and unhide
//! (publish), delete (manage). Every change is written to the audit trail, by the caller.

use super::insights::{bad_cursor, is_bad_cursor, owned_media, page_limit};
use super::{EngagementDeps, Opened, meta_failed, open};
use crate::domain::{AuditEntry, AuditEvent, Caller, Feature, Permission};
use crate::ports::{Comment, GraphAccount, MetaError};
use crate::service::ServiceError;
use serde::Serialize;

/// Instagram's longest comment.
pub const MAX_COMMENT_CHARS: usize = 2_200;
/// The most comments one page may hold.
pub const MAX_COMMENT_PAGE: u32 = 50;

/// Which comment a moderation route names.
#[derive(Debug, Clone, Copy)]
pub struct CommentTarget<'a> {
    pub account_id: &'a str,
    pub media_id: &'a str,
    pub comment_id: &'a str,
}

/// A page of a media's comments, each with its first replies.
#[derive(Debug, Serialize)]
pub struct CommentPage {
    pub data: Vec<Comment>,
    #[serde(rename = "next_cursor", skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

fn graph(opened: &Opened) -> GraphAccount<'_> {
    GraphAccount {
        login: opened.account.login,
        ig_user_id: &opened.account.ig_user_id,
        token: &opened.token,
    }
}

/// Meta's refusal of a call about a comment, as the API answers it.
async fn comment_failed(deps: EngagementDeps<'_>, opened: &Opened, e: MetaError) -> ServiceError {
    meta_failed(
        deps,
        &opened.account,
        Feature::Comments,
        None,
        "comment_not_found",
        e,
    )
    .await
}

fn comment_not_found() -> ServiceError {
    ServiceError::NotFound {
        code: "comment_not_found",
        detail: "no comment with this id on this media".into(),
    }
}

/// `GET /v1/accounts/{id}/media/{media_id}/comments` (view permission).
pub async fn list_comments(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    id: &str,
    media_id: &str,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<CommentPage, ServiceError> {
    let limit = page_limit(limit, MAX_COMMENT_PAGE)?;
    let opened = open(deps, caller, id, Permission::View, Some(Feature::Comments)).await?;
    let media = owned_media(deps, &opened, Feature::Comments, media_id).await?;
    match deps
        .meta
        .comments(&graph(&opened), &media.id, after, limit)
        .await
    {
        Ok(page) => Ok(CommentPage {
            data: page.items,
            next: page.after,
        }),
        Err(e) if is_bad_cursor(&e, after) => Err(bad_cursor()),
        Err(e) => Err(meta_failed(
            deps,
            &opened.account,
            Feature::Comments,
            None,
            "media_not_found",
            e,
        )
        .await),
    }
}

/// The account opened with `needed`, and the comment if it is on the named media of the
/// named account (a reply counts as on its parent's media).
async fn target(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    t: CommentTarget<'_>,
    needed: Permission,
) -> Result<(Opened, Comment), ServiceError> {
    let opened = open(deps, caller, t.account_id, needed, Some(Feature::Comments)).await?;
    let media = owned_media(deps, &opened, Feature::Comments, t.media_id).await?;
    if t.comment_id.is_empty()
        || t.comment_id.len() > 64
        || !t.comment_id.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(comment_not_found());
    }
    let comment = match deps.meta.comment(&graph(&opened), t.comment_id).await {
        Ok(c) => c,
        Err(crate::ports::MetaError::Api { code: 100, .. }) => return Err(comment_not_found()),
        Err(e) => return Err(comment_failed(deps, &opened, e).await),
    };
    match comment.media_id.as_deref() {
        Some(on) if on != media.id => Err(comment_not_found()),
        _ => Ok((opened, comment)),
    }
}

async fn audit(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    opened: &Opened,
    event: AuditEvent,
) -> Result<(), ServiceError> {
    let entry = AuditEntry::new(
        &opened.account.tenant,
        &caller.user,
        &opened.account.id,
        deps.clock.now(),
        event,
    );
    deps.audit.record(&entry).await?;
    Ok(())
}

/// `POST .../comments/{comment_id}/replies` (publish permission): the new reply.
pub async fn reply_to_comment(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    t: CommentTarget<'_>,
    message: &str,
) -> Result<Comment, ServiceError> {
    let message = message.trim();
    if message.is_empty() || message.chars().count() > MAX_COMMENT_CHARS {
        return Err(ServiceError::invalid(
            "invalid_message",
            format!("`message` must hold 1 to {MAX_COMMENT_CHARS} characters"),
        ));
    }
    let (opened, comment) = target(deps, caller, t, Permission::Publish).await?;
    let reply_id = match deps.meta.reply(&graph(&opened), &comment.id, message).await {
        Ok(id) => id,
        Err(e) => return Err(comment_failed(deps, &opened, e).await),
    };
    audit(
        deps,
        caller,
        &opened,
        AuditEvent::CommentReplied {
            media_id: t.media_id.to_owned(),
            comment_id: comment.id.clone(),
            reply_id: reply_id.clone(),
        },
    )
    .await?;
    Ok(Comment {
        id: reply_id,
        text: message.to_owned(),
        username: Some(opened.account.profile.username.clone()),
        timestamp: Some(deps.clock.now()),
        like_count: Some(0),
        hidden: false,
        parent_id: Some(comment.id),
        media_id: Some(t.media_id.to_owned()),
        replies: Vec::new(),
    })
}

/// `POST .../comments/{comment_id}/hide` and `/unhide` (publish permission): the comment
/// afterwards.
pub async fn set_hidden(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    t: CommentTarget<'_>,
    hidden: bool,
) -> Result<Comment, ServiceError> {
    let (opened, mut comment) = target(deps, caller, t, Permission::Publish).await?;
    if let Err(e) = deps
        .meta
        .set_hidden(&graph(&opened), &comment.id, hidden)
        .await
    {
        return Err(comment_failed(deps, &opened, e).await);
    }
    audit(
        deps,
        caller,
        &opened,
        AuditEvent::CommentHidden {
            media_id: t.media_id.to_owned(),
            comment_id: comment.id.clone(),
            hidden,
        },
    )
    .await?;
    comment.hidden = hidden;
    Ok(comment)
}

/// `DELETE .../comments/{comment_id}` (manage permission).
pub async fn delete_comment(
    deps: EngagementDeps<'_>,
    caller: &Caller,
    t: CommentTarget<'_>,
) -> Result<(), ServiceError> {
    let (opened, comment) = target(deps, caller, t, Permission::Manage).await?;
    if let Err(e) = deps.meta.delete_comment(&graph(&opened), &comment.id).await {
        return Err(comment_failed(deps, &opened, e).await);
    }
    audit(
        deps,
        caller,
        &opened,
        AuditEvent::CommentDeleted {
            media_id: t.media_id.to_owned(),
            comment_id: comment.id,
        },
    )
    .await
}
