//! `POST /v1/media` as received, and the rules a declaration must pass before any storage is
//! reserved for it: a known file type, a size within the limits of what it will become, and
//! the post type it is meant for (its aspect-ratio range and duration limits).

use serde::{Deserialize, Serialize};

/// Why a declaration (or later, a file) was refused: a stable code and plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Refusal {
    pub code: &'static str,
    pub detail: String,
}

impl Refusal {
    /// A refusal with `code`.
    pub fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }
}

/// `{"filename", "content_type", "size", "post_type"?, "fit"?, "pad_color"?}` as received.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// The file's name on the uploader's machine: shown back, never trusted for its type.
    pub filename: String,
    /// The MIME type the upload will be sent with.
    pub content_type: String,
    /// The exact size in bytes the upload will have.
    pub size: u64,
    /// What the file is for: `image` (the default for images), `carousel`, `story`, `reel`
    /// (the default for videos) or `reel_cover`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_type: Option<String>,
    /// An image outside the post type's aspect range: `refuse` (default), `crop` (centred)
    /// or `pad`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fit: Option<String>,
    /// The colour `pad` fills with, `#rrggbb`; white by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pad_color: Option<String>,
}

/// The file types igconnect takes, by the MIME type declared. What the bytes really are is
/// checked again when the upload lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredType {
    Jpeg,
    Png,
    Webp,
    Gif,
    Mp4,
    Mov,
}

impl DeclaredType {
    /// Every accepted type with its MIME name, as the API documents them.
    pub const ALL: [(Self, &'static str); 6] = [
        (Self::Jpeg, "image/jpeg"),
        (Self::Png, "image/png"),
        (Self::Webp, "image/webp"),
        (Self::Gif, "image/gif"),
        (Self::Mp4, "video/mp4"),
        (Self::Mov, "video/quicktime"),
    ];

    /// The type of a declared MIME name (parameters such as `; charset` ignored).
    pub fn parse(mime: &str) -> Option<Self> {
        let bare = mime.split(';').next().unwrap_or_default().trim();
        Self::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(bare))
            .map(|(t, _)| *t)
    }

    /// The MIME name the upload must carry.
    pub fn mime(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map(|(_, name)| *name)
            .unwrap_or("application/octet-stream")
    }

    /// Whether it is a video type.
    pub fn is_video(self) -> bool {
        matches!(self, Self::Mp4 | Self::Mov)
    }
}

/// What a medium is for: it decides the aspect range of an image and the duration and size
/// limits of a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaTarget {
    /// An image post.
    Image,
    /// An item of a carousel (image or video).
    Carousel,
    /// A story (image or video).
    Story,
    /// A reel's video.
    Reel,
    /// A reel's cover image.
    ReelCover,
}

impl MediaTarget {
    /// Every target with its wire name.
    pub const ALL: [(Self, &'static str); 5] = [
        (Self::Image, "image"),
        (Self::Carousel, "carousel"),
        (Self::Story, "story"),
        (Self::Reel, "reel"),
        (Self::ReelCover, "reel_cover"),
    ];

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(t, _)| *t)
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map(|(_, n)| *n)
            .unwrap_or("image")
    }

    /// Whether a file of this kind (`video` or not) may serve this target.
    fn takes(self, video: bool) -> bool {
        match self {
            Self::Image | Self::ReelCover => !video,
            Self::Reel => video,
            Self::Carousel | Self::Story => true,
        }
    }
}

/// How an image outside its target's aspect range is made to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum UploadFit {
    /// Refused with `unsupported_aspect_ratio` and the allowed range: nothing of the
    /// picture is lost without the uploader asking for it.
    Refuse,
    /// Cropped, centred, to the nearest allowed ratio.
    Crop,
    /// Letterboxed to the nearest allowed ratio with `rgb`.
    Pad { rgb: [u8; 3] },
}

