//! The four things a user can publish, and which options Meta takes on each. The option
//! table lives here so that the request parser and the error messages cannot disagree.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::RangeInclusive;

/// What is being published; it decides how many media items a post takes and which
/// options apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    /// One image in the feed.
    Image,
    /// 2 to 10 images or videos in the feed, swiped through.
    Carousel,
    /// One video, published as a Reel (Meta publishes every feed video as a Reel).
    Reel,
    /// One image or video, shown for 24 hours.
    Story,
}

impl PostKind {
    /// Every kind, in the order the API documents them.
    pub const ALL: [Self; 4] = [Self::Image, Self::Carousel, Self::Reel, Self::Story];

    /// The wire name (`"type"` in a request).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Carousel => "carousel",
            Self::Reel => "reel",
            Self::Story => "story",
        }
    }

    /// Parses the wire name; matching is exact, as for every other wire name of the API.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How many media items a post of this kind takes: Meta's carousel takes 2 to 10
    /// children, everything else exactly one.
    pub fn media_count(self) -> RangeInclusive<usize> {
        match self {
            Self::Carousel => 2..=10,
            Self::Image | Self::Reel | Self::Story => 1..=1,
        }
    }

    /// Whether Meta takes `option` on this kind of post. Meta ignores or refuses the others;
    /// either way the user would not get what they asked for, so the request is refused.
    pub fn allows(self, option: PostOption) -> bool {
        match option {
            PostOption::ShareToFeed | PostOption::CoverUrl | PostOption::ThumbOffset => {
                self == Self::Reel
            }
            PostOption::Caption | PostOption::LocationId | PostOption::Collaborators => {
                self != Self::Story
            }
        }
    }
}

impl fmt::Display for PostKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A part of a request that only some kinds of post take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostOption {
    /// `caption`: Meta shows no caption on a story, so one there would be silently lost.
    Caption,
    /// `options.share_to_feed`: whether a Reel also appears in the feed grid.
    ShareToFeed,
    /// `options.cover_url`: the Reel's cover image.
    CoverUrl,
    /// `options.thumb_offset`: the frame of the Reel used as its thumbnail, in milliseconds.
    ThumbOffset,
    /// `options.location_id`: the place the post is tagged with.
    LocationId,
    /// `options.collaborators`: accounts invited to co-author the post.
    Collaborators,
}

impl PostOption {
    /// The field's name in a request.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Caption => "caption",
            Self::ShareToFeed => "share_to_feed",
            Self::CoverUrl => "cover_url",
            Self::ThumbOffset => "thumb_offset",
            Self::LocationId => "location_id",
            Self::Collaborators => "collaborators",
        }
    }

    /// The kinds of post that take the option, in words, for error messages.
    pub fn allowed_on(self) -> &'static str {
        match self {
            Self::ShareToFeed | Self::CoverUrl | Self::ThumbOffset => "reels only",
            Self::Caption | Self::LocationId | Self::Collaborators => {
                "images, carousels and reels, not stories"
            }
        }
    }
}

impl fmt::Display for PostOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_from_its_wire_name_and_nothing_else_does() {
        for kind in PostKind::ALL {
            assert_eq!(PostKind::parse(kind.as_str()), Some(kind));
        }
        for other in ["Image", "video", "carousel_album", "reels", ""] {
            assert_eq!(PostKind::parse(other), None, "{other}");
        }
    }

    #[test]
    fn reel_only_options_are_allowed_on_reels_only() {
        for option in [
            PostOption::ShareToFeed,
            PostOption::CoverUrl,
            PostOption::ThumbOffset,
        ] {
            for kind in PostKind::ALL {
                assert_eq!(
                    kind.allows(option),
                    kind == PostKind::Reel,
                    "{option} {kind}"
                );
            }
        }
    }

    #[test]
    fn stories_take_no_caption_location_or_collaborators() {
        for option in [
            PostOption::Caption,
            PostOption::LocationId,
            PostOption::Collaborators,
        ] {
            for kind in PostKind::ALL {
                assert_eq!(
                    kind.allows(option),
                    kind != PostKind::Story,
                    "{option} {kind}"
                );
            }
        }
    }
}
