//! A post as igconnect keeps it: what was asked, how far publishing got at Meta, and what
//! came of it. Publishing takes several calls to Meta and may outlive the request (videos
//! are processed, posts are scheduled), so the post records each step before the next one
//! is taken; whoever picks it up after a crash resumes from there and never repeats the one
//! step that cannot be repeated, `media_publish`.

use super::{PostKind, PostRequest};
use crate::domain::{AccountId, PostId, TenantId, UserId};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where a post stands, as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    /// Waiting for `publish_at`.
    Scheduled,
    /// Being published: containers created or being processed by Meta.
    Processing,
    /// On Instagram, with Meta's media id and permalink.
    Published,
    /// Refused; `failure` says why and what to do.
    Failed,
    /// `media_publish` was called but its outcome could not be established. Never published
    /// again on its own: a person checks the account and decides.
    Unconfirmed,
    /// Canceled before it was published.
    Canceled,
}

impl PostStatus {
    /// Every status, in the order the API documents them.
    pub const ALL: [Self; 6] = [
        Self::Scheduled,
        Self::Processing,
        Self::Published,
        Self::Failed,
        Self::Unconfirmed,
        Self::Canceled,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Processing => "processing",
            Self::Published => "published",
            Self::Failed => "failed",
            Self::Unconfirmed => "unconfirmed",
            Self::Canceled => "canceled",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether nothing more will happen to the post by itself.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Scheduled | Self::Processing)
    }
}

/// Why a post failed: a stable code and a message a person can act on, never Meta's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostFailure {
    pub code: String,
    pub message: String,
}

/// How far publishing got at Meta. Each field is written before the step that depends on
/// it, so a post read back after a crash says exactly what may already exist at Meta.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The carousel's children containers, in order (empty for other kinds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
    /// The container to publish: the carousel, or the single item's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// When `media_publish` was called for `container`. Once set, the outcome is checked
    /// and the call is never made again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_started_at: Option<DateTime<Utc>>,
    /// A video sent to Meta by resumable upload: recorded with its container, marked
    /// `uploaded` once every byte is at Meta (until then the container cannot finish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_upload: Option<VideoUpload>,
}

/// The upload of a resumable video container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoUpload {
    /// The uploaded file whose bytes are sent.
    pub media_id: crate::domain::MediaId,
    /// Its size.
    pub bytes: u64,
    /// Whether Meta holds every byte.
    pub uploaded: bool,
}

/// A client's `Idempotency-Key`: 1 to 255 visible ASCII characters. Requests with the same
/// key on the same account are one post.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// The longest idempotency key accepted.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

impl IdempotencyKey {
    /// Parses the header's value.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.len() <= MAX_IDEMPOTENCY_KEY_LEN
            && s.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| Self(s.to_owned()))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// SHA-256 of the key, hex: fixed length and key-safe, what storage indexes by.
    pub fn digest(&self) -> String {
        hex_sha256(self.0.as_bytes())
    }
}

impl PostRequest {
    /// SHA-256 of the request's canonical JSON, hex. Two bodies that mean the same post
    /// (whatever their whitespace or field order) have the same fingerprint.
    pub fn fingerprint(&self) -> String {
        // Serializing a struct of plain fields cannot fail.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        hex_sha256(&bytes)
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A post: the request that made it, where publishing stands, and the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    pub id: PostId,
    pub tenant: TenantId,
    pub account_id: AccountId,
    /// The user who asked for it; the audit entries of its outcome name them.
    pub created_by: UserId,
    pub idempotency_key: IdempotencyKey,
    /// [`PostRequest::fingerprint`] of `request`: a replay with another body is refused.
    pub request_fingerprint: String,
    /// The request as accepted (it passed [`PostRequest::parse`] when it was made).
    pub request: PostRequest,
    pub kind: PostKind,
    pub status: PostStatus,
    pub publish_at: Option<DateTime<Utc>>,
    pub progress: Progress,
    /// Meta's id of the published media.
    pub media_id: Option<String>,
    pub permalink: Option<String>,
    pub failure: Option<PostFailure>,
    /// When a worker should take the post up next; `None` once nothing is left to do. While
    /// someone works on the post it is the end of their lease.
    pub due_at: Option<DateTime<Utc>>,
    /// How many times a worker took the post up after a transient failure.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version, bumped on every write.
    pub version: u64,
}

/// Why a post cannot be canceled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CancelRefused {
    #[error("the post is already published; delete it on Instagram instead")]
    AlreadyPublished,
    #[error("the post is being published and can no longer be canceled")]
    PublishStarted,
    #[error("the post has failed; there is nothing to cancel")]
    Failed,
}