/// The size limits of uploads. Raw images may be larger than what Meta takes (8 MB): they
/// are converted below it. Videos are sent as they are, so their limit is Meta's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaLimits {
    /// The largest image upload.
    pub max_image_bytes: u64,
    /// The largest video upload for a reel.
    pub max_reel_bytes: u64,
    /// The largest video upload for a story or a carousel item.
    pub max_video_bytes: u64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self {
            // A 48-megapixel PNG from a phone is ~60 MB; anything larger is no photo.
            max_image_bytes: 64 * 1024 * 1024,
            // Meta's reel limit is 1 GB; its story and carousel video limit 100 MB
            // (Instagram Platform, content publishing: reel and video specifications).
            max_reel_bytes: 1024 * 1024 * 1024,
            max_video_bytes: 100 * 1024 * 1024,
        }
    }
}

/// A declaration that passed every rule: what will be uploaded, how large, and what for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSpec {
    pub filename: String,
    pub declared: DeclaredType,
    pub size: u64,
    pub target: MediaTarget,
    pub fit: UploadFit,
}

/// The longest file name kept (it is only shown back).
const MAX_FILENAME_CHARS: usize = 255;

impl UploadRequest {
    /// Checks the declaration against the limits.
    pub fn parse(&self, limits: &MediaLimits) -> Result<UploadSpec, Refusal> {
        let filename = self.filename.trim();
        if filename.is_empty()
            || filename.chars().count() > MAX_FILENAME_CHARS
            || filename.chars().any(char::is_control)
        {
            return Err(Refusal::new(
                "invalid_filename",
                "filename must be 1 to 255 characters without control characters",
            ));
        }
        let declared = DeclaredType::parse(&self.content_type).ok_or_else(|| {
            let heic = self.content_type.to_ascii_lowercase().contains("hei");
            let advice = if heic {
                "HEIC/HEIF is not accepted: export the photo as JPEG (on iPhone, Settings > \
                 Camera > Formats > Most Compatible) and upload that"
            } else {
                "upload image/jpeg, image/png, image/webp, image/gif, video/mp4 or \
                 video/quicktime"
            };
            Refusal::new("unsupported_format", advice)
        })?;
        let video = declared.is_video();
        let target = match self.post_type.as_deref().filter(|t| !t.is_empty()) {
            None if video => MediaTarget::Reel,
            None => MediaTarget::Image,
            Some(raw) => MediaTarget::parse(raw).ok_or_else(|| {
                Refusal::new(
                    "invalid_post_type",
                    "post_type must be image, carousel, story, reel or reel_cover",
                )
            })?,
        };
        if !target.takes(video) {
            return Err(Refusal::new(
                "post_type_mismatch",
                format!(
                    "a {} cannot be used for post_type {}",
                    if video { "video" } else { "image" },
                    target.as_str()
                ),
            ));
        }
        let max = match (video, target) {
            (false, _) => limits.max_image_bytes,
            (true, MediaTarget::Reel) => limits.max_reel_bytes,
            (true, _) => limits.max_video_bytes,
        };
        if self.size == 0 {
            return Err(Refusal::new(
                "invalid_size",
                "size must be the file's exact size in bytes, more than 0",
            ));
        }
        if self.size > max {
            return Err(Refusal::new(
                "file_too_large",
                format!(
                    "the file is {} bytes; at most {max} bytes are accepted for this type",
                    self.size
                ),
            ));
        }
        let fit = fit(self.fit.as_deref(), self.pad_color.as_deref())?;
        if video && fit != UploadFit::Refuse {
            return Err(Refusal::new(
                "fit_not_allowed",
                "fit applies to images only: videos are sent to Instagram as they are",
            ));
        }
        Ok(UploadSpec {
            filename: filename.to_owned(),
            declared,
            size: self.size,
            target,
            fit,
        })
    }
}

