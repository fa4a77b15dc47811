//! `POST /{ig-user-id}/media` parameters, checked as Meta checks them: the media type and
//! its URL (or `upload_type=resumable`), the caption's limits, tags, collaborators and the
//! Reels-only options. Parse, don't validate: what comes out is a [`ContainerSpec`] the
//! store can keep as it is, and the [`Source`]s Meta downloads before it says yes.

use super::super::errors::GraphError;
use super::super::params::Params;
use super::received::{Role, Source};
use super::refusals::{
    Fault, bad_thumb_offset, caption_too_long, fault_in, too_many_tags, unknown_media_type,
};
use super::spec::{ContainerSpec, Kind};
use url::Url;

const MAX_CAPTION_CHARS: usize = 2200;
const MAX_HASHTAGS: usize = 30;
const MAX_MENTIONS: usize = 20;
const MAX_USER_TAGS: usize = 20;
const MAX_COLLABORATORS: usize = 3;

/// The container `params` ask for on `account`, or Meta's refusal (including a failure
/// injected by a marker in the media URL; see `refusals::Fault`).
pub(crate) fn container_spec(params: &Params, account: &str) -> Result<ContainerSpec, GraphError> {
    let image_url = params.get("image_url");
    let video_url = params.get("video_url");
    // A revoked token or a throttled app is refused before anything is read.
    for url in [image_url, video_url].into_iter().flatten() {
        if let Some(f @ (Fault::Token | Fault::Rate)) = fault_in(url) {
            return Err(f
                .at_creation(account, false)
                .unwrap_or_else(GraphError::invalid_token));
        }
    }
    let resumable = match params.get("upload_type") {
        None => false,
        Some("resumable") => true,
        Some(_) => return Err(GraphError::unsupported("upload_type")),
    };
    // A resumable container's video comes later, to the upload host: it stands in for
    // `video_url` when the kind is decided.
    let kind = kind(params, image_url, video_url.or(resumable.then_some("")))?;
    if resumable && !kind.is_video() {
        // Meta takes resumable uploads for REELS, STORIES and carousel VIDEO only.
        return Err(GraphError::unsupported("upload_type"));
    }
    if resumable && video_url.is_some() {
        return Err(GraphError::unsupported("video_url"));
    }
    check_caption(params.get("caption"))?;
    check_options(params, kind)?;
    let children = match kind {
        Kind::Carousel => {
            let raw = params
                .get("children")
                .ok_or_else(|| GraphError::missing_parameter("children"))?;
            id_list(raw)
        }
        _ => Vec::new(),
    };
    let media_url = if kind.is_video() {
        video_url
    } else {
        image_url
    };
    let fault = match media_url {
        Some(url) => {
            if !is_web_url(url) {
                return Err(Fault::Fetch
                    .at_creation(account, kind.is_video())
                    .unwrap_or_else(GraphError::invalid_token));
            }
            fault_in(url)
        }
        None => None,
    };
    if let Some(refusal) = fault.and_then(|f| f.at_creation(account, kind.is_video())) {
        return Err(refusal);
    }
    Ok(ContainerSpec {
        kind,
        caption: params
            .get("caption")
            .filter(|_| !kind.is_carousel_item())
            .map(str::to_owned),
        children,
        share_to_feed: kind == Kind::Reel && bool_param(params, "share_to_feed")?.unwrap_or(true),
        fails_processing: fault == Some(Fault::Processing),
        publish_fault: fault.and_then(Fault::at_publish),
        awaits_upload: resumable,
    })
}

/// The URLs Meta downloads for a container of `kind` (already checked by
/// [`container_spec`]): the image, or the video and a Reel's cover.
pub(crate) fn media_sources(params: &Params, kind: Kind) -> Vec<Source> {
    let source = |field: &'static str, role| {
        params.get(field).map(|url| Source {
            field,
            url: url.to_owned(),
            role,
        })
    };
    let sources = match kind {
        Kind::Image | Kind::CarouselImage => [source("image_url", Role::FeedImage), None],
        Kind::StoryImage => [source("image_url", Role::StoryImage), None],
        Kind::Reel => [
            source("video_url", Role::Video),
            source("cover_url", Role::Cover),
        ],
        Kind::StoryVideo | Kind::CarouselVideo => [source("video_url", Role::Video), None],
        Kind::Carousel => [None, None],
    };
    sources.into_iter().flatten().collect()
}

