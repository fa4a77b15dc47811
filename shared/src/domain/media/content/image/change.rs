//! What a conversion did to an image, kept on the medium so the person who uploaded it can
//! see why the post does not look exactly like their file.

use crate::domain::media::content::Format;

/// One thing done to an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Re-encoded as JPEG from another format.
    ConvertedFrom(Format),
    /// An animation: only its first frame is posted.
    FirstFrameOnly,
    /// Scaled down (sizes as displayed, after cropping or padding).
    Resized { from: (u32, u32), to: (u32, u32) },
    /// Cropped, centred, to this size in the original's pixels.
    Cropped { to: (u32, u32) },
    /// Letterboxed to this size in the original's pixels.
    Padded { to: (u32, u32) },
    /// EXIF, XMP or IPTC metadata (camera, GPS position, ...) was not carried over.
    MetadataRemoved,
    /// Transparent pixels were laid on a solid colour (JPEG has no transparency).
    TransparencyFlattened,
    /// Colours were converted from the embedded ICC profile to sRGB.
    ColourConvertedToSrgb,
    /// The embedded colour profile could not be applied (unreadable, or not RGB) and was
    /// dropped: colours are taken as sRGB.
    ColourProfileDropped,
    /// Encoded below quality 90 to fit Meta's size limit.
    RecompressedUnderLimit { quality: u8 },
}

impl Change {
    /// The change in plain words: "converted from PNG", "cropped to 4:5 (2400x3000)".
    pub fn describe(&self) -> String {
        match self {
            Self::ConvertedFrom(f) => format!("converted from {}", f.name()),
            Self::FirstFrameOnly => "animated: only the first frame is posted".into(),
            Self::Resized { from, to } => format!(
                "resized from {}x{} to {}x{} pixels",
                from.0, from.1, to.0, to.1
            ),
            Self::Cropped { to } => format!("cropped to {} ({}x{})", ratio(*to), to.0, to.1),
            Self::Padded { to } => format!("padded to {} ({}x{})", ratio(*to), to.0, to.1),
            Self::MetadataRemoved => {
                "EXIF and GPS metadata removed (camera details, location, XMP)".into()
            }
            Self::TransparencyFlattened => "transparent areas filled with a solid colour".into(),
            Self::ColourConvertedToSrgb => "colours converted to sRGB".into(),
            Self::ColourProfileDropped => {
                "colour profile could not be applied and was dropped: colours may differ \
                 slightly"
                    .into()
            }
            Self::RecompressedUnderLimit { quality } => {
                format!("compressed at JPEG quality {quality} to stay under Instagram's 8 MB limit")
            }
        }
    }
}

/// The ratios people know by name, width : height.
const NAMED: [(u32, u32, &str); 9] = [
    (1, 1, "1:1"),
    (4, 5, "4:5"),
    (5, 4, "5:4"),
    (3, 4, "3:4"),
    (4, 3, "4:3"),
    (2, 3, "2:3"),
    (3, 2, "3:2"),
    (9, 16, "9:16"),
    (16, 9, "16:9"),
];

/// `w x h` as a ratio: a named one when within 1% (sizes are rounded to whole pixels),
/// `1.91:1` for Meta's landscape bound, else `0.56:1`.
fn ratio((w, h): (u32, u32)) -> String {
    let r = f64::from(w) / f64::from(h.max(1));
    let near = |target: f64| (r - target).abs() <= target * 0.01;
    if let Some((_, _, name)) = NAMED
        .iter()
        .find(|(a, b, _)| near(f64::from(*a) / f64::from(*b)))
    {
        return (*name).to_owned();
    }
    format!("{r:.2}:1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_as_plain_words() {
        assert_eq!(
            Change::ConvertedFrom(Format::Png).describe(),
            "converted from PNG"
        );
        assert_eq!(
            Change::Cropped { to: (2400, 3000) }.describe(),
            "cropped to 4:5 (2400x3000)"
        );
        assert_eq!(
            Change::Cropped { to: (1440, 754) }.describe(),
            "cropped to 1.91:1 (1440x754)"
        );
        assert_eq!(
            Change::Padded { to: (1440, 1800) }.describe(),
            "padded to 4:5 (1440x1800)"
        );
        assert_eq!(
            Change::Resized {
                from: (4000, 3000),
                to: (1440, 1080)
            }
            .describe(),
            "resized from 4000x3000 to 1440x1080 pixels"
        );
        assert!(Change::MetadataRemoved.describe().contains("GPS"));
        assert!(
            Change::RecompressedUnderLimit { quality: 70 }
                .describe()
                .contains("quality 70")
        );
    }

    #[test]
    fn near_ratios_take_their_common_name() {
        assert_eq!(ratio((1080, 1920)), "9:16");
        assert_eq!(ratio((1079, 1920)), "9:16");
        assert_eq!(ratio((1000, 1000)), "1:1");
        assert_eq!(ratio((1000, 100)), "10.00:1");
    }
}
