//! What Meta does with the media it downloaded for a new container: the rules per role
//! (feed and carousel images: JPEG, at most 8 MiB, 4:5 to 1.91:1; story images and Reel
//! covers: JPEG, 8 MiB; videos: an MP4 or MOV `ftyp` box) and the record `_inspect/fetched`
//! shows of each download. docs/sandbox.md, "Media fetching", lists each refusal.

use super::super::errors::GraphError;
use super::download::{Download, Failure, Fetcher};
use super::refusals;
use super::sniff::{Format, sniff};
use serde_json::{Value, json};

/// Images larger than this are refused: "It should be less than 8 MiB" (Meta's error table).
const IMAGE_MAX_BYTES: u64 = 8 * 1024 * 1024;
/// Videos larger than this fail processing: Reels take at most 300 MB (Meta's Reels
/// specifications); counted, never kept.
pub(crate) const VIDEO_MAX_BYTES: u64 = 300 * 1024 * 1024;
/// Bytes of a video kept to read its `ftyp` box.
pub(crate) const VIDEO_HEAD: usize = 64;

/// What a URL is for, which decides what Meta checks in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `image_url` of a feed image or a carousel image: the aspect ratio is checked too.
    FeedImage,
    /// `image_url` of a story: Meta crops stories, it does not refuse them for their shape.
    StoryImage,
    /// `cover_url` of a Reel (JPEG, 8 MiB; Meta crops it to 9:16).
    Cover,
    /// `video_url`.
    Video,
}

impl Role {
    fn cap(self) -> u64 {
        match self {
            Self::Video => VIDEO_MAX_BYTES,
            _ => IMAGE_MAX_BYTES,
        }
    }

    fn keep(self) -> usize {
        match self {
            Self::Video => VIDEO_HEAD,
            // The whole image, so the frame header is found behind any metadata.
            _ => usize::try_from(IMAGE_MAX_BYTES).unwrap_or(usize::MAX),
        }
    }
}

/// A media URL of a container being created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// The parameter it came in (`image_url`, `video_url`, `cover_url`).
    pub field: &'static str,
    pub url: String,
    pub role: Role,
}

/// One download, as `_inspect/fetched` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fetched {
    pub url: String,
    pub field: &'static str,
    /// The container created with it; `None` when the creation was refused.
    pub container: Option<String>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    pub bytes: u64,
    /// `None` when nothing was read.
    pub format: Option<Format>,
    pub size: Option<(u32, u32)>,
    pub has_exif: bool,
    /// Meta's code and subcode when this download refused the container.
    pub refused: Option<(i64, Option<i64>)>,
}

impl Fetched {
    pub fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "field": self.field,
            "container": self.container,
            "status": self.status,
            "content_type": self.content_type,
            "bytes": self.bytes,
            "format": self.format.map(Format::name),
            "width": self.size.map(|s| s.0),
            "height": self.size.map(|s| s.1),
            "has_exif": self.has_exif,
            "refused": self.refused.map(|(code, sub)| json!({ "code": code, "error_subcode": sub })),
        })
    }
}

/// What the downloads of a container decided.
#[derive(Debug, Default)]
pub(crate) struct Received {
    /// Every download made, in order.
    pub fetched: Vec<Fetched>,
    /// The first refusal; no further URL is fetched after it.
    pub refusal: Option<GraphError>,
    /// The container is created, but its video will end in `ERROR` (too large to process).
    pub fails_processing: bool,
}

/// Downloads the `sources` the fetcher wants, one after the other, and judges each.
pub(crate) async fn receive(fetcher: &Fetcher, sources: &[Source]) -> Received {
    let mut out = Received::default();
    for source in sources.iter().filter(|s| fetcher.wants(&s.url)) {
        let role = source.role;
        let download = fetcher.get(&source.url, role.cap(), role.keep()).await;
        let (mut fetched, verdict) = judge(source, &download);
        match verdict {
            Verdict::Accept => {}
            Verdict::FailsProcessing => out.fails_processing = true,
            Verdict::Refuse(e) => {
                fetched.refused = Some(e.code());
                out.fetched.push(fetched);
                out.refusal = Some(e);
                return out;
            }
        }
        out.fetched.push(fetched);
    }
    out
}

/// What Meta does with one download.
#[derive(Debug)]
enum Verdict {
    Accept,
    FailsProcessing,
    Refuse(GraphError),
}

