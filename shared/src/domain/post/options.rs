//! The options of a post that only some kinds take (see [`PostKind::allows`]).

use super::error::{PostError, UrlField};
use super::handle::Handle;
use super::kind::{PostKind, PostOption};
use super::media::MediaSource;
use super::request::PostOptionsRequest;
use serde::Serialize;

/// The most accounts that may be invited to co-author a post.
pub const MAX_COLLABORATORS: usize = 3;

/// A place to tag a post with: the numeric id of a Facebook Page with a location, which is
/// what Meta's `location_id` is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LocationId(String);

impl LocationId {
    /// Parses a non-empty string of ASCII digits.
    pub fn parse(s: &str) -> Option<Self> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| Self(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The options of a [`PostSpec`](super::PostSpec), each present only on the kinds of post
/// Meta takes it on.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PostOptions {
    /// Reels: also show the reel in the feed grid; `None` leaves Meta's default (yes).
    pub share_to_feed: Option<bool>,
    /// Reels: the cover image.
    pub cover: Option<MediaSource>,
    /// Reels: the thumbnail frame, in milliseconds from the start.
    pub thumb_offset: Option<u64>,
    /// Not stories: the place tagged.
    pub location_id: Option<LocationId>,
    /// Not stories: up to [`MAX_COLLABORATORS`] accounts invited to co-author the post, each
    /// once, in the order given.
    pub collaborators: Vec<Handle>,
}

impl PostOptions {
    /// Parses `options` for a post of `kind`. Each option is first checked to be allowed on
    /// the kind, so a misplaced option is named as such even when its value is also wrong.
    pub fn parse(raw: &PostOptionsRequest, kind: PostKind) -> Result<Self, PostError> {
        let allowed = |option: PostOption| {
            if kind.allows(option) {
                Ok(())
            } else {
                Err(PostError::OptionNotAllowed { option, kind })
            }
        };
        let mut options = Self::default();
        if let Some(share) = raw.share_to_feed {
            allowed(PostOption::ShareToFeed)?;
            options.share_to_feed = Some(share);
        }
        let (url, id) = (non_empty(&raw.cover_url), non_empty(&raw.cover_media_id));
        if url.is_some() || id.is_some() {
            allowed(PostOption::CoverUrl)?;
            options.cover = Some(MediaSource::parse(url, id, UrlField::Cover)?);
        }
        if let Some(offset) = raw.thumb_offset {
            allowed(PostOption::ThumbOffset)?;
            options.thumb_offset = Some(offset);
        }
        if let Some(location) = non_empty(&raw.location_id) {
            allowed(PostOption::LocationId)?;
            options.location_id =
                Some(LocationId::parse(location).ok_or(PostError::InvalidLocationId)?);
        }
        let invited = raw.collaborators.as_deref().unwrap_or_default();
        if !invited.is_empty() {
            allowed(PostOption::Collaborators)?;
            options.collaborators = collaborators(invited)?;
        }
        Ok(options)
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|s| !s.is_empty())
}

/// Each invited account once (`@Acme` and `acme` are one), then at most
/// [`MAX_COLLABORATORS`] of them: inviting someone twice is not inviting more people.
fn collaborators(invited: &[String]) -> Result<Vec<Handle>, PostError> {
    let mut handles: Vec<Handle> = Vec::with_capacity(invited.len());
    for (position, name) in invited.iter().enumerate() {
        let handle = Handle::parse(name).ok_or(PostError::InvalidCollaborator { position })?;
        if !handles.contains(&handle) {
            handles.push(handle);
        }
    }
    if handles.len() > MAX_COLLABORATORS {
        return Err(PostError::TooManyCollaborators {
            count: handles.len(),
        });
    }
    Ok(handles)
}
