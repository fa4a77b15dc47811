//! One attempt at publishing a post: the steps of Meta's container flow, each recorded in
//! the store before the next is taken, so an attempt that dies anywhere leaves a post the
//! next attempt resumes without repeating what cannot be repeated.
//!
//! 1. Read `content_publishing_limit` (Meta's numbers, never ours) before the attempt's
//!    first write at Meta.
//! 2. Create the containers: a carousel's items, then (once they are processed) the
//!    carousel; or the single item's. Recorded before their status is read.
//! 3. Read the container's `status_code` until `FINISHED`, within the attempt's wait; a
//!    container still processing is looked at again later.
//! 4. Record that `media_publish` is about to be called, then call it. From then on the
//!    post is never published again on its own: if the answer is lost, the container's
//!    status says whether it was published (`PUBLISHED`: find the media), and otherwise the
//!    post is `unconfirmed`, for a person to check.
//!
//! The account's token is unsealed once, at the start of the attempt.

use super::PublishDeps;
use crate::domain::{
    Account, AccountStatus, AuditEntry, AuditEvent, Post, PostSpec, PublishFailure, VideoUpload,
};
use crate::ports::{
    ContainerStatus, EncryptionContext, GraphAccount, MetaError, PublishedMedia, StoreError,
};
use crate::service::ServiceError;
use chrono::TimeDelta;
use secrecy::SecretString;
use std::time::{Duration, Instant};

/// How many of the account's latest media are searched for a post whose publish answer was
/// lost; Meta lists the newest first, so the post is among the first few.
const RECENT_MEDIA: u32 = 25;
/// How long before recording the publish a found media may have been created (clock skew
/// between Meta and us).
const MEDIA_SKEW: TimeDelta = TimeDelta::minutes(5);

/// How much of a video is sent to Meta's upload host per request: large enough that a
/// 300 MB video is a few dozen requests, small enough to bound memory.
const UPLOAD_CHUNK: u64 = 8 * 1024 * 1024;
/// Chunks sent again after a transient failure, per attempt.
const UPLOAD_RETRIES: u32 = 3;

/// Codes of failures that are not Meta's error codes.
pub(super) mod codes {
    /// The container ended in `ERROR`.
    pub const PROCESSING_FAILED: &str = "media_processing_failed";
    /// Meta stayed unreachable, or kept throttling, for every allowed attempt.
    pub const META_UNAVAILABLE: &str = "meta_unavailable";
    /// The account was disconnected before the post went out.
    pub const ACCOUNT_GONE: &str = "account_not_found";
    /// The stored request no longer passes the rules (they changed since it was accepted).
    pub const INVALID: &str = "invalid_post";
}

/// Publishes `post` (the version stored and held by the caller) for `account`, waiting up
/// to `wait` for Meta to process media. Returns the post as stored at the end: published,
/// failed, unconfirmed, or still processing and due again. A [`StoreError::Conflict`] means
/// someone else took the post over; nothing more was sent to Meta.
pub(super) async fn attempt(
    deps: PublishDeps<'_>,
    account: &Account,
    post: Post,
    wait: Duration,
) -> Result<Post, ServiceError> {
    let mut run = Run {
        deps,
        account,
        post,
        deadline: Instant::now() + wait,
        limit_checked: false,
    };
    let spec = match run.post.request.parse_accepted() {
        Ok(spec) => spec,
        Err(e) => return run.fail(codes::INVALID, e.to_string()).await,
    };
    if account.status == AccountStatus::NeedsReauth {
        let f = PublishFailure::TokenInvalid;
        return run.fail(f.code(), f.message()).await;
    }
    // Uploads get their signed fetch URLs only when containers are still to be made: a
    // container made earlier already holds what Meta fetched.
    let spec = if spec.uploads().is_empty() || run.post.progress.container.is_some() {
        spec
    } else {
        match fetch_urls(deps, &run.post, &spec).await {
            Ok(spec) => spec,
            Err(Unusable::Refused(code, detail)) => return run.fail(code, detail).await,
            Err(Unusable::Failed(e)) => return Err(e),
        }
    };
    let token = run.unseal().await?;
    let graph = GraphAccount {
        login: account.login,
        ig_user_id: &account.ig_user_id,
        token: &token,
    };
    let post = match run.steps(&graph, &spec).await {
        Ok(()) | Err(Stop::Done) => Ok(run.post),
        Err(Stop::Meta(e)) => run.meta_failed(e).await,
        Err(Stop::Service(e)) => Err(e),
    }?;
    if post.status.is_final() && !spec.uploads().is_empty() {
        crate::service::settle_media(deps.media, &post.tenant, &spec, deps.clock.now()).await;
    }
    Ok(post)
}