/// The kind of container, from `media_type`, `is_carousel_item` and which URL is present.
fn kind(
    params: &Params,
    image_url: Option<&str>,
    video_url: Option<&str>,
) -> Result<Kind, GraphError> {
    let media_type = params.get("media_type").map(str::to_ascii_uppercase);
    let item = bool_param(params, "is_carousel_item")?.unwrap_or(false);
    let need = |url: Option<&str>, name: &str| {
        url.map(|_| ())
            .ok_or_else(|| GraphError::missing_parameter(name))
    };
    let kind = match (media_type.as_deref(), item) {
        (None | Some("IMAGE"), _) if image_url.is_none() && video_url.is_some() => {
            return Err(GraphError::missing_parameter("media_type"));
        }
        (None | Some("IMAGE"), false) => need(image_url, "image_url").map(|()| Kind::Image)?,
        (None | Some("IMAGE"), true) => {
            need(image_url, "image_url").map(|()| Kind::CarouselImage)?
        }
        (Some("VIDEO"), true) => need(video_url, "video_url").map(|()| Kind::CarouselVideo)?,
        (Some("REELS"), false) => need(video_url, "video_url").map(|()| Kind::Reel)?,
        (Some("STORIES"), false) => match (image_url, video_url) {
            (Some(_), _) => Kind::StoryImage,
            (None, Some(_)) => Kind::StoryVideo,
            (None, None) => return Err(GraphError::missing_parameter("image_url")),
        },
        (Some("CAROUSEL"), false) => Kind::Carousel,
        (Some("REELS" | "STORIES" | "CAROUSEL"), true) => {
            return Err(GraphError::unsupported("is_carousel_item"));
        }
        // Feed videos are published as REELS since 2023; VIDEO is left to carousel items.
        (Some(other), _) => return Err(unknown_media_type(other)),
    };
    Ok(kind)
}

/// At most 2,200 characters, 30 hashtags and 20 @ mentions. A hashtag is a word starting
/// with `#` and a letter, digit or `_`; a mention one starting with `@` and a username
/// character (ASCII letter, digit, `.` or `_`). A lone sigil ("we're # 1", "@ home") tags
/// nothing, so it is not counted.
fn check_caption(caption: Option<&str>) -> Result<(), GraphError> {
    let Some(caption) = caption else {
        return Ok(());
    };
    let words = |sigil: char, name: fn(char) -> bool| {
        caption
            .split_whitespace()
            .filter(|w| {
                let mut chars = w.chars();
                chars.next() == Some(sigil) && chars.next().is_some_and(name)
            })
            .count()
    };
    let hashtag = |c: char| c.is_alphanumeric() || c == '_';
    let username = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '_';
    if caption.chars().count() > MAX_CAPTION_CHARS
        || words('#', hashtag) > MAX_HASHTAGS
        || words('@', username) > MAX_MENTIONS
    {
        return Err(caption_too_long());
    }
    Ok(())
}