fn fit(mode: Option<&str>, colour: Option<&str>) -> Result<UploadFit, Refusal> {
    let invalid = || {
        Refusal::new(
            "invalid_fit",
            "fit must be refuse, crop or pad; pad_color (with pad only) must be #rrggbb",
        )
    };
    match (
        mode.filter(|m| !m.is_empty()),
        colour.filter(|c| !c.is_empty()),
    ) {
        (None | Some("refuse"), None) => Ok(UploadFit::Refuse),
        (Some("crop"), None) => Ok(UploadFit::Crop),
        (Some("pad"), None) => Ok(UploadFit::Pad {
            rgb: [255, 255, 255],
        }),
        (Some("pad"), Some(c)) => parse_colour(c)
            .map(|rgb| UploadFit::Pad { rgb })
            .ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

fn parse_colour(c: &str) -> Option<[u8; 3]> {
    let hex = c.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, size: u64) -> UploadRequest {
        UploadRequest {
            filename: "photo.png".into(),
            content_type: content_type.into(),
            size,
            ..UploadRequest::default()
        }
    }

    fn code(r: &UploadRequest) -> &'static str {
        match r.parse(&MediaLimits::default()) {
            Err(Refusal { code, .. }) => code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn an_image_defaults_to_an_image_post_refusing_other_ratios() {
        let spec = request("image/png", 10)
            .parse(&MediaLimits::default())
            .unwrap();
        assert_eq!(spec.declared, DeclaredType::Png);
        assert_eq!(spec.target, MediaTarget::Image);
        assert_eq!(spec.fit, UploadFit::Refuse);
    }

    #[test]
    fn a_video_defaults_to_a_reel() {
        let spec = request("video/mp4", 10)
            .parse(&MediaLimits::default())
            .unwrap();
        assert_eq!(spec.target, MediaTarget::Reel);
    }

    #[test]
    fn heic_is_refused_with_advice_before_anything_is_stored() {
        let err = request("image/heic", 10)
            .parse(&MediaLimits::default())
            .unwrap_err();
        assert!(err.to_string().contains("JPEG"));
        assert_eq!(code(&request("image/heif", 10)), "unsupported_format");
        assert_eq!(code(&request("application/pdf", 10)), "unsupported_format");
    }

    #[test]
    fn sizes_are_checked_against_the_target() {
        let limits = MediaLimits::default();
        assert_eq!(code(&request("image/png", 0)), "invalid_size");
        assert_eq!(
            code(&request("image/png", limits.max_image_bytes + 1)),
            "file_too_large"
        );
        let mut story = request("video/mp4", limits.max_video_bytes + 1);
        story.post_type = Some("story".into());
        assert_eq!(code(&story), "file_too_large");
        story.post_type = Some("reel".into());
        assert!(story.parse(&limits).is_ok());
    }

    #[test]
    fn the_file_kind_must_suit_the_post_type() {
        let mut r = request("video/mp4", 10);
        r.post_type = Some("image".into());
        assert_eq!(code(&r), "post_type_mismatch");
        let mut r = request("image/jpeg", 10);
        r.post_type = Some("reel".into());
        assert_eq!(code(&r), "post_type_mismatch");
        r.post_type = Some("banner".into());
        assert_eq!(code(&r), "invalid_post_type");
    }

    #[test]
    fn fit_and_pad_colour_are_parsed() {
        let mut r = request("image/png", 10);
        r.fit = Some("pad".into());
        r.pad_color = Some("#102030".into());
        assert_eq!(
            r.parse(&MediaLimits::default()).unwrap().fit,
            UploadFit::Pad { rgb: [16, 32, 48] }
        );
        r.pad_color = Some("red".into());
        assert_eq!(code(&r), "invalid_fit");
        r.fit = Some("crop".into());
        r.pad_color = Some("#102030".into());
        assert_eq!(code(&r), "invalid_fit");
        let mut v = request("video/mp4", 10);
        v.fit = Some("crop".into());
        assert_eq!(code(&v), "fit_not_allowed");
    }

    #[test]
    fn filenames_are_checked() {
        let mut r = request("image/png", 10);
        r.filename = " ".into();
        assert_eq!(code(&r), "invalid_filename");
        r.filename = "a\nb.png".into();
        assert_eq!(code(&r), "invalid_filename");
    }
}
