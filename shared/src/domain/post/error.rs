//! Why a publish request was refused before anything was sent to Meta. Each reason has a
//! stable code (API clients branch on it) and a message a person can act on; the codes are
//! listed in [`PostError::code`] and nowhere else.

use super::caption::{MAX_CAPTION_CHARS, MAX_HASHTAGS, MAX_MENTIONS};
use super::handle::MAX_HANDLE_CHARS;
use super::kind::{PostKind, PostOption};
use super::media::{MAX_ALT_TEXT_CHARS, MAX_USER_TAGS};
use super::options::MAX_COLLABORATORS;
use chrono::{DateTime, Utc};
use std::fmt;

/// Which URL of a request an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlField {
    /// `media[index].url` (or `.media_id`), `index` counted from 0 as in the request.
    Media { index: usize },
    /// `options.cover_url` (or `.cover_media_id`).
    Cover,
}

impl fmt::Display for UrlField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Media { index } => write!(f, "media item {}", index + 1),
            Self::Cover => f.write_str("cover_url"),
        }
    }
}

/// Why a publish request was refused. Every `index` is the position in the request's
/// `media` array counted from 0; messages count from 1, as people do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    #[error("type must be one of image, carousel, reel or story")]
    UnknownPostType,
    #[error("a post needs at least one media item")]
    EmptyMedia,
    #[error("{}", count_message(*kind, *count))]
    InvalidMediaCount { kind: PostKind, count: usize },
    #[error("the kind of media item {} must be image or video", index + 1)]
    UnknownMediaKind { index: usize },
    #[error(
        "media item {} is a reel, but a carousel takes images and videos only; publish the \
         reel on its own with type reel",
        index + 1
    )]
    ReelInCarousel { index: usize },
    #[error("a reel needs a video; publish an image with type image")]
    ReelNeedsVideo,
    #[error("an image post needs an image; publish a video with type reel")]
    ImagePostNeedsImage,
    #[error("{field} is not a valid absolute URL without credentials")]
    InvalidMediaUrl { field: UrlField },
    #[error("{field} must start with https://")]
    MediaUrlNotHttps { field: UrlField },
    #[error("{field}: give either a url or a media_id (an uploaded file)")]
    MediaSourceMissing { field: UrlField },
    #[error("{field}: give a url or a media_id, not both")]
    MediaSourceConflict { field: UrlField },
    #[error("{field}: the media_id is not a valid media id")]
    InvalidMediaId { field: UrlField },
    #[error(
        "media item {} cannot have alt text: Instagram takes alt text on images of image \
         posts and carousels only",
        index + 1
    )]
    AltTextNotAllowed { index: usize },
    #[error(
        "the alt text of media item {} has {chars} characters; the limit is {MAX_ALT_TEXT_CHARS}",
        index + 1
    )]
    AltTextTooLong { index: usize, chars: usize },
    #[error(
        "media item {} tags {count} people; the limit is {MAX_USER_TAGS}",
        index + 1
    )]
    TooManyUserTags { index: usize, count: usize },
    #[error(
        "user tag {} of media item {} is invalid: it needs an Instagram username, and on an \
         image x and y between 0 and 1 (a video takes no x and y)",
        tag + 1,
        index + 1
    )]
    InvalidUserTag { index: usize, tag: usize },
    #[error("the caption has {chars} characters; the limit is {MAX_CAPTION_CHARS}")]
    CaptionTooLong { chars: usize },
    #[error("the caption has {count} hashtags; the limit is {MAX_HASHTAGS}")]
    TooManyHashtags { count: usize },
    #[error("the caption mentions {count} @accounts; the limit is {MAX_MENTIONS}")]
    TooManyMentions { count: usize },
    #[error("{count} collaborators are invited; the limit is {MAX_COLLABORATORS}")]
    TooManyCollaborators { count: usize },
    #[error(
        "collaborator {} is not an Instagram username (up to {MAX_HANDLE_CHARS} letters, \
         digits, . and _)",
        position + 1
    )]
    InvalidCollaborator { position: usize },
    #[error("location_id must be the numeric id of a place")]
    InvalidLocationId,
    #[error("{option} is not allowed on a {kind} post; it works on {}", option.allowed_on())]
    OptionNotAllowed { option: PostOption, kind: PostKind },
    #[error("publish_at ({publish_at}) is not in the future; leave it out to publish now")]
    PublishAtInPast { publish_at: DateTime<Utc> },
}

fn count_message(kind: PostKind, count: usize) -> String {
    match kind {
        PostKind::Carousel => {
            format!("a carousel takes 2 to 10 media items; this one has {count}")
        }
        PostKind::Image | PostKind::Reel | PostKind::Story => {
            format!("a {kind} post takes exactly one media item; this one has {count}")
        }
    }
}

impl PostError {
    /// The stable machine code; part of the API, never renamed.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownPostType => "unknown_post_type",
            Self::EmptyMedia => "empty_media",
            Self::InvalidMediaCount { .. } => "invalid_media_count",
            Self::UnknownMediaKind { .. } => "unknown_media_kind",
            Self::ReelInCarousel { .. } => "reel_in_carousel",
            Self::ReelNeedsVideo => "reel_needs_video",
            Self::ImagePostNeedsImage => "image_post_needs_image",
            Self::InvalidMediaUrl { .. } => "invalid_media_url",
            Self::MediaUrlNotHttps { .. } => "media_url_not_https",
            Self::MediaSourceMissing { .. } => "media_source_missing",
            Self::MediaSourceConflict { .. } => "media_source_conflict",
            Self::InvalidMediaId { .. } => "invalid_media_id",
            Self::AltTextNotAllowed { .. } => "alt_text_not_allowed",
            Self::AltTextTooLong { .. } => "alt_text_too_long",
            Self::TooManyUserTags { .. } => "too_many_user_tags",
            Self::InvalidUserTag { .. } => "invalid_user_tag",
            Self::CaptionTooLong { .. } => "caption_too_long",
            Self::TooManyHashtags { .. } => "too_many_hashtags",
            Self::TooManyMentions { .. } => "too_many_mentions",
            Self::TooManyCollaborators { .. } => "too_many_collaborators",
            Self::InvalidCollaborator { .. } => "invalid_collaborator",
            Self::InvalidLocationId => "invalid_location_id",
            Self::OptionNotAllowed { .. } => "option_not_allowed",
            Self::PublishAtInPast { .. } => "publish_at_in_past",
        }
    }
}
