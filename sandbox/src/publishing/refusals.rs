//! Publishing's errors, with the codes and subcodes of Meta's Instagram error table
//! (docs/sandbox.md lists them), and the failures a media URL can ask for: a URL containing
//! `fail-fetch`, `publish-timeout`... makes the sandbox fail the way Meta fails, so every
//! error path of a publisher can be tested and shown.

use super::super::errors::GraphError;
use super::spec::PublishFault;
use super::store::{ChildRefusal, PublishRefusal};
use axum::http::StatusCode;

/// A failure asked for by a marker in a media URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// `fail-token`: the token is refused (190/460) at container creation.
    Token,
    /// `fail-rate`: the app is throttled (code 4) at container creation.
    Rate,
    /// `fail-fetch`: the media cannot be downloaded (9004/2207052).
    Fetch,
    /// `fail-size`: the image is too large (36000/2207004).
    Size,
    /// `fail-aspect`: the aspect ratio is refused (36003/2207009).
    Aspect,
    /// `fail-format`: the format is refused (36001/2207005 images, 352/2207026 videos).
    Format,
    /// `fail-processing`: the container ends in `ERROR` instead of `FINISHED`.
    Processing,
    /// `publish-timeout`: `media_publish` publishes, then answers a server error.
    PublishTimeout,
    /// `publish-fails`: `media_publish` answers a server error and publishes nothing.
    PublishFails,
}

/// Markers in the order they are looked for: the first one found in a URL wins.
const MARKERS: [(&str, Fault); 9] = [
    ("fail-token", Fault::Token),
    ("fail-rate", Fault::Rate),
    ("fail-fetch", Fault::Fetch),
    ("fail-size", Fault::Size),
    ("fail-aspect", Fault::Aspect),
    ("fail-format", Fault::Format),
    ("fail-processing", Fault::Processing),
    ("publish-timeout", Fault::PublishTimeout),
    ("publish-fails", Fault::PublishFails),
];

/// The failure `url` asks for, if any.
pub(crate) fn fault_in(url: &str) -> Option<Fault> {
    MARKERS
        .iter()
        .find(|(marker, _)| url.contains(marker))
        .map(|(_, fault)| *fault)
}

impl Fault {
    /// The error container creation answers, for failures that happen there.
    pub fn at_creation(self, account: &str, video: bool) -> Option<GraphError> {
        Some(match self {
            Self::Token => GraphError::invalidated_token().transient(false),
            Self::Rate => rate_limited(account),
            Self::Fetch => fetch_failed(),
            Self::Size => image_too_large(),
            Self::Aspect => aspect_refused(),
            Self::Format if video => video_format(),
            Self::Format => image_format("unknown"),
            Self::Processing | Self::PublishTimeout | Self::PublishFails => return None,
        })
    }

    /// What the fault does at `media_publish`, if anything.
    pub fn at_publish(self) -> Option<PublishFault> {
        match self {
            Self::PublishTimeout => Some(PublishFault::Timeout),
            Self::PublishFails => Some(PublishFault::Fails),
            _ => None,
        }
    }
}

/// Where Meta's media errors send a person (their `error_user_msg` ends with it).
const MEDIA_SPECS: &str = "https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#creating";

/// 9004/2207052: the media could not be downloaded (no connection, a non-2xx answer, a URL
/// that is not absolute http(s)). Meta's wording as real answers show it (Postiz
/// gitroomhq/postiz-app#1129 and #1900), less the URL Meta echoes in `error_user_msg`: the
/// sandbox never echoes a media URL.
pub(crate) fn fetch_failed() -> GraphError {
    GraphError::new(
        9004,
        Some(2207052),
        "Only photo or video can be accepted as media type.",
    )
    .with_user_message(
        "Media download has failed. The media URI doesn't meet our requirements.",
        format!(
            "The media could not be fetched from this URI. Please check the limitations \
             section of our development document for more information: {MEDIA_SPECS}"
        ),
    )
    .transient(false)
}