/// Why a post's uploads cannot be given to Meta.
enum Unusable {
    /// For good (expired, rejected, gone): the post fails with this code.
    Refused(&'static str, String),
    /// Storage failed: the attempt stops, the post stays due.
    Failed(ServiceError),
}

/// `spec` with every upload's signed fetch URL.
async fn fetch_urls(
    deps: PublishDeps<'_>,
    post: &Post,
    spec: &PostSpec,
) -> Result<PostSpec, Unusable> {
    let urls = match crate::service::fetch_urls(deps.media, &post.tenant, spec).await {
        Ok(urls) => urls,
        Err(ServiceError::Conflict { code, detail } | ServiceError::NotFound { code, detail }) => {
            return Err(Unusable::Refused(code, detail));
        }
        Err(e) => return Err(Unusable::Failed(e)),
    };
    spec.with_fetch_urls(&urls).map_err(|id| {
        Unusable::Failed(ServiceError::Store(StoreError::Corrupt(format!(
            "no fetch URL for media {id}"
        ))))
    })
}

/// Why the steps stopped early.
enum Stop {
    /// The post was stored in a state that ends this attempt.
    Done,
    /// Meta refused or failed a call before `media_publish`: nothing was published.
    Meta(MetaError),
    Service(ServiceError),
}

impl From<ServiceError> for Stop {
    fn from(e: ServiceError) -> Self {
        Self::Service(e)
    }
}

impl From<StoreError> for Stop {
    fn from(e: StoreError) -> Self {
        Self::Service(e.into())
    }
}

struct Run<'a> {
    deps: PublishDeps<'a>,
    account: &'a Account,
    post: Post,
    deadline: Instant,
    limit_checked: bool,
}

