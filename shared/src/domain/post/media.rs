//! The media items of a post: where Meta fetches each one from, whether it is an image or a
//! video, and what may be attached to it (alt text, user tags).

use super::error::{PostError, UrlField};
use super::handle::Handle;
use super::kind::PostKind;
use super::request::{MediaItemRequest, UserTagRequest};
use crate::domain::MediaId;
use serde::Serialize;
use url::Url;

/// The longest alt text Meta takes.
pub const MAX_ALT_TEXT_CHARS: usize = 1000;
/// The most people one media item may tag.
pub const MAX_USER_TAGS: usize = 20;

/// Where Meta downloads a media item from: an absolute `https` URL with a host and no
/// credentials.
///
/// Only `https`, because Meta fetches the file from the public internet and a plain `http`
/// URL lets anyone on the way swap what gets published. No credentials, because the URL is
/// handed to Meta and stored with the post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MediaUrl(Url);

impl MediaUrl {
    /// Parses the URL found at `field` of the request.
    pub fn parse(s: &str, field: UrlField) -> Result<Self, PostError> {
        let url = Url::parse(s).map_err(|_| PostError::InvalidMediaUrl { field })?;
        if url.host().is_none() || !url.username().is_empty() || url.password().is_some() {
            return Err(PostError::InvalidMediaUrl { field });
        }
        if url.scheme() != "https" {
            return Err(PostError::MediaUrlNotHttps { field });
        }
        Ok(Self(url))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Where a media item comes from: a URL the caller hosts, or a file they uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaSource {
    /// Meta fetches it from the caller's URL.
    Url(MediaUrl),
    /// An uploaded file, ready when the post was accepted; Meta is given a signed URL of
    /// the converted file when the container is created.
    Upload(MediaId),
    /// An upload with its signed fetch URL, made just before the container call (never
    /// stored: the URL stops working after a while).
    Fetch { id: MediaId, url: String },
}

impl MediaSource {
    /// Exactly one of `url` and `media_id`, found at `field`.
    pub fn parse(
        url: Option<&str>,
        media_id: Option<&str>,
        field: UrlField,
    ) -> Result<Self, PostError> {
        match (
            url.filter(|u| !u.is_empty()),
            media_id.filter(|m| !m.is_empty()),
        ) {
            (Some(_), Some(_)) => Err(PostError::MediaSourceConflict { field }),
            (None, None) => Err(PostError::MediaSourceMissing { field }),
            (Some(url), None) => Ok(Self::Url(MediaUrl::parse(url, field)?)),
            (None, Some(id)) => MediaId::parse(id)
                .map(Self::Upload)
                .map_err(|_| PostError::InvalidMediaId { field }),
        }
    }

    /// The URL Meta is given: the caller's, or the signed one of an upload. An upload not
    /// yet given its fetch URL has none (the attempt gives every upload one first).
    pub fn fetch_url(&self) -> Option<&str> {
        match self {
            Self::Url(url) => Some(url.as_str()),
            Self::Fetch { url, .. } => Some(url),
            Self::Upload(_) => None,
        }
    }

    /// The uploaded file it names, if any.
    pub fn media_id(&self) -> Option<&MediaId> {
        match self {
            Self::Upload(id) | Self::Fetch { id, .. } => Some(id),
            Self::Url(_) => None,
        }
    }
}

/// Whether a media item is a picture or a moving picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// A still image (Meta takes JPEG).
    Image,
    /// A video (Meta takes MP4 and MOV).
    Video,
}

/// The description of an image read out by screen readers: at most
/// [`MAX_ALT_TEXT_CHARS`] characters, counted as Unicode scalar values like captions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AltText(String);

impl AltText {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where on an image a tag sits, as fractions of its width and height from the top left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TagPosition {
    /// From 0 (left edge) to 1 (right edge).
    pub x: f64,
    /// From 0 (top edge) to 1 (bottom edge).
    pub y: f64,
}

/// A person tagged in a media item. On an image the tag has a position (Meta places it on
/// the picture); on a video it has none (Meta tags the whole video).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserTag {
    /// Who is tagged.
    pub username: Handle,
    /// Where, on images; `None` on videos.
    pub position: Option<TagPosition>,
}

/// One image or video of a post, with what is attached to it. Alt text lives on the image
/// variant only, since Meta takes it nowhere else.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum MediaItem {
    /// An image, with its alt text when it is in an image post or a carousel.
    Image {
        source: MediaSource,
        alt_text: Option<AltText>,
        user_tags: Vec<UserTag>,
    },
    /// A video: a reel, a video story or a video in a carousel.
    Video {
        source: MediaSource,
        user_tags: Vec<UserTag>,
    },
}