/// The optional parameters: present ones must be well formed and allowed for the kind.
fn check_options(params: &Params, kind: Kind) -> Result<(), GraphError> {
    let story = matches!(kind, Kind::StoryImage | Kind::StoryVideo);
    if params.get("alt_text").is_some() && !matches!(kind, Kind::Image | Kind::CarouselImage) {
        // Meta takes alt text for image posts only, not Reels or stories.
        return Err(GraphError::unsupported("alt_text"));
    }
    if let Some(raw) = params.get("user_tags") {
        let tags = serde_json::from_str::<serde_json::Value>(raw)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .filter(|tags| tags.iter().all(|t| t["username"].is_string()))
            .ok_or_else(|| GraphError::unsupported("user_tags"))?;
        if tags.len() > MAX_USER_TAGS {
            return Err(too_many_tags());
        }
    }
    if params
        .get("collaborators")
        .is_some_and(|raw| story || id_list(raw).len() > MAX_COLLABORATORS)
    {
        return Err(GraphError::unsupported("collaborators"));
    }
    if params
        .get("location_id")
        .is_some_and(|l| !l.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(GraphError::unsupported("location_id"));
    }
    if params
        .get("cover_url")
        .is_some_and(|cover| kind != Kind::Reel || !is_web_url(cover))
    {
        return Err(GraphError::unsupported("cover_url"));
    }
    if params
        .get("thumb_offset")
        .is_some_and(|offset| offset.parse::<u64>().is_err())
    {
        return Err(bad_thumb_offset());
    }
    bool_param(params, "share_to_feed")?;
    Ok(())
}

/// A `true`/`false` parameter; anything else is Graph's unsupported value.
fn bool_param(params: &Params, name: &str) -> Result<Option<bool>, GraphError> {
    match params.get(name) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(GraphError::unsupported(name)),
    }
}

