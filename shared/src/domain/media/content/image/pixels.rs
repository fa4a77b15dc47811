//! The pixel work of a conversion, cheapest order first: the decoded picture is cropped and
//! scaled in one pass while it is still stored as the file had it, and everything else
//! (orientation, colour profile, transparency, padding) is done on the small result. A
//! centred crop is the same region whichever way the picture is turned, so cropping before
//! rotating keeps the same pixels; converting colours after scaling is what thumbnailers
//! such as libvips do, at a twentieth of the cost for a 12-megapixel photo.

use super::Change;
use super::decode::{Opened, swaps_sides};
use super::layout::Layout;
use crate::domain::media::content::ContentError;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageBuffer, ImageEncoder};
use moxcms::{ColorProfile, DataColorSpace, Layout as PixelLayout, TransformOptions};

/// The JPEG quality tried first.
pub(super) const QUALITY: u8 = 90;
/// Then these, until the JPEG fits; below 60 a photo shows blocks.
const QUALITIES: [u8; 7] = [QUALITY, 85, 80, 75, 70, 65, 60];

/// The final picture, 8-bit RGB, before encoding.
pub(super) struct Picture {
    pub rgb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// Some pixel was not fully opaque.
    pub flattened: bool,
    /// What was done about an embedded colour profile.
    pub colour: Option<Change>,
}

/// Decodes `opened` and lays it out as `layout` says, on `background` where there is
/// transparency or padding.
pub(super) fn render(
    mut opened: Opened<'_>,
    layout: &Layout,
    background: [u8; 3],
) -> Result<Picture, ContentError> {
    let orientation = opened.orientation;
    let icc = opened.icc.take();
    let decoded = opened.decode()?;
    let (width, height) = (decoded.width(), decoded.height());
    let (pixels, channels) = eight_bit(decoded);
    let stored = |(w, h): (u32, u32)| {
        if swaps_sides(orientation) {
            (h, w)
        } else {
            (w, h)
        }
    };
    let (scaled_w, scaled_h) = stored(layout.scaled);
    let small = if layout.resamples() {
        let kept = stored(layout.kept);
        let small = resize(
            &pixels,
            (width, height),
            channels,
            kept,
            (scaled_w, scaled_h),
        )?;
        // The full-size picture is the bulk of the memory: gone before anything else.
        drop(pixels);
        small
    } else {
        pixels
    };
    let (small, w, h) = orient(small, (scaled_w, scaled_h), channels, orientation)?;
    let (mut colour_pixels, channels) = to_rgb_or_rgba(small, channels);
    let colour = icc.and_then(|icc| to_srgb(&mut colour_pixels, channels, &icc));
    let (rgb, flattened) = flatten(colour_pixels, channels, background);
    let (rgb, width, height) = pad(rgb, (w, h), layout.canvas, background);
    Ok(Picture {
        rgb,
        width,
        height,
        flattened,
        colour,
    })
}

/// Encodes `picture` as a baseline JPEG under `max_bytes`, lowering the quality as needed.
/// The encoder writes a JFIF header and nothing else: no EXIF, XMP, ICC or comment segment.
pub(super) fn encode(picture: &Picture, max_bytes: usize) -> Result<(Vec<u8>, u8), ContentError> {
    let mut last = 0;
    for quality in QUALITIES {
        let mut out = Vec::with_capacity(picture.rgb.len() / 8);
        JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(
                &picture.rgb,
                picture.width,
                picture.height,
                ExtendedColorType::Rgb8,
            )
            .map_err(|_| ContentError::Corrupt {
                detail: "the picture could not be encoded",
            })?;
        if out.len() <= max_bytes {
            return Ok((out, quality));
        }
        last = out.len();
    }
    Err(ContentError::TooLargeAfterConversion {
        bytes: last,
        quality: QUALITIES[QUALITIES.len() - 1],
        max_bytes,
    })
}

/// The decoded pixels as 8-bit samples with their channel count (1 to 4). 8-bit pictures
/// are taken as they are, without a copy.
fn eight_bit(decoded: DynamicImage) -> (Vec<u8>, usize) {
    match decoded {
        DynamicImage::ImageLuma8(b) => (b.into_raw(), 1),
        DynamicImage::ImageLumaA8(b) => (b.into_raw(), 2),
        DynamicImage::ImageRgb8(b) => (b.into_raw(), 3),
        DynamicImage::ImageRgba8(b) => (b.into_raw(), 4),
        other if other.color().has_alpha() => (other.into_rgba8().into_raw(), 4),
        other => (other.into_rgb8().into_raw(), 3),
    }
}

fn pixel_type(channels: usize) -> PixelType {
    match channels {
        1 => PixelType::U8,
        2 => PixelType::U8x2,
        3 => PixelType::U8x3,
        _ => PixelType::U8x4,
    }
}

/// The centred `kept` part of a `size` picture, scaled to `to` with Lanczos3 (alpha
/// premultiplied while filtering, so transparent pixels do not bleed their colour).
fn resize(
    pixels: &[u8],
    size: (u32, u32),
    channels: usize,
    kept: (u32, u32),
    to: (u32, u32),
) -> Result<Vec<u8>, ContentError> {
    let failed = |_| ContentError::Corrupt {
        detail: "the picture could not be scaled",
    };
    let src = ImageRef::new(size.0, size.1, pixels, pixel_type(channels)).map_err(failed)?;
    let mut dst = Image::new(to.0, to.1, pixel_type(channels));
    // Whole-pixel offsets: a half-pixel shift would blur a crop that is not scaled.
    let left = f64::from((size.0 - kept.0.min(size.0)) / 2);
    let top = f64::from((size.1 - kept.1.min(size.1)) / 2);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(left, top, f64::from(kept.0), f64::from(kept.1));
    Resizer::new()
        .resize(&src, &mut dst, &options)
        .map_err(|_| ContentError::Corrupt {
            detail: "the picture could not be scaled",
        })?;
    Ok(dst.into_vec())
}