impl MediaItem {
    /// Parses `media[index]` of a post of `post` kind.
    ///
    /// Items are `image` or `video`. A video in a carousel is a carousel video, not a reel:
    /// Meta has no reel carousel item, so an item of kind `reel` is refused in a carousel
    /// with its own code, pointing at `type: reel`, and is an unknown kind elsewhere.
    pub fn parse(raw: &MediaItemRequest, index: usize, post: PostKind) -> Result<Self, PostError> {
        let kind = match raw.kind.as_str() {
            "image" => MediaKind::Image,
            "video" => MediaKind::Video,
            "reel" if post == PostKind::Carousel => {
                return Err(PostError::ReelInCarousel { index });
            }
            _ => return Err(PostError::UnknownMediaKind { index }),
        };
        match (post, kind) {
            (PostKind::Reel, MediaKind::Image) => return Err(PostError::ReelNeedsVideo),
            (PostKind::Image, MediaKind::Video) => return Err(PostError::ImagePostNeedsImage),
            _ => {}
        }
        let source = MediaSource::parse(
            Some(raw.url.as_str()),
            raw.media_id.as_deref(),
            UrlField::Media { index },
        )?;
        let alt_text = alt_text(raw, index, post, kind)?;
        let user_tags = user_tags(raw, index, kind)?;
        Ok(match kind {
            MediaKind::Image => Self::Image {
                source,
                alt_text,
                user_tags,
            },
            MediaKind::Video => Self::Video { source, user_tags },
        })
    }

    /// Whether it is an image or a video.
    pub fn kind(&self) -> MediaKind {
        match self {
            Self::Image { .. } => MediaKind::Image,
            Self::Video { .. } => MediaKind::Video,
        }
    }

    /// Where it comes from.
    pub fn source(&self) -> &MediaSource {
        match self {
            Self::Image { source, .. } | Self::Video { source, .. } => source,
        }
    }

    pub(super) fn source_mut(&mut self) -> &mut MediaSource {
        match self {
            Self::Image { source, .. } | Self::Video { source, .. } => source,
        }
    }

    /// The people tagged in it.
    pub fn user_tags(&self) -> &[UserTag] {
        match self {
            Self::Image { user_tags, .. } | Self::Video { user_tags, .. } => user_tags,
        }
    }
}

/// Alt text, on images of image posts and carousels only: Meta takes none on reels, videos
/// or stories. An empty one counts as not given.
fn alt_text(
    raw: &MediaItemRequest,
    index: usize,
    post: PostKind,
    kind: MediaKind,
) -> Result<Option<AltText>, PostError> {
    let Some(text) = raw.alt_text.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let on_an_image_in_the_feed =
        kind == MediaKind::Image && matches!(post, PostKind::Image | PostKind::Carousel);
    if !on_an_image_in_the_feed {
        return Err(PostError::AltTextNotAllowed { index });
    }
    let chars = text.chars().count();
    if chars > MAX_ALT_TEXT_CHARS {
        return Err(PostError::AltTextTooLong { index, chars });
    }
    Ok(Some(AltText(text.to_owned())))
}

/// At most [`MAX_USER_TAGS`] tags, each a username with a position on images and none on
/// videos.
fn user_tags(
    raw: &MediaItemRequest,
    index: usize,
    kind: MediaKind,
) -> Result<Vec<UserTag>, PostError> {
    let tags = raw.user_tags.as_deref().unwrap_or_default();
    if tags.len() > MAX_USER_TAGS {
        return Err(PostError::TooManyUserTags {
            index,
            count: tags.len(),
        });
    }
    tags.iter()
        .enumerate()
        .map(|(tag, raw)| user_tag(raw, kind).ok_or(PostError::InvalidUserTag { index, tag }))
        .collect()
}

fn user_tag(raw: &UserTagRequest, kind: MediaKind) -> Option<UserTag> {
    let username = Handle::parse(&raw.username)?;
    let fraction = |v: f64| (0.0..=1.0).contains(&v);
    let position = match (kind, raw.x, raw.y) {
        (MediaKind::Image, Some(x), Some(y)) if fraction(x) && fraction(y) => {
            Some(TagPosition { x, y })
        }
        (MediaKind::Video, None, None) => None,
        _ => return None,
    };
    Some(UserTag { username, position })
}
