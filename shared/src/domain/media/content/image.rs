//! Images as Instagram takes them: a baseline sRGB JPEG, at most 1440 px wide, within the
//! post type's aspect range and under 8 MB. Every accepted image is decoded and encoded
//! afresh, even a JPEG that already fits: that is what guarantees no EXIF, GPS, XMP or comment
//! of the original reaches Meta (a privacy promise, not an optimisation to skip).

mod change;
mod decode;
mod layout;
mod pixels;

use super::{ContentError, Format};
pub use change::Change;

/// Allowed width / height, both ends included.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AspectRange {
    pub min: f64,
    pub max: f64,
}

impl AspectRange {
    /// Whether `width x height` is within the range.
    pub fn contains(&self, width: u32, height: u32) -> bool {
        let r = f64::from(width) / f64::from(height.max(1));
        // A hair of tolerance so that 1080x1350 is exactly 4:5 whatever the rounding.
        r >= self.min - 1e-9 && r <= self.max + 1e-9
    }
}

/// What to do with an image outside the aspect range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Refuse it with `unsupported_aspect_ratio`: nothing of the picture is lost unasked.
    Refuse,
    /// Crop it, centred, to the nearest allowed ratio.
    Crop,
    /// Letterbox it to the nearest allowed ratio with this colour.
    Pad { rgb: [u8; 3] },
}

/// What a converted image must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageRules {
    pub aspect: AspectRange,
    pub fit: Fit,
    /// Wider images are scaled down to this width.
    pub max_width: u32,
    /// Meta's documented minimum width. Narrower images are kept as they are, not upscaled:
    /// Meta scales small images up itself, and doing it here would only add bytes.
    pub min_width: u32,
    /// The largest JPEG Meta takes.
    pub max_bytes: usize,
    /// The most pixels decoded (width x height, checked from the header before any
    /// allocation); it bounds the memory of a conversion at about 4 bytes per pixel (8 for
    /// 16-bit PNGs).
    pub max_pixels: u64,
}

/// What an image is for: it decides the aspect range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostType {
    /// An image post or a carousel item.
    Feed,
    Story,
    /// The cover image of a reel.
    ReelCover,
}

/// Meta's image specifications (IG User Media reference, "Image Specifications":
/// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
/// and https://developers.facebook.com/docs/instagram-api/reference/ig-user/media): JPEG,
/// 8 MB at most, aspect ratio 4:5 to 1.91:1, 320 to 1440 px wide, sRGB.
const FEED: AspectRange = AspectRange {
    min: 0.8,
    max: 1.91,
};
/// Stories: Meta recommends 9:16 and fits other shapes itself; the range is the one the same
/// page documents for story videos, 0.1:1 to 10:1.
const STORY: AspectRange = AspectRange {
    min: 0.1,
    max: 10.0,
};
/// Reel covers: Meta recommends 9:16 and crops a cover to the reel itself; the range is the
/// reels' own, 0.01:1 to 10:1 (same page, "Reel Specifications").
const REEL_COVER: AspectRange = AspectRange {
    min: 0.01,
    max: 10.0,
};
/// Meta's "8 MB maximum", read as decimal megabytes: the stricter reading costs nothing, since
/// a 1440 px JPEG at quality 90 is rarely a quarter of it.
const MAX_JPEG_BYTES: usize = 8_000_000;
/// A 48-megapixel phone photo (8064x6048) fits; a 200-megapixel one does not.
const MAX_PIXELS: u64 = 50_000_000;

/// The rules for an image used as `post`, fitted with `fit`.
pub fn image_rules_for(post: PostType, fit: Fit) -> ImageRules {
    let aspect = match post {
        PostType::Feed => FEED,
        PostType::Story => STORY,
        PostType::ReelCover => REEL_COVER,
    };
    ImageRules {
        aspect,
        fit,
        max_width: 1440,
        min_width: 320,
        max_bytes: MAX_JPEG_BYTES,
        max_pixels: MAX_PIXELS,
    }
}

/// What an uploaded image is, read from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageFacts {
    pub format: Format,
    /// As displayed: after its EXIF orientation (a phone's portrait photo is portrait here).
    pub width: u32,
    pub height: u32,
    /// More than one frame (GIF, APNG, WebP); only the first is kept.
    pub animated: bool,
    /// EXIF, XMP or IPTC metadata (where a GPS position lives) was found.
    pub has_metadata: bool,
    /// An embedded ICC colour profile was found.
    pub icc_profile: bool,
}

/// An image made into what Instagram takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvertedImage {
    /// A baseline JPEG with no metadata segment.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// What the upload was.
    pub found: ImageFacts,
    /// What was done to it, in order.
    pub changes: Vec<Change>,
}

/// The facts of an image from its header alone: nothing is decoded, so an image declaring
/// more than `max_pixels` is refused ([`ContentError::ImageTooLarge`]) before any allocation.
pub fn inspect_image(bytes: &[u8], max_pixels: u64) -> Result<ImageFacts, ContentError> {
    decode::open(bytes, max_pixels).map(|opened| opened.facts)
}

/// Decodes `bytes` (JPEG, PNG, WebP or GIF, told by their content) and encodes the JPEG
/// Instagram is given, by `rules`: orientation applied, first frame only, transparency
/// flattened, colours in sRGB, cropped or padded into the aspect range, at most `max_width`
/// wide, quality 90 lowered step by step until under `max_bytes`.
pub fn convert_image(bytes: &[u8], rules: &ImageRules) -> Result<ConvertedImage, ContentError> {
    let opened = decode::open(bytes, rules.max_pixels)?;
    let found = opened.facts;
    let layout = layout::plan((found.width, found.height), rules)?;
    let background = match rules.fit {
        Fit::Pad { rgb } => rgb,
        Fit::Refuse | Fit::Crop => [255, 255, 255],
    };
    let mut changes = Vec::new();
    if found.format != Format::Jpeg {
        changes.push(Change::ConvertedFrom(found.format));
    }
    if found.animated {
        changes.push(Change::FirstFrameOnly);
    }
    changes.extend(layout.changes());
    if found.has_metadata {
        changes.push(Change::MetadataRemoved);
    }
    let picture = pixels::render(opened, &layout, background)?;
    if picture.flattened {
        changes.push(Change::TransparencyFlattened);
    }
    changes.extend(picture.colour);
    let (jpeg, quality) = pixels::encode(&picture, rules.max_bytes)?;
    if quality < pixels::QUALITY {
        changes.push(Change::RecompressedUnderLimit { quality });
    }
    Ok(ConvertedImage {
        jpeg,
        width: picture.width,
        height: picture.height,
        found,
        changes,
    })
}