/// `1,2` or `["1","2"]`: Meta takes lists both ways.
fn id_list(raw: &str) -> Vec<String> {
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(|s| s.trim().trim_matches('"').trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Meta fetches media with cURL: only absolute http(s) URLs can work.
fn is_web_url(raw: &str) -> bool {
    Url::parse(raw).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(query: &str) -> Result<ContainerSpec, GraphError> {
        container_spec(&Params::parse(Some(query)), "17841400000000201")
    }

    fn code(query: &str) -> (i64, Option<i64>) {
        spec(query).unwrap_err().code()
    }

    #[test]
    fn an_image_url_alone_is_a_feed_image() {
        let s = spec("image_url=https://cdn.invalid/a.jpg&caption=hi").unwrap();
        assert_eq!(s.kind, Kind::Image);
        assert_eq!(s.caption.as_deref(), Some("hi"));
    }

    #[test]
    fn media_types_pick_the_kind() {
        let kind = |q: &str| spec(q).unwrap().kind;
        assert_eq!(
            kind("media_type=REELS&video_url=https://v.invalid/r.mp4"),
            Kind::Reel
        );
        assert_eq!(
            kind("media_type=STORIES&video_url=https://v.invalid/s.mp4"),
            Kind::StoryVideo
        );
        assert_eq!(
            kind("media_type=stories&image_url=https://v.invalid/s.jpg"),
            Kind::StoryImage
        );
        assert_eq!(
            kind("media_type=VIDEO&is_carousel_item=true&video_url=https://v.invalid/c.mp4"),
            Kind::CarouselVideo
        );
        assert_eq!(
            spec("media_type=CAROUSEL&children=[\"1\",\"2\"]")
                .unwrap()
                .children,
            ["1", "2"]
        );
    }

    #[test]
    fn unknown_or_feed_video_media_types_are_refused_with_2207023() {
        assert_eq!(
            code("media_type=GIF&image_url=https://a.invalid/a.gif"),
            (100, Some(2207023))
        );
        assert_eq!(
            code("media_type=VIDEO&video_url=https://a.invalid/v.mp4"),
            (100, Some(2207023))
        );
    }

    #[test]
    fn a_missing_url_is_a_missing_parameter() {
        assert_eq!(code("media_type=REELS"), (100, None));
        assert_eq!(code("caption=hi"), (100, None));
    }

    #[test]
    fn a_url_meta_cannot_fetch_is_refused_like_a_failed_download() {
        assert_eq!(code("image_url=file:///etc/passwd"), (9004, Some(2207052)));
    }

    #[test]
    fn captions_are_limited_in_length_hashtags_and_mentions() {
        let long = "a".repeat(2201);
        assert_eq!(
            code(&format!("image_url=https://a.invalid/a.jpg&caption={long}")),
            (36004, Some(2207010))
        );
        let tags = (0..31)
            .map(|i| format!("%23t{i}"))
            .collect::<Vec<_>>()
            .join("+");
        assert_eq!(
            code(&format!("image_url=https://a.invalid/a.jpg&caption={tags}")),
            (36004, Some(2207010))
        );
        let lone = ["%23"; 31].join("+") + "+" + &["%40"; 21].join("+");
        assert!(spec(&format!("image_url=https://a.invalid/a.jpg&caption={lone}")).is_ok());
        let mentions = (0..21)
            .map(|i| format!("%40friend{i}"))
            .collect::<Vec<_>>()
            .join("+");
        assert_eq!(
            code(&format!(
                "image_url=https://a.invalid/a.jpg&caption={mentions}"
            )),
            (36004, Some(2207010))
        );
    }

    #[test]
    fn reel_only_options_are_refused_elsewhere() {
        assert!(
            spec("image_url=https://a.invalid/a.jpg&cover_url=https://a.invalid/c.jpg").is_err()
        );
        assert!(spec("media_type=REELS&video_url=https://a.invalid/r.mp4&alt_text=x").is_err());
        let reel = spec("media_type=REELS&video_url=https://a.invalid/r.mp4&share_to_feed=false&thumb_offset=1500").unwrap();
        assert!(!reel.share_to_feed);
        assert_eq!(
            code("media_type=REELS&video_url=https://a.invalid/r.mp4&thumb_offset=-1"),
            (1, Some(2207057))
        );
    }

    #[test]
    fn a_resumable_container_needs_a_video_kind_and_no_video_url() {
        let reel = spec("media_type=REELS&upload_type=resumable").unwrap();
        assert!(reel.awaits_upload && reel.kind == Kind::Reel);
        let story = spec("media_type=STORIES&upload_type=resumable").unwrap();
        assert_eq!(story.kind, Kind::StoryVideo);
        let item = spec("media_type=VIDEO&is_carousel_item=true&upload_type=resumable");
        assert_eq!(item.unwrap().kind, Kind::CarouselVideo);
        assert!(spec("image_url=https://a.invalid/a.jpg&upload_type=resumable").is_err());
        assert!(spec("upload_type=resumable").is_err());
        assert!(
            spec("media_type=REELS&upload_type=resumable&video_url=https://a.invalid/r.mp4")
                .is_err()
        );
        assert!(spec("media_type=REELS&upload_type=chunked").is_err());
        assert!(
            !spec("media_type=REELS&video_url=https://a.invalid/r.mp4")
                .unwrap()
                .awaits_upload
        );
    }

    #[test]
    fn the_sources_are_the_image_or_the_video_and_a_reels_cover() {
        let roles = |q: &str| {
            let params = Params::parse(Some(q));
            let kind = container_spec(&params, "1").unwrap().kind;
            media_sources(&params, kind)
                .into_iter()
                .map(|s| (s.field, s.role))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            roles("image_url=https://a.invalid/a.jpg"),
            [("image_url", Role::FeedImage)]
        );
        assert_eq!(
            roles("media_type=STORIES&image_url=https://a.invalid/a.jpg"),
            [("image_url", Role::StoryImage)]
        );
        assert_eq!(
            roles(
                "media_type=REELS&video_url=https://a.invalid/r.mp4&cover_url=https://a.invalid/c.jpg"
            ),
            [("video_url", Role::Video), ("cover_url", Role::Cover)]
        );
        assert!(roles("media_type=REELS&upload_type=resumable").is_empty());
    }

    #[test]
    fn markers_in_the_media_url_inject_their_failure() {
        assert_eq!(
            code("image_url=https://a.invalid/fail-token.jpg"),
            (190, Some(460))
        );
        assert_eq!(
            code("image_url=https://a.invalid/fail-aspect.jpg"),
            (36003, Some(2207009))
        );
        let s = spec("media_type=REELS&video_url=https://a.invalid/fail-processing.mp4").unwrap();
        assert!(s.fails_processing);
    }
}
