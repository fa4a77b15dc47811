//! What a user asks to publish, checked against Instagram's rules before anything is sent
//! to Meta. Meta reports most of these mistakes only when the post is published, which for
//! a scheduled post is long after the user has left; refusing the request up front, with a
//! stable code and a message saying what to change, lets them fix it while they are there.
//!
//! A [`PostRequest`] is the JSON as received; [`PostRequest::parse`] turns it into a
//! [`PostSpec`], which can be built no other way, so holding one proves every rule below:
//!
//! - `type` is `image`, `carousel`, `reel` or `story`; `media` is not empty.
//! - A carousel has 2 to 10 items, images or videos (a video in a carousel is a carousel
//!   video, never a reel); every other type has exactly one item: an image for `image`, a
//!   video for `reel`, either for `story`.
//! - Every URL is an absolute `https` URL.
//! - Alt text only on images of image posts and carousels, at most 1,000 characters; at
//!   most 20 user tags per item.
//! - The caption (not on stories, where Meta shows none) has at most 2,200 characters,
//!   30 hashtags and 20 mentions (see [`Caption`] for how they are counted).
//! - Options only where Meta takes them ([`PostKind::allows`]); at most 3 collaborators.
//! - `publish_at`, when given, is after `now`.
//!
//! Checks run in that order and the first failure is reported.

mod caption;
mod containers;
mod error;
mod handle;
mod kind;
mod media;
mod options;
mod record;
mod request;
#[cfg(test)]
mod tests;

pub use caption::{Caption, MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS};
pub use containers::ContainerParams;
pub use error::{PostError, UrlField};
pub use handle::{Handle, MAX_HANDLE_CHARS};
pub use kind::{PostKind, PostOption};
pub use media::{
    AltText, MAX_ALT_TEXT_CHARS, MAX_USER_TAGS, MediaItem, MediaKind, MediaSource, MediaUrl,
    TagPosition, UserTag,
};
pub use options::{LocationId, MAX_COLLABORATORS, PostOptions};
pub use record::{
    CancelRefused, IdempotencyKey, MAX_IDEMPOTENCY_KEY_LEN, NewPost, Post, PostFailure, PostStatus,
    Progress, VideoUpload,
};
pub use request::{MediaItemRequest, PostOptionsRequest, PostRequest, UserTagRequest};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A post that Instagram's rules allow: what to publish, with what, and when. Only
/// [`PostRequest::parse`] makes one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostSpec {
    kind: PostKind,
    media: Vec<MediaItem>,
    caption: Option<Caption>,
    publish_at: Option<DateTime<Utc>>,
    options: PostOptions,
}

impl PostSpec {
    /// What is published.
    pub fn kind(&self) -> PostKind {
        self.kind
    }

    /// The images and videos, in order: as many as [`PostKind::media_count`] allows.
    pub fn media(&self) -> &[MediaItem] {
        &self.media
    }

    /// The caption; never on a story.
    pub fn caption(&self) -> Option<&Caption> {
        self.caption.as_ref()
    }

    /// When to publish; `None` is now.
    pub fn publish_at(&self) -> Option<DateTime<Utc>> {
        self.publish_at
    }

    /// The options, each only where the kind takes it.
    pub fn options(&self) -> &PostOptions {
        &self.options
    }

    /// Every uploaded file the post names, in order: each media item's (with its kind),
    /// then the reel's cover (an image).
    pub fn uploads(&self) -> Vec<Upload<'_>> {
        let items = self.media.iter().filter_map(|m| {
            m.source().media_id().map(|id| Upload {
                id,
                kind: m.kind(),
                cover: false,
            })
        });
        let cover = self
            .options
            .cover
            .as_ref()
            .and_then(MediaSource::media_id)
            .map(|id| Upload {
                id,
                kind: MediaKind::Image,
                cover: true,
            });
        items.chain(cover).collect()
    }

    /// The spec with every upload given the URL Meta fetches it from; the id of an upload
    /// `urls` has no URL for is returned instead.
    pub fn with_fetch_urls(
        &self,
        urls: &std::collections::HashMap<crate::domain::MediaId, String>,
    ) -> Result<PostSpec, crate::domain::MediaId> {
        let fetch = |source: &mut MediaSource| -> Result<(), crate::domain::MediaId> {
            if let Some(id) = source.media_id().cloned() {
                let url = urls.get(&id).cloned().ok_or_else(|| id.clone())?;
                *source = MediaSource::Fetch { id, url };
            }
            Ok(())
        };
        let mut spec = self.clone();
        for item in &mut spec.media {
            fetch(item.source_mut())?;
        }
        if let Some(cover) = spec.options.cover.as_mut() {
            fetch(cover)?;
        }
        Ok(spec)
    }
}

/// An uploaded file a post names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload<'a> {
    pub id: &'a crate::domain::MediaId,
    /// What the post uses it as.
    pub kind: MediaKind,
    /// Whether it is the reel's cover.
    pub cover: bool,
}

impl PostRequest {
    /// Checks the request against every rule of the module, `publish_at` against `now`
    /// (passed in, so the rules stay pure and testable).
    pub fn parse(&self, now: DateTime<Utc>) -> Result<PostSpec, PostError> {
        let kind = PostKind::parse(&self.kind).ok_or(PostError::UnknownPostType)?;
        let media = media(self, kind)?;
        let caption = match self.caption.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(_) if !kind.allows(PostOption::Caption) => {
                return Err(PostError::OptionNotAllowed {
                    option: PostOption::Caption,
                    kind,
                });
            }
            Some(text) => Some(Caption::parse(text)?),
        };
        let options = match &self.options {
            Some(raw) => PostOptions::parse(raw, kind)?,
            None => PostOptions::default(),
        };
        if let Some(publish_at) = self.publish_at.filter(|at| *at <= now) {
            return Err(PostError::PublishAtInPast { publish_at });
        }
        Ok(PostSpec {
            kind,
            media,
            caption,
            publish_at: self.publish_at,
            options,
        })
    }
}

impl PostRequest {
    /// Parses a request accepted earlier (stored with its post): every rule is checked
    /// again, except that `publish_at` is no longer compared with the clock.
    pub fn parse_accepted(&self) -> Result<PostSpec, PostError> {
        self.parse(DateTime::<Utc>::MIN_UTC)
    }
}

fn media(request: &PostRequest, kind: PostKind) -> Result<Vec<MediaItem>, PostError> {
    let count = request.media.len();
    if count == 0 {
        return Err(PostError::EmptyMedia);
    }
    if !kind.media_count().contains(&count) {
        return Err(PostError::InvalidMediaCount { kind, count });
    }
    request
        .media
        .iter()
        .enumerate()
        .map(|(index, raw)| MediaItem::parse(raw, index, kind))
        .collect()
}