impl Run<'_> {
    async fn unseal(&self) -> Result<SecretString, ServiceError> {
        let sealed = self
            .deps
            .tokens
            .sealed_token(&self.account.tenant, &self.account.id)
            .await?
            .ok_or(ServiceError::AccountNotFound)?;
        let context =
            EncryptionContext::access_token(&self.account.tenant, &self.account.ig_user_id);
        Ok(self.deps.sealer.unseal(&sealed, &context).await?)
    }

    /// Stores `next` (with `audit`) and makes it the post this attempt holds.
    async fn save(&mut self, next: Post, audit: Option<AuditEntry>) -> Result<(), StoreError> {
        self.deps.posts.update_post(&next, audit.as_ref()).await?;
        self.post = next;
        Ok(())
    }

    fn audit(&self, event: AuditEvent) -> AuditEntry {
        AuditEntry::new(
            &self.post.tenant,
            &self.post.created_by,
            &self.post.account_id,
            self.deps.clock.now(),
            event,
        )
    }

    async fn fail(&mut self, code: &str, message: String) -> Result<Post, ServiceError> {
        let next = self.post.failed(self.deps.clock.now(), code, message);
        let audit = self.audit(AuditEvent::PostFailed {
            post_id: next.id.clone(),
            kind: next.kind,
            code: code.to_owned(),
        });
        self.save(next, Some(audit)).await?;
        tracing::info!(post = %self.post.id, code, "post failed");
        Ok(self.post.clone())
    }

    async fn published(
        &mut self,
        media_id: Option<String>,
        permalink: Option<String>,
    ) -> Result<(), StoreError> {
        let next = self
            .post
            .published(self.deps.clock.now(), media_id.clone(), permalink);
        let audit = self.audit(AuditEvent::PostPublished {
            post_id: next.id.clone(),
            kind: next.kind,
            media_id: media_id.unwrap_or_default(),
        });
        self.save(next, Some(audit)).await?;
        tracing::info!(post = %self.post.id, "post published");
        Ok(())
    }

    /// Leaves the post due again at `after` from now.
    async fn later(&mut self, after: TimeDelta, transient: bool) -> Result<(), StoreError> {
        let now = self.deps.clock.now();
        let next = self.post.retry_at(now, now + after, transient);
        self.save(next, None).await
    }

    /// Waits `poll_interval` when the attempt still may, else leaves the post due for a
    /// later status read. `false` when the attempt ends here.
    async fn wait_or_defer(&mut self) -> Result<bool, Stop> {
        let interval = self.deps.policy.poll_interval;
        if Instant::now() + interval <= self.deadline {
            tokio::time::sleep(interval).await;
            return Ok(true);
        }
        self.later(self.deps.policy.recheck_after, false).await?;
        Ok(false)
    }

    async fn steps(&mut self, graph: &GraphAccount<'_>, spec: &PostSpec) -> Result<(), Stop> {
        if self.post.progress.publish_started_at.is_some() {
            return self.resolve_unknown(graph, spec).await;
        }
        let (container, fresh) = match self.post.progress.container.clone() {
            Some(c) => (c, false),
            None => (self.create_containers(graph, spec).await?, true),
        };
        if let Some(upload) = self.post.progress.video_upload.clone()
            && !upload.uploaded
        {
            self.upload_video(graph, &container, &upload, fresh).await?;
        }
        loop {
            match self.deps.meta.container_status(graph, &container).await {
                Ok(ContainerStatus::Finished) => break,
                Ok(ContainerStatus::InProgress) => {
                    if !self.wait_or_defer().await? {
                        return Err(Stop::Done);
                    }
                }
                Ok(status) => return self.container_ended(graph, spec, status).await,
                Err(e) => return Err(Stop::Meta(e)),
            }
        }
        self.publish(graph, &container).await
    }

    /// Creates what is missing of the containers, recording them; the container to publish.
    async fn create_containers(
        &mut self,
        graph: &GraphAccount<'_>,
        spec: &PostSpec,
    ) -> Result<String, Stop> {
        self.check_limit(graph).await?;
        let meta = self.deps.meta;
        let children_params = spec.child_containers();
        if self.post.progress.children.len() != children_params.len() {
            let mut children = Vec::with_capacity(children_params.len());
            for params in &children_params {
                children.push(
                    meta.create_container(graph, params)
                        .await
                        .map_err(Stop::Meta)?,
                );
            }
            let mut next = self.post.next(self.deps.clock.now());
            next.progress.children = children;
            self.save(next, None).await?;
        }
        // Meta takes a carousel only once its items are processed.
        let children = self.post.progress.children.clone();
        for child in &children {
            loop {
                match meta.container_status(graph, child).await {
                    Ok(ContainerStatus::Finished) => break,
                    Ok(ContainerStatus::InProgress) => {
                        if !self.wait_or_defer().await? {
                            return Err(Stop::Done);
                        }
                    }
                    Ok(status) => {
                        self.container_ended(graph, spec, status).await?;
                        return Err(Stop::Done);
                    }
                    Err(e) => return Err(Stop::Meta(e)),
                }
            }
        }
        let main = spec.main_container(&children);
        let (params, video_upload) = match spec.resumable_video(self.account.login) {
            Some(id) => {
                let bytes = self.video_bytes(id).await?;
                let upload = VideoUpload {
                    media_id: id.clone(),
                    bytes,
                    uploaded: false,
                };
                (main.resumable(), Some(upload))
            }
            None => (main, None),
        };
        let container = meta
            .create_container(graph, &params)
            .await
            .map_err(Stop::Meta)?;
        let mut next = self.post.next(self.deps.clock.now());
        next.progress.container = Some(container.clone());
        next.progress.video_upload = video_upload;
        self.save(next, None).await?;
        if self.deps.policy.hold_after_containers {
            tracing::warn!(post = %self.post.id, "holding after containers (crash test hook)");
            std::future::pending::<()>().await;
        }
        Ok(container)
    }

    /// The size of the converted file of an uploaded video.
    async fn video_bytes(&self, id: &crate::domain::MediaId) -> Result<u64, Stop> {
        let media = self
            .deps
            .media
            .store
            .get_media(&self.post.tenant, id)
            .await?
            .and_then(|m| m.rendition)
            .ok_or_else(|| {
                Stop::Service(ServiceError::Store(StoreError::Corrupt(format!(
                    "uploaded video {id} has no file"
                ))))
            })?;
        Ok(media.bytes)
    }

    /// Sends an uploaded video's bytes to Meta's upload host, [`UPLOAD_CHUNK`] at a time,
    /// read from media storage by range: memory stays bounded by the chunk whatever the
    /// video's size. A container made by an earlier attempt resumes from the offset Meta
    /// holds; a chunk that fails transiently is sent again from there, a few times, before
    /// the attempt leaves the post for a later one.
    async fn upload_video(
        &mut self,
        graph: &GraphAccount<'_>,
        container: &str,
        upload: &VideoUpload,
        fresh: bool,
    ) -> Result<(), Stop> {
        let meta = self.deps.meta;
        let key = self
            .deps
            .media
            .store
            .get_media(&self.post.tenant, &upload.media_id)
            .await?
            .and_then(|m| m.rendition)
            .map(|r| r.key)
            .ok_or_else(|| {
                Stop::Service(ServiceError::Store(StoreError::Corrupt(format!(
                    "uploaded video {} has no file",
                    upload.media_id
                ))))
            })?;
        let mut offset = if fresh {
            0
        } else {
            meta.uploaded_offset(graph, container)
                .await
                .map_err(Stop::Meta)?
        };
        let mut retries = 0;
        while offset < upload.bytes {
            let len = UPLOAD_CHUNK.min(upload.bytes - offset);
            let chunk = self
                .deps
                .media
                .files
                .read_range(&key, offset, len)
                .await
                .map_err(|e| Stop::Service(e.into()))?;
            match meta
                .upload_video_chunk(graph, container, offset, upload.bytes, chunk)
                .await
            {
                Ok(()) => offset += len,
                Err(MetaError::Transport(e)) if retries < UPLOAD_RETRIES => {
                    retries += 1;
                    tracing::warn!(post = %self.post.id, error = %e, offset, "video chunk failed; resuming");
                    offset = meta
                        .uploaded_offset(graph, container)
                        .await
                        .map_err(Stop::Meta)?;
                }
                Err(e) => return Err(Stop::Meta(e)),
            }
        }
        let mut next = self.post.next(self.deps.clock.now());
        if let Some(u) = next.progress.video_upload.as_mut() {
            u.uploaded = true;
        }
        self.save(next, None).await?;
        tracing::info!(post = %self.post.id, bytes = upload.bytes, "video uploaded to Meta");
        Ok(())
    }

    /// Reads the quota once per attempt, before the attempt's first write at Meta.
    async fn check_limit(&mut self, graph: &GraphAccount<'_>) -> Result<(), Stop> {
        if self.limit_checked {
            return Ok(());
        }
        let limit = self
            .deps
            .meta
            .publishing_limit(graph)
            .await
            .map_err(Stop::Meta)?;
        self.limit_checked = true;
        if limit.is_used_up() {
            let f = PublishFailure::PublishingLimitReached;
            self.fail(f.code(), f.message()).await?;
            return Err(Stop::Done);
        }
        Ok(())
    }

    /// A container that will never be `FINISHED`.
    async fn container_ended(
        &mut self,
        graph: &GraphAccount<'_>,
        spec: &PostSpec,
        status: ContainerStatus,
    ) -> Result<(), Stop> {
        match status {
            ContainerStatus::Expired => {
                let f = PublishFailure::MediaExpired;
                self.fail(f.code(), f.message()).await?;
            }
            ContainerStatus::Published => {
                // Only reachable if a publish went unrecorded: find what it made.
                return self.found_published(graph, spec).await;
            }
            _ => {
                self.fail(
                    codes::PROCESSING_FAILED,
                    "Instagram could not process the media. Check that the file is a valid \
                     image or video and publish the post again."
                        .into(),
                )
                .await?;
            }
        }
        Err(Stop::Done)
    }

    async fn publish(&mut self, graph: &GraphAccount<'_>, container: &str) -> Result<(), Stop> {
        self.check_limit(graph).await?;
        let mut intent = self.post.next(self.deps.clock.now());
        intent.progress.publish_started_at = Some(self.deps.clock.now());
        self.save(intent, None).await?;
        match self.deps.meta.publish_container(graph, container).await {
            Ok(media_id) => {
                let permalink = self
                    .deps
                    .meta
                    .permalink(graph, &media_id)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(post = %self.post.id, error = %e, "permalink unreadable");
                        None
                    });
                self.published(Some(media_id), permalink).await?;
                Err(Stop::Done)
            }
            Err(e) if e.outcome_unknown() || matches!(e, MetaError::Decode(_)) => {
                tracing::warn!(post = %self.post.id, error = %e, "publish outcome unknown");
                let spec = self.post.request.parse_accepted().map_err(|e| {
                    Stop::Service(ServiceError::invalid(codes::INVALID, e.to_string()))
                })?;
                self.resolve_unknown(graph, &spec).await
            }
            Err(e) => {
                // A clear refusal: nothing was published, so the intent is withdrawn and the
                // refusal handled like any other.
                let mut withdrawn = self.post.next(self.deps.clock.now());
                withdrawn.progress.publish_started_at = None;
                self.save(withdrawn, None).await?;
                Err(Stop::Meta(e))
            }
        }
    }

    /// `media_publish` was called and its answer lost: the container says what happened.
    async fn resolve_unknown(
        &mut self,
        graph: &GraphAccount<'_>,
        spec: &PostSpec,
    ) -> Result<(), Stop> {
        let Some(container) = self.post.progress.container.clone() else {
            self.unconfirmed().await?;
            return Err(Stop::Done);
        };
        match self.deps.meta.container_status(graph, &container).await {
            Ok(ContainerStatus::Published) => self.found_published(graph, spec).await,
            Ok(_) => {
                self.unconfirmed().await?;
                Err(Stop::Done)
            }
            Err(e) if self.post.attempts + 1 < self.deps.policy.max_attempts => {
                tracing::warn!(post = %self.post.id, error = %e, "publish outcome still unknown");
                let backoff = self.deps.policy.backoff(self.post.attempts);
                self.later(backoff, true).await?;
                Err(Stop::Done)
            }
            Err(_) => {
                self.unconfirmed().await?;
                Err(Stop::Done)
            }
        }
    }

    async fn unconfirmed(&mut self) -> Result<(), StoreError> {
        let next = self.post.unconfirmed(self.deps.clock.now());
        self.save(next, None).await?;
        tracing::warn!(post = %self.post.id, "post unconfirmed: check the account");
        Ok(())
    }

    /// The container was published: the media it made is the newest one with the post's
    /// caption, created after the publish was recorded (less some clock skew).
    async fn found_published(
        &mut self,
        graph: &GraphAccount<'_>,
        spec: &PostSpec,
    ) -> Result<(), Stop> {
        let since = self
            .post
            .progress
            .publish_started_at
            .unwrap_or(self.post.created_at)
            - MEDIA_SKEW;
        let caption = spec.caption().map(|c| c.as_str().to_owned());
        let found = match self.deps.meta.recent_media(graph, RECENT_MEDIA).await {
            Ok(media) => pick_media(media, caption.as_deref(), since),
            Err(e) => {
                tracing::warn!(post = %self.post.id, error = %e, "recent media unreadable");
                None
            }
        };
        let (id, permalink) = match found {
            Some(m) => (Some(m.id), m.permalink),
            None => (None, None),
        };
        self.published(id, permalink).await?;
        Err(Stop::Done)
    }

    /// A call before `media_publish` failed: nothing was published.
    async fn meta_failed(&mut self, e: MetaError) -> Result<Post, ServiceError> {
        let failure = match &e {
            MetaError::Api { code, subcode, .. } => {
                Some(PublishFailure::from_meta(*code, *subcode))
            }
            _ => None,
        };
        let transient = e.outcome_unknown()
            || matches!(e, MetaError::Transport(_) | MetaError::Decode(_))
            || failure.is_some_and(|f| f.is_rate_limit());
        if failure == Some(PublishFailure::MediaNotReady) {
            tracing::info!(post = %self.post.id, "media not ready yet");
            self.later(self.deps.policy.recheck_after, false).await?;
            return Ok(self.post.clone());
        }
        if transient {
            if self.post.attempts + 1 >= self.deps.policy.max_attempts {
                let (code, message) = match failure {
                    Some(f) => (f.code(), f.message()),
                    None => (
                        codes::META_UNAVAILABLE,
                        "Instagram could not be reached for too long. Publish the post again."
                            .to_owned(),
                    ),
                };
                return self.fail(code, message).await;
            }
            let backoff = e
                .retry_after()
                .and_then(|d| TimeDelta::from_std(d).ok())
                .unwrap_or_else(|| self.deps.policy.backoff(self.post.attempts));
            tracing::warn!(post = %self.post.id, error = %e, "transient failure; retrying later");
            self.later(backoff, true).await?;
            return Ok(self.post.clone());
        }
        match failure {
            Some(f) => {
                if f.needs_reauth() {
                    let changed = self
                        .deps
                        .health
                        .mark_needs_reauth(
                            &self.account.tenant,
                            &self.account.id,
                            self.deps.clock.now(),
                            f.code(),
                        )
                        .await?;
                    if changed {
                        tracing::warn!(account = %self.account.id, "account needs reauth");
                    }
                }
                self.fail(f.code(), f.message()).await
            }
            None => {
                tracing::error!(post = %self.post.id, error = %e, "Meta failed");
                let f = PublishFailure::Meta {
                    code: 0,
                    subcode: None,
                };
                self.fail(f.code(), f.message()).await
            }
        }
    }
}

