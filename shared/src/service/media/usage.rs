//! Media named by posts: checked when the post is accepted (so a post never waits on a file
//! that cannot be published), given a signed fetch URL when its containers are created,
//! and kept for the retention period after the post is settled.

use super::MediaDeps;
use super::upload::not_found;
use crate::domain::media::{Media, MediaStatus, MediaTarget};
use crate::domain::{AccountId, MediaId, MediaKind, PostKind, PostSpec, TenantId, Upload};
use crate::ports::StoreError;
use crate::service::ServiceError;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How often a reference is written again after losing a race with another writer.
const WRITE_ATTEMPTS: u32 = 4;

/// Whether a medium prepared for `target` can be used as `upload` in a `post`.
fn serves(target: MediaTarget, upload: &Upload<'_>, post: PostKind) -> bool {
    use MediaTarget as T;
    if upload.cover {
        return matches!(target, T::ReelCover | T::Image | T::Story);
    }
    match (post, upload.kind) {
        (PostKind::Image, _) => matches!(target, T::Image | T::Carousel),
        (PostKind::Carousel, MediaKind::Image) => matches!(target, T::Image | T::Carousel),
        (PostKind::Carousel, MediaKind::Video) => target == T::Carousel,
        // A story shows feed-shaped images too, letterboxed by Instagram.
        (PostKind::Story, MediaKind::Image) => matches!(target, T::Story | T::Image | T::Carousel),
        (PostKind::Story, MediaKind::Video) => target == T::Story,
        (PostKind::Reel, _) => target == T::Reel,
    }
}

/// Why a medium cannot be published (yet), as a refusal of the request naming it.
fn unusable(media: &Media, what: &str) -> Option<ServiceError> {
    let conflict = |code, detail: String| Some(ServiceError::Conflict { code, detail });
    match media.status {
        MediaStatus::Ready => None,
        MediaStatus::Uploading | MediaStatus::Processing => conflict(
            "upload_not_ready",
            format!(
                "{what} is still {}: wait until GET /v1/media/{} says ready",
                media.status.as_str(),
                media.id
            ),
        ),
        MediaStatus::Rejected => {
            let reason = media
                .rejection
                .as_ref()
                .map(|r| format!("{} ({})", r.message, r.code))
                .unwrap_or_default();
            conflict("upload_rejected", format!("{what} was rejected: {reason}"))
        }
        MediaStatus::Expired => conflict(
            "upload_expired",
            format!("{what} has expired and its file is deleted: upload it again"),
        ),
    }
}

fn describe(upload: &Upload<'_>) -> String {
    if upload.cover {
        "the cover".to_owned()
    } else {
        format!("media {}", upload.id)
    }
}

/// Checks every upload `spec` names for a post of the tenant, publishing at `publish_at`
/// (now when `None`), and records that the post uses it: it is kept at least the
/// retention period after that time.
pub async fn use_in_post(
    deps: MediaDeps<'_>,
    tenant: &TenantId,
    account: &AccountId,
    spec: &PostSpec,
    publish_at: Option<DateTime<Utc>>,
) -> Result<(), ServiceError> {
    let mut checked = Vec::new();
    for upload in spec.uploads() {
        let media = deps
            .store
            .get_media(tenant, upload.id)
            .await?
            .ok_or_else(not_found)?;
        if let Some(refusal) = unusable(&media, &describe(&upload)) {
            return Err(refusal);
        }
        let is_video = media.is_video();
        if is_video != (upload.kind == MediaKind::Video) {
            return Err(ServiceError::invalid(
                "upload_kind_mismatch",
                format!(
                    "{} is {}, but the post names it as {}",
                    describe(&upload),
                    if is_video { "a video" } else { "an image" },
                    if upload.kind == MediaKind::Video {
                        "a video"
                    } else {
                        "an image"
                    },
                ),
            ));
        }
        if !serves(media.target, &upload, spec.kind()) {
            return Err(ServiceError::Conflict {
                code: "upload_target_mismatch",
                detail: format!(
                    "{} was prepared for post_type {} and does not fit this {} post: upload \
                     it again with the post_type you publish it as",
                    describe(&upload),
                    media.target.as_str(),
                    spec.kind()
                ),
            });
        }
        checked.push(upload.id.clone());
    }
    let from = publish_at.unwrap_or_else(|| deps.clock.now());
    for id in checked {
        keep_until(
            deps,
            tenant,
            &id,
            from + deps.policy.retain_after_use,
            Some(account),
        )
        .await?;
    }
    Ok(())
}

/// The signed URL Meta fetches each upload of `spec` from. An upload that is no longer
/// ready (it expired while the post waited) is refused with its reason.
pub async fn fetch_urls(
    deps: MediaDeps<'_>,
    tenant: &TenantId,
    spec: &PostSpec,
) -> Result<HashMap<MediaId, String>, ServiceError> {
    let mut urls = HashMap::new();
    for upload in spec.uploads() {
        if urls.contains_key(upload.id) {
            continue;
        }
        let media = deps
            .store
            .get_media(tenant, upload.id)
            .await?
            .ok_or_else(not_found)?;
        if let Some(refusal) = unusable(&media, &describe(&upload)) {
            return Err(refusal);
        }
        let Some(rendition) = &media.rendition else {
            return Err(ServiceError::Store(StoreError::Corrupt(format!(
                "ready media {} has no rendition",
                media.id
            ))));
        };
        let url = deps
            .files
            .fetch_url(&rendition.key, deps.policy.fetch_ttl)
            .await?;
        urls.insert(upload.id.clone(), url);
    }
    Ok(urls)
}

/// A post naming `spec`'s uploads was settled at `now`: they are kept the retention
/// period from now. Best effort: a failure leaves the retention counted from when the post
/// was accepted.
pub async fn settle_media(
    deps: MediaDeps<'_>,
    tenant: &TenantId,
    spec: &PostSpec,
    now: DateTime<Utc>,
) {
    for upload in spec.uploads() {
        let until = now + deps.policy.retain_after_use;
        if let Err(e) = keep_until(deps, tenant, upload.id, until, None).await {
            tracing::warn!(media = %upload.id, error = %e, "media retention not extended");
        }
    }
}

/// Moves the medium's expiry to at least `until` (counting a post of `new_post`'s account
/// when given).
async fn keep_until(
    deps: MediaDeps<'_>,
    tenant: &TenantId,
    id: &MediaId,
    until: DateTime<Utc>,
    new_post: Option<&AccountId>,
) -> Result<(), ServiceError> {
    for _ in 0..WRITE_ATTEMPTS {
        let Some(media) = deps.store.get_media(tenant, id).await? else {
            return Err(not_found());
        };
        if media.status == MediaStatus::Expired || (new_post.is_none() && media.expires_at >= until)
        {
            return Ok(());
        }
        let mut next = media.next(deps.clock.now());
        next.expires_at = media.expires_at.max(until);
        if let Some(account) = new_post {
            next.posts += 1;
            if !next.accounts.contains(account) {
                next.accounts.push(account.clone());
            }
        }
        match deps.store.update_media(&next, 0).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Conflict.into())
}