/// Turns the pixels as the EXIF orientation says; returns them with their new size.
fn orient(
    pixels: Vec<u8>,
    (w, h): (u32, u32),
    channels: usize,
    orientation: Orientation,
) -> Result<(Vec<u8>, u32, u32), ContentError> {
    if orientation == Orientation::NoTransforms {
        return Ok((pixels, w, h));
    }
    let wrong = || ContentError::Corrupt {
        detail: "the picture's size does not match its pixels",
    };
    let mut image = match channels {
        1 => DynamicImage::ImageLuma8(ImageBuffer::from_raw(w, h, pixels).ok_or_else(wrong)?),
        2 => DynamicImage::ImageLumaA8(ImageBuffer::from_raw(w, h, pixels).ok_or_else(wrong)?),
        3 => DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, pixels).ok_or_else(wrong)?),
        _ => DynamicImage::ImageRgba8(ImageBuffer::from_raw(w, h, pixels).ok_or_else(wrong)?),
    };
    image.apply_orientation(orientation);
    let (w, h) = (image.width(), image.height());
    Ok((eight_bit(image).0, w, h))
}

/// Grey pictures spread to RGB (with their alpha, if any): Meta is sent colour JPEGs.
fn to_rgb_or_rgba(pixels: Vec<u8>, channels: usize) -> (Vec<u8>, usize) {
    match channels {
        1 => (pixels.iter().flat_map(|&v| [v, v, v]).collect(), 3),
        2 => (
            pixels
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            4,
        ),
        _ => (pixels, channels),
    }
}

/// Converts the pixels from `icc` to sRGB. `None` when there is nothing to say (the profile
/// is sRGB already); `ColourProfileDropped` when it cannot be applied.
fn to_srgb(pixels: &mut Vec<u8>, channels: usize, icc: &[u8]) -> Option<Change> {
    let dropped = Some(Change::ColourProfileDropped);
    let Ok(profile) = ColorProfile::new_from_slice(icc) else {
        return dropped;
    };
    if profile.color_space != DataColorSpace::Rgb {
        return dropped;
    }
    let srgb = ColorProfile::new_srgb();
    if same_primaries(&profile, &srgb) {
        return None;
    }
    let layout = if channels == 4 {
        PixelLayout::Rgba
    } else {
        PixelLayout::Rgb
    };
    let Ok(transform) =
        profile.create_transform_8bit(layout, &srgb, layout, TransformOptions::default())
    else {
        return dropped;
    };
    let mut out = vec![0; pixels.len()];
    if transform.transform(pixels, &mut out).is_err() {
        return dropped;
    }
    *pixels = out;
    Some(Change::ColourConvertedToSrgb)
}

/// Whether a profile has sRGB's primaries and white point (an "sRGB IEC61966-2.1" profile
/// from a camera or an editor): converting would change nothing worth a mention.
fn same_primaries(a: &ColorProfile, b: &ColorProfile) -> bool {
    let close = |x: moxcms::Xyzd, y: moxcms::Xyzd| {
        (x.x - y.x).abs() < 2e-3 && (x.y - y.y).abs() < 2e-3 && (x.z - y.z).abs() < 2e-3
    };
    close(a.red_colorant, b.red_colorant)
        && close(a.green_colorant, b.green_colorant)
        && close(a.blue_colorant, b.blue_colorant)
        && close(a.white_point, b.white_point)
}

/// RGB pixels; RGBA ones laid on `background`. Also says whether any pixel was transparent.
fn flatten(pixels: Vec<u8>, channels: usize, background: [u8; 3]) -> (Vec<u8>, bool) {
    if channels == 3 {
        return (pixels, false);
    }
    let mut transparent = false;
    let rgb = pixels
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u32::from(p[3]);
            transparent |= a < 255;
            let mix =
                |c: u8, bg: u8| ((u32::from(c) * a + u32::from(bg) * (255 - a) + 127) / 255) as u8;
            [
                mix(p[0], background[0]),
                mix(p[1], background[1]),
                mix(p[2], background[2]),
            ]
        })
        .collect();
    (rgb, transparent)
}

/// The `content` RGB picture centred on a `canvas` of `background` (the picture itself when
/// the sizes are equal).
fn pad(
    rgb: Vec<u8>,
    content: (u32, u32),
    canvas: (u32, u32),
    background: [u8; 3],
) -> (Vec<u8>, u32, u32) {
    if content == canvas || content.0 > canvas.0 || content.1 > canvas.1 {
        return (rgb, content.0, content.1);
    }
    let (cw, ch) = (canvas.0 as usize, canvas.1 as usize);
    let (w, h) = (content.0 as usize, content.1 as usize);
    let mut out: Vec<u8> = background
        .iter()
        .copied()
        .cycle()
        .take(cw * ch * 3)
        .collect();
    let (left, top) = ((cw - w) / 2, (ch - h) / 2);
    for (y, row) in rgb.chunks_exact(w * 3).enumerate().take(h) {
        let start = ((top + y) * cw + left) * 3;
        out[start..start + w * 3].copy_from_slice(row);
    }
    (out, canvas.0, canvas.1)
}