/// The media a lost publish made: the newest of `media` created since `since` with the
/// post's caption (or, for posts without one, the newest created since `since`).
fn pick_media(
    media: Vec<PublishedMedia>,
    caption: Option<&str>,
    since: chrono::DateTime<chrono::Utc>,
) -> Option<PublishedMedia> {
    media.into_iter().find(|m| {
        m.timestamp.is_none_or(|t| t >= since)
            && match caption {
                Some(c) => m.caption.as_deref() == Some(c),
                None => true,
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn media(id: &str, caption: Option<&str>, at: i64) -> PublishedMedia {
        PublishedMedia {
            id: id.into(),
            caption: caption.map(str::to_owned),
            permalink: None,
            timestamp: DateTime::from_timestamp(at, 0),
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    #[test]
    fn the_newest_media_with_the_caption_since_the_publish_is_picked() {
        let list = vec![
            media("3", Some("other"), 1_000),
            media("2", Some("mine"), 900),
            media("1", Some("mine"), 100),
        ];
        assert_eq!(
            pick_media(list, Some("mine"), at(500)).map(|m| m.id),
            Some("2".into())
        );
    }

    #[test]
    fn media_older_than_the_publish_are_never_picked() {
        let list = vec![media("1", Some("mine"), 100)];
        assert!(pick_media(list, Some("mine"), at(500)).is_none());
    }

    #[test]
    fn without_a_caption_the_newest_since_the_publish_is_picked() {
        let list = vec![media("2", None, 900), media("1", None, 100)];
        assert_eq!(
            pick_media(list, None, at(500)).map(|m| m.id),
            Some("2".into())
        );
    }
}
