//! A publish request exactly as a client sends it, before any rule is checked. Nothing here
//! is trusted: [`PostRequest::parse`](super::PostRequest::parse) turns it into a
//! [`PostSpec`](super::PostSpec) or says why it cannot.
//!
//! Names and values that carry rules (`type`, `kind`, URLs, usernames) are plain strings so
//! a wrong one gets its own stable code instead of a generic deserialization error. Unknown
//! fields are refused: a misspelt option silently ignored would publish something other
//! than the user asked for. An empty string or list counts as not given, since form-built
//! clients send them for fields nobody touched.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `{"type", "media", "caption"?, "publish_at"?, "options"?}` as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostRequest {
    /// `image`, `carousel`, `reel` or `story`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The images and videos, in the order they are shown.
    #[serde(default)]
    pub media: Vec<MediaItemRequest>,
    /// The text under the post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// When to publish (RFC 3339); absent means now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_at: Option<DateTime<Utc>>,
    /// The options only some kinds of post take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<PostOptionsRequest>,
}

/// `{"url" | "media_id", "kind", "alt_text"?, "user_tags"?}` as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaItemRequest {
    /// Where Meta fetches the file from; empty when `media_id` names an upload.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// An uploaded file (`POST /v1/media`), in place of `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    /// `image` or `video`.
    pub kind: String,
    /// The image's description for screen readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
    /// The people tagged in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_tags: Option<Vec<UserTagRequest>>,
}

/// `{"username", "x"?, "y"?}` as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserTagRequest {
    /// The tagged account, with or without `@`.
    pub username: String,
    /// From the left edge, 0 to 1; images only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<f64>,
    /// From the top edge, 0 to 1; images only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<f64>,
}

/// `options` as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostOptionsRequest {
    /// Reels: also show the reel in the feed grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_to_feed: Option<bool>,
    /// Reels: the cover image's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_url: Option<String>,
    /// Reels: an uploaded cover image, in place of `cover_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover_media_id: Option<String>,
    /// Reels: the thumbnail frame, in milliseconds from the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_offset: Option<u64>,
    /// Not on stories: the id of the place the post is tagged with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Not on stories: the accounts invited to co-author the post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Vec<String>>,
}