fn judge(source: &Source, d: &Download) -> (Fetched, Verdict) {
    let sniffed = (!d.head.is_empty()).then(|| sniff(&d.head));
    let fetched = Fetched {
        url: source.url.clone(),
        field: source.field,
        container: None,
        status: d.status,
        content_type: d.content_type.clone(),
        bytes: d.bytes,
        format: sniffed.map(|s| s.format),
        size: sniffed.and_then(|s| s.size),
        has_exif: sniffed.is_some_and(|s| s.has_exif),
        refused: None,
    };
    let video = source.role == Role::Video;
    let verdict = match d.failure {
        Some(Failure::Unreachable | Failure::Status) => Verdict::Refuse(refusals::fetch_failed()),
        Some(Failure::Timeout) => Verdict::Refuse(refusals::download_timeout()),
        // Meta refuses a large image at creation, and fails a large video while processing.
        Some(Failure::TooLarge) if video => Verdict::FailsProcessing,
        Some(Failure::TooLarge) => Verdict::Refuse(refusals::image_too_large()),
        None if video => match fetched.format {
            Some(f) if f.is_video() => Verdict::Accept,
            _ => Verdict::Refuse(refusals::video_format()),
        },
        None => match (fetched.format, fetched.size) {
            (Some(Format::Jpeg), Some((w, h))) => {
                if source.role == Role::FeedImage && !in_feed_range(w, h) {
                    Verdict::Refuse(refusals::aspect_refused())
                } else {
                    Verdict::Accept
                }
            }
            // A JPEG without a frame header cannot be decoded: its format is unknown.
            (Some(Format::Jpeg), None) | (None, _) => {
                Verdict::Refuse(refusals::image_format("unknown"))
            }
            (Some(other), _) => {
                Verdict::Refuse(refusals::image_format(&other.name().to_ascii_lowercase()))
            }
        },
    };
    (fetched, verdict)
}

/// 4:5 (0.8) to 1.91:1, inclusive: Meta's range for feed and carousel images (content
/// publishing guide, image specifications), in integers.
fn in_feed_range(width: u32, height: u32) -> bool {
    let (w, h) = (u64::from(width), u64::from(height));
    h > 0 && 5 * w >= 4 * h && 100 * w <= 191 * h
}

#[cfg(test)]
mod tests {
    use super::super::sniff::samples;
    use super::*;

    fn source(role: Role) -> Source {
        Source {
            field: "image_url",
            url: "http://127.0.0.1/a".into(),
            role,
        }
    }

    fn arrived(head: Vec<u8>) -> Download {
        Download {
            status: Some(200),
            content_type: Some("image/jpeg".into()),
            bytes: head.len() as u64,
            head,
            failure: None,
        }
    }

    fn failed(failure: Failure) -> Download {
        Download {
            status: None,
            content_type: None,
            bytes: 0,
            head: Vec::new(),
            failure: Some(failure),
        }
    }

    fn code(role: Role, d: &Download) -> Option<(i64, Option<i64>)> {
        match judge(&source(role), d).1 {
            Verdict::Refuse(e) => Some(e.code()),
            _ => None,
        }
    }

    #[test]
    fn a_jpeg_in_the_feed_range_is_accepted_and_recorded() {
        let d = arrived(samples::jpeg(1440, 1152, true));
        let (fetched, verdict) = judge(&source(Role::FeedImage), &d);
        assert!(matches!(verdict, Verdict::Accept));
        assert_eq!(fetched.format, Some(Format::Jpeg));
        assert_eq!((fetched.size, fetched.has_exif), (Some((1440, 1152)), true));
        let json = fetched.to_json();
        assert_eq!(
            (json["width"].as_u64(), json["format"].as_str()),
            (Some(1440), Some("JPEG"))
        );
    }

    #[test]
    fn downloads_that_fail_are_refused_as_meta_refuses_them() {
        for f in [Failure::Unreachable, Failure::Status] {
            assert_eq!(
                code(Role::FeedImage, &failed(f)),
                Some((9004, Some(2207052)))
            );
        }
        assert_eq!(
            code(Role::Video, &failed(Failure::Timeout)),
            Some((-2, Some(2207003)))
        );
        assert_eq!(
            code(Role::FeedImage, &failed(Failure::TooLarge)),
            Some((36000, Some(2207004)))
        );
        let large_video = judge(&source(Role::Video), &failed(Failure::TooLarge)).1;
        assert!(matches!(large_video, Verdict::FailsProcessing));
    }

    #[test]
    fn feed_images_outside_four_fifths_to_1_91_are_refused_stories_are_not() {
        let tall = arrived(samples::jpeg(1000, 1300, false));
        assert_eq!(code(Role::FeedImage, &tall), Some((36003, Some(2207009))));
        assert_eq!(code(Role::StoryImage, &tall), None);
        let wide = arrived(samples::jpeg(1920, 1000, false));
        assert_eq!(code(Role::FeedImage, &wide), Some((36003, Some(2207009))));
        assert!(in_feed_range(1080, 1350) && in_feed_range(1910, 1000));
        assert!(!in_feed_range(1911, 1000) && !in_feed_range(10, 0));
    }

    #[test]
    fn images_that_are_not_jpeg_and_videos_without_ftyp_are_refused() {
        let png = arrived(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10".to_vec());
        assert_eq!(code(Role::Cover, &png), Some((36001, Some(2207005))));
        let not_video = arrived(samples::jpeg(10, 10, false));
        assert_eq!(code(Role::Video, &not_video), Some((352, Some(2207026))));
        assert_eq!(code(Role::Video, &arrived(samples::mp4(64))), None);
        let empty = arrived(Vec::new());
        assert_eq!(code(Role::FeedImage, &empty), Some((36001, Some(2207005))));
    }
}