/// What a new post is made of; [`Post::new`] decides its first status.
pub struct NewPost {
    pub tenant: TenantId,
    pub account_id: AccountId,
    pub created_by: UserId,
    pub idempotency_key: IdempotencyKey,
    pub request: PostRequest,
    pub kind: PostKind,
    pub publish_at: Option<DateTime<Utc>>,
}

impl Post {
    /// A post accepted at `now`. A scheduled one is due at `publish_at`; one to publish now
    /// is leased to the request for `lease`, after which a worker takes it over if the
    /// request died on the way.
    pub fn new(new: NewPost, now: DateTime<Utc>, lease: TimeDelta) -> Self {
        // Stores keep milliseconds; a post answered from memory must read the same.
        let now = now.trunc_subsecs(3);
        let (status, due_at) = match new.publish_at {
            Some(at) => (PostStatus::Scheduled, at),
            None => (PostStatus::Processing, now + lease),
        };
        Self {
            id: PostId::generate(),
            tenant: new.tenant,
            account_id: new.account_id,
            created_by: new.created_by,
            idempotency_key: new.idempotency_key,
            request_fingerprint: new.request.fingerprint(),
            request: new.request,
            kind: new.kind,
            status,
            publish_at: new.publish_at,
            progress: Progress::default(),
            media_id: None,
            permalink: None,
            failure: None,
            due_at: Some(due_at),
            attempts: 0,
            created_at: now,
            updated_at: now,
            published_at: None,
            version: 1,
        }
    }

    /// The next version of the post, written at `now`: what every change starts from.
    pub fn next(&self, now: DateTime<Utc>) -> Self {
        Self {
            updated_at: now.trunc_subsecs(3),
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// Whether a worker may take the post up at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        !self.status.is_final() && self.due_at.is_some_and(|at| at <= now)
    }

    /// Taken up by a worker (or the request) until `now + lease`.
    pub fn leased(&self, now: DateTime<Utc>, lease: TimeDelta) -> Self {
        Self {
            status: PostStatus::Processing,
            due_at: Some(now + lease),
            ..self.next(now)
        }
    }

    /// Published as `media_id` (`None` when Meta says the container was published but the
    /// media it made could not be found in the account's latest media).
    pub fn published(
        &self,
        now: DateTime<Utc>,
        media_id: Option<String>,
        permalink: Option<String>,
    ) -> Self {
        Self {
            status: PostStatus::Published,
            media_id,
            permalink,
            due_at: None,
            published_at: Some(now.trunc_subsecs(3)),
            ..self.next(now)
        }
    }

    /// Refused for good.
    pub fn failed(&self, now: DateTime<Utc>, code: &str, message: String) -> Self {
        Self {
            status: PostStatus::Failed,
            failure: Some(PostFailure {
                code: code.to_owned(),
                message,
            }),
            due_at: None,
            ..self.next(now)
        }
    }

    /// `media_publish`'s outcome could not be established: left for a person.
    pub fn unconfirmed(&self, now: DateTime<Utc>) -> Self {
        Self {
            status: PostStatus::Unconfirmed,
            due_at: None,
            ..self.next(now)
        }
    }

    /// Looked at again at `at` (video still processing, or a transient failure).
    pub fn retry_at(&self, now: DateTime<Utc>, at: DateTime<Utc>, transient: bool) -> Self {
        Self {
            due_at: Some(at),
            attempts: self.attempts + u32::from(transient),
            ..self.next(now)
        }
    }

    /// Canceled, if nothing was published yet. A post already canceled stays as it is.
    pub fn canceled(&self, now: DateTime<Utc>) -> Result<Self, CancelRefused> {
        match self.status {
            PostStatus::Canceled => Ok(self.clone()),
            PostStatus::Published => Err(CancelRefused::AlreadyPublished),
            PostStatus::Failed => Err(CancelRefused::Failed),
            PostStatus::Unconfirmed => Err(CancelRefused::PublishStarted),
            PostStatus::Scheduled | PostStatus::Processing => {
                if self.progress.publish_started_at.is_some() {
                    return Err(CancelRefused::PublishStarted);
                }
                Ok(Self {
                    status: PostStatus::Canceled,
                    due_at: None,
                    ..self.next(now)
                })
            }
        }
    }
}