/// -2/2207003: the download took too long (Meta's error table: "It takes too long to
/// download the media.", recommended solution "A timeout occured while downloading the
/// media. Try again."; also gitroomhq/postiz-app#2000).
pub(crate) fn download_timeout() -> GraphError {
    GraphError::new(
        -2,
        Some(2207003),
        "It takes too long to download the media.",
    )
    .with_user_message(
        "Media download timed out",
        "It takes too long to download the media.",
    )
    .transient(true)
}

/// 36000/2207004: an image over 8 MiB (the sample answer of Meta's error table, verbatim).
pub(crate) fn image_too_large() -> GraphError {
    GraphError::new(36000, Some(2207004), "The image size is too large.")
        .with_user_message(
            "Image size too large",
            "The image is too large to download. It should be less than 8 MiB.",
        )
        .transient(false)
}

/// 36003/2207009: a feed or carousel image outside 4:5..1.91:1 (Meta's error table).
pub(crate) fn aspect_refused() -> GraphError {
    GraphError::new(36003, Some(2207009), "The aspect ratio is not supported.")
        .with_user_message(
            "Unsupported aspect ratio",
            "The submitted image's aspect ratio must be between 4:5 and 1.91:1.",
        )
        .transient(false)
}

/// 36001/2207005: an image that is not a JPEG, `format` as Meta names it in the user
/// message ("The image format unknown is not supported...": a real answer quoted in
/// gitroomhq/postiz-app#615).
pub(crate) fn image_format(format: &str) -> GraphError {
    let format: String = format.chars().take(16).collect();
    GraphError::new(36001, Some(2207005), "The image format is not supported.")
        .with_user_message(
            "Unsupported format",
            format!(
                "The image format {format} is not supported. Please refer to our dev doc for \
                 more media specification requirements: {MEDIA_SPECS}"
            ),
        )
        .transient(false)
}

/// 352/2207026: a video that is not MP4 or MOV (Meta's error table; real answers for Reels
/// in the issue trackers carry the same pair).
pub(crate) fn video_format() -> GraphError {
    GraphError::new(352, Some(2207026), "The video format is not supported.")
        .with_user_message(
            "Unsupported video format",
            "The video format is not supported. Use MOV or MP4 (MPEG-4 Part 14).",
        )
        .transient(false)
}

/// Code 4 with the usage headers at 100%, as Meta throttles an app.
pub(crate) fn rate_limited(account: &str) -> GraphError {
    let app_usage = r#"{"call_count":100,"total_cputime":12,"total_time":15}"#;
    let buc_usage = serde_json::json!({
        account: [{
            "type": "instagram",
            "call_count": 100,
            "total_cputime": 12,
            "total_time": 15,
            "estimated_time_to_regain_access": 5,
        }]
    });
    GraphError::new(4, None, "(#4) Application request limit reached")
        .transient(true)
        .with_header("x-app-usage", app_usage)
        .with_header("x-business-use-case-usage", &buc_usage.to_string())
}

