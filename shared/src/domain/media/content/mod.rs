//! What an uploaded file really is, read from its bytes, and what Instagram is given for it.
//! Pure code: bytes in, facts and bytes out; no I/O, no async, so the caller decides where the
//! CPU work runs and how a large video is read (a few ranged reads of its boxes).
//!
//! - [`sniff`] names the format from magic bytes, never from a file name or declared type.
//! - [`convert_image`] turns any accepted image into a fresh baseline sRGB JPEG within the post
//!   type's rules ([`image_rules_for`]): nothing of the original file but its pixels survives,
//!   so EXIF, GPS, XMP and comments never reach Meta.
//! - [`MovieBoxes`] finds a video's `ftyp` and `moov` by reading top-level box headers only;
//!   [`probe_video`] reads the facts from them and [`check_video`] holds them to Meta's limits
//!   ([`video_rules_for`]). Videos are sent as uploaded: there is no transcoder here.

mod format;
mod image;
#[cfg(any(test, feature = "conformance"))]
mod samples;
#[cfg(test)]
mod tests;
mod video;

pub use format::{Format, sniff};
pub use image::{
    AspectRange, Change, ConvertedImage, Fit, ImageFacts, ImageRules, PostType, convert_image,
    image_rules_for, inspect_image,
};
#[cfg(any(test, feature = "conformance"))]
pub use samples::{sample_jpeg_with_gps, sample_mp4, sample_png};
pub use video::{
    AudioCodec, BoxHeader, MAX_MOOV_BYTES, MovieBoxes, NextRead, VideoCodec, VideoFacts, VideoPost,
    VideoRules, check_video, locate_moov, next_box, probe_video, video_rules_for,
};

/// Why a file cannot become what Instagram takes. [`ContentError::code`] is stable API; the
/// message says in plain words what was found, what is allowed, and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContentError {
    /// Not a format igconnect reads (or one it refuses, such as HEIC).
    #[error("{}", unsupported_format(found))]
    UnsupportedFormat { found: &'static str },
    /// More pixels than igconnect decodes: refused from the header, before any allocation.
    #[error(
        "the image is {width}x{height} pixels; at most {max_pixels} pixels ({} megapixels) are \
         accepted: export it at a smaller size",
        max_pixels / 1_000_000
    )]
    ImageTooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// Truncated or damaged.
    #[error(
        "the file is damaged or incomplete ({detail}): export or download it again and upload \
         the new copy"
    )]
    Corrupt { detail: &'static str },
    /// Width / height outside what the post type takes (and no fit that changes it).
    #[error(
        "the {width}x{height} picture has an aspect ratio of {:.2}:1; this post type takes \
         {:.2}:1 to {:.2}:1 (width / height): crop it, or upload with fit \"crop\" or \"pad\"",
        *width as f64 / (*height).max(1) as f64,
        min,
        max
    )]
    UnsupportedAspectRatio {
        width: u32,
        height: u32,
        min: f64,
        max: f64,
    },
    /// The converted JPEG stays over Meta's size limit even at the lowest quality tried.
    #[error(
        "the converted image is still {bytes} bytes at JPEG quality {quality}; Instagram takes \
         at most {max_bytes} bytes: upload a less detailed or smaller picture"
    )]
    TooLargeAfterConversion {
        bytes: usize,
        quality: u8,
        max_bytes: usize,
    },
    /// A video over the post type's size limit (videos are sent as uploaded).
    #[error(
        "the video is {size} bytes; this post type takes at most {max} bytes: export it at a \
         lower bitrate or shorten it"
    )]
    FileTooLarge { size: u64, max: u64 },
    #[error(
        "the video lasts {}; this post type needs at least {}",
        seconds(*duration_ms),
        seconds(*min_ms)
    )]
    VideoTooShort { duration_ms: u64, min_ms: u64 },
    #[error(
        "the video lasts {}; this post type takes at most {}: trim it",
        seconds(*duration_ms),
        seconds(*max_ms)
    )]
    VideoTooLong { duration_ms: u64, max_ms: u64 },
    /// A video or audio codec Instagram does not take.
    #[error(
        "the video uses {found}; Instagram takes H.264 or HEVC video with AAC audio (or no \
         audio): export it again as an H.264/AAC MP4"
    )]
    UnsupportedCodec { found: String },
    #[error(
        "the video has {fps:.2} frames per second; Instagram takes {min} to {max}: export it \
         at 30 frames per second"
    )]
    UnsupportedFrameRate { fps: f64, min: f64, max: f64 },
}

impl ContentError {
    /// The stable API code (problem details' `code`, a rejected medium's `rejection.code`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedFormat { .. } => "unsupported_format",
            Self::ImageTooLarge { .. } => "image_too_large",
            Self::Corrupt { .. } => "file_corrupt",
            Self::UnsupportedAspectRatio { .. } => "unsupported_aspect_ratio",
            Self::TooLargeAfterConversion { .. } | Self::FileTooLarge { .. } => "file_too_large",
            Self::VideoTooShort { .. } => "video_too_short",
            Self::VideoTooLong { .. } => "video_too_long",
            Self::UnsupportedCodec { .. } => "unsupported_codec",
            Self::UnsupportedFrameRate { .. } => "unsupported_frame_rate",
        }
    }
}

fn unsupported_format(found: &str) -> String {
    if found == Format::Heic.name() {
        return "the file is HEIC, which igconnect cannot convert: export the photo as JPEG (on \
                iPhone, Settings > Camera > Formats > Most Compatible, or share it as JPEG) and \
                upload that"
            .to_owned();
    }
    format!(
        "the file is {found}, which cannot be used: save or export it as a JPEG, PNG, WebP or \
         GIF image, or as a regular MP4 or MOV video, and upload that"
    )
}

/// `2.5 s`, `15 min`, `1 min 30 s`: durations as a person reads them.
fn seconds(ms: u64) -> String {
    let (min, rest) = (ms / 60_000, ms % 60_000);
    let secs = if rest % 1000 == 0 {
        format!("{} s", rest / 1000)
    } else {
        format!("{:.1} s", rest as f64 / 1000.0)
    };
    match (min, rest) {
        (0, _) => secs,
        (m, 0) => format!("{m} min"),
        (m, _) => format!("{m} min {secs}"),
    }
}