/// A server error that says nothing about whether the call did anything.
pub(crate) fn server_error() -> GraphError {
    GraphError::new(
        2,
        None,
        "An unexpected error has occurred. Please retry your request later.",
    )
    .transient(true)
    .with_status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Graph's 100/33 for a POST on an object the token may not see.
pub(crate) fn unsupported_post(id: &str) -> GraphError {
    let id: String = id.chars().take(64).collect();
    GraphError::new(
        100,
        Some(33),
        format!(
            "Unsupported post request. Object with ID '{id}' does not exist, cannot be loaded \
             due to missing permissions, or does not support this operation."
        ),
    )
}

/// 100/2207023: a `media_type` the endpoint does not take.
pub(crate) fn unknown_media_type(media_type: &str) -> GraphError {
    let media_type: String = media_type.chars().take(32).collect();
    GraphError::new(
        100,
        Some(2207023),
        format!("The media type {media_type} is unknown."),
    )
    .with_user_message(
        "Unknown media type",
        "The media type entered is not one of the expected media types.",
    )
}

/// 36004/2207010: more than 2,200 characters, 30 hashtags or 20 @ tags.
pub(crate) fn caption_too_long() -> GraphError {
    GraphError::new(36004, Some(2207010), "The caption is too long.").with_user_message(
        "Caption too long",
        "Captions take at most 2,200 characters, 30 hashtags and 20 @ tags.",
    )
}

/// 100/2207040: more than 20 user tags.
pub(crate) fn too_many_tags() -> GraphError {
    GraphError::new(
        100,
        Some(2207040),
        "Cannot use more than 20 tags per media.",
    )
}

/// 1/2207057: a negative or unreadable `thumb_offset`.
pub(crate) fn bad_thumb_offset() -> GraphError {
    GraphError::new(
        1,
        Some(2207057),
        "Thumbnail offset must be greater than or equal to 0 and less than video duration.",
    )
}

/// 24/2207006: a container id that is unknown or another account's.
pub(crate) fn media_not_found(id: &str) -> GraphError {
    let id: String = id.chars().take(64).collect();
    GraphError::new(
        24,
        Some(2207006),
        format!("The media with id {id} cannot be found."),
    )
}

/// 9007/2207027: a container that is not `FINISHED`.
pub(crate) fn not_ready() -> GraphError {
    GraphError::new(9007, Some(2207027), "Media ID is not available").with_user_message(
        "Media not ready",
        "The media is not ready for publishing, please wait for a moment",
    )
}

/// -2/2207020: a container older than 24 hours.
pub(crate) fn expired() -> GraphError {
    GraphError::new(
        -2,
        Some(2207020),
        "The media you are trying to access has expired. Please try to upload again.",
    )
}

/// A carousel's `children` refused, with Meta's code where its table has one.
pub(crate) fn children_refused(refusal: ChildRefusal) -> GraphError {
    match refusal {
        ChildRefusal::Count => GraphError::new(
            100,
            Some(2207028),
            "Carousels need between 2 and 10 photos or videos.",
        ),
        ChildRefusal::NotFound(id) => media_not_found(&id),
        ChildRefusal::NotAnItem => GraphError::new(
            100,
            Some(2207028),
            "Every child of a carousel must be created with is_carousel_item=true.",
        ),
        ChildRefusal::NotReady => not_ready(),
        ChildRefusal::Expired => expired(),
    }
}

/// `media_publish` refused; `creation_id` names the container.
pub(crate) fn publish_refused(refusal: PublishRefusal, creation_id: &str) -> GraphError {
    match refusal {
        PublishRefusal::NotFound => media_not_found(creation_id),
        PublishRefusal::CarouselItem => GraphError::new(
            100,
            None,
            "(#100) A carousel item is published with its CAROUSEL container, not on its own.",
        ),
        PublishRefusal::AlreadyPublished => GraphError::new(
            100,
            None,
            "(#100) The container has already been published.",
        ),
        PublishRefusal::Expired => expired(),
        PublishRefusal::NotReady => not_ready(),
        PublishRefusal::QuotaReached => GraphError::new(
            9,
            Some(2207042),
            "You reached maximum number of posts that is allowed to be published by Content \
             Publishing API.",
        )
        .with_user_message(
            "Publishing limit reached",
            "The account reached its limit of posts published through the API in 24 hours.",
        ),
        PublishRefusal::Failed => server_error(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_marker_in_a_url_names_its_fault() {
        assert_eq!(fault_in("https://x.invalid/a.jpg"), None);
        assert_eq!(
            fault_in("https://x.invalid/fail-size/fail-fetch.jpg"),
            Some(Fault::Fetch)
        );
        assert_eq!(
            fault_in("https://x.invalid/r.mp4?case=publish-timeout"),
            Some(Fault::PublishTimeout)
        );
    }

    #[test]
    fn the_format_fault_uses_the_video_code_for_videos() {
        let image = Fault::Format.at_creation("1", false).unwrap();
        let video = Fault::Format.at_creation("1", true).unwrap();
        assert_eq!(image.code(), (36001, Some(2207005)));
        assert_eq!(video.code(), (352, Some(2207026)));
        assert!(Fault::Processing.at_creation("1", true).is_none());
    }
}
