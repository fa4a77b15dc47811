//! Opening an upload with the right decoder, reading its facts from the header, and decoding
//! it within limits. The pixel count is checked against the header before the decoder is
//! allowed to allocate anything, so a 50-byte file declaring 100000x100000 costs nothing.

use super::ImageFacts;
use crate::domain::media::content::{ContentError, Format, sniff};
use image::codecs::{gif::GifDecoder, jpeg::JpegDecoder, png::PngDecoder, webp::WebPDecoder};
use image::error::{ImageError, LimitErrorKind};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, Limits};
use std::io::Cursor;

/// What reading metadata (ICC, EXIF, text chunks) may allocate before the pixel check: the
/// file itself is the bound of what is worth reading.
const HEADER_ALLOC: u64 = 64 * 1024 * 1024;
/// Decoders' own buffers (rows, Huffman tables, LZW state) beyond the pixels.
const DECODER_SLACK: u64 = 32 * 1024 * 1024;

/// An upload whose header was read and passed the pixel limit.
pub(super) struct Opened<'a> {
    decoder: Box<dyn ImageDecoder + 'a>,
    pub facts: ImageFacts,
    pub orientation: Orientation,
    pub icc: Option<Vec<u8>>,
    max_pixels: u64,
}

/// Sniffs, opens and inspects `bytes`.
pub(super) fn open(bytes: &[u8], max_pixels: u64) -> Result<Opened<'_>, ContentError> {
    let format = sniff(bytes).ok_or(ContentError::UnsupportedFormat {
        found: "not an image igconnect recognises",
    })?;
    let (mut decoder, animated): (Box<dyn ImageDecoder>, bool) = match format {
        Format::Jpeg => {
            if !jpeg_is_complete(bytes) {
                return Err(ContentError::Corrupt {
                    detail: "the JPEG data ends before its end marker",
                });
            }
            let d = JpegDecoder::new(Cursor::new(bytes)).map_err(|e| header_error(format, e))?;
            (Box::new(d), false)
        }
        Format::Png => {
            let limits = header_limits();
            let d = PngDecoder::with_limits(Cursor::new(bytes), limits)
                .map_err(|e| header_error(format, e))?;
            let apng = d.is_apng().map_err(|e| header_error(format, e))?;
            (Box::new(d), apng)
        }
        Format::Gif => {
            let animated = gif_frames(bytes) > 1;
            let d = GifDecoder::new(Cursor::new(bytes)).map_err(|e| header_error(format, e))?;
            (Box::new(d), animated)
        }
        Format::Webp => {
            let d = WebPDecoder::new(Cursor::new(bytes)).map_err(|e| header_error(format, e))?;
            let animated = d.has_animation();
            (Box::new(d), animated)
        }
        Format::Heic | Format::Mp4 | Format::Mov => {
            return Err(ContentError::UnsupportedFormat {
                found: format.name(),
            });
        }
    };
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ContentError::Corrupt {
            detail: "the image declares no pixels",
        });
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ContentError::ImageTooLarge {
            width,
            height,
            max_pixels,
        });
    }
    // Metadata errors never refuse a picture: what cannot be read is not carried over anyway.
    let exif = decoder.exif_metadata().ok().flatten().is_some();
    let xmp = decoder.xmp_metadata().ok().flatten().is_some();
    let iptc = decoder.iptc_metadata().ok().flatten().is_some();
    let icc = decoder.icc_profile().ok().flatten();
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (width, height) = if swaps_sides(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    Ok(Opened {
        decoder,
        facts: ImageFacts {
            format,
            width,
            height,
            animated,
            has_metadata: exif || xmp || iptc,
            icc_profile: icc.is_some(),
        },
        orientation,
        icc,
        max_pixels,
    })
}

impl Opened<'_> {
    /// Decodes the (first frame's) pixels, as stored: orientation is not applied yet.
    pub fn decode(self) -> Result<DynamicImage, ContentError> {
        let Self {
            mut decoder,
            facts,
            max_pixels,
            ..
        } = self;
        let (width, height) = decoder.dimensions();
        let too_large = ContentError::ImageTooLarge {
            width,
            height,
            max_pixels,
        };
        let side = u32::try_from(max_pixels).unwrap_or(u32::MAX);
        let mut limits = Limits::default();
        limits.max_image_width = Some(side);
        limits.max_image_height = Some(side);
        limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(DECODER_SLACK));
        decoder.set_limits(limits).map_err(|e| match e {
            ImageError::Limits(_) => too_large.clone(),
            other => decode_error(facts.format, other),
        })?;
        DynamicImage::from_decoder(decoder).map_err(|e| match e {
            ImageError::Limits(l) if matches!(l.kind(), LimitErrorKind::InsufficientMemory) => {
                too_large
            }
            other => decode_error(facts.format, other),
        })
    }
}

/// Whether the orientation turns the picture a quarter turn.
pub(super) fn swaps_sides(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

fn header_limits() -> Limits {
    let mut limits = Limits::no_limits();
    limits.max_alloc = Some(HEADER_ALLOC);
    limits
}

fn header_error(format: Format, e: ImageError) -> ContentError {
    match e {
        ImageError::Limits(_) => ContentError::Corrupt {
            detail: "its metadata is unreasonably large",
        },
        other => decode_error(format, other),
    }
}

fn decode_error(format: Format, e: ImageError) -> ContentError {
    match e {
        ImageError::Unsupported(_) => ContentError::UnsupportedFormat {
            found: match format {
                Format::Jpeg => "an arithmetic-coded, 12-bit or lossless JPEG",
                Format::Png => "a PNG of a kind igconnect cannot read",
                Format::Webp => "a WebP of a kind igconnect cannot read",
                _ => "a GIF of a kind igconnect cannot read",
            },
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ContentError::Corrupt {
                detail: "the image data ends early",
            }
        }
        _ => ContentError::Corrupt {
            detail: "the image data is not valid",
        },
    }
}

/// Whether a JPEG's first scan is followed by an end-of-image marker. The JPEG decoder fills a
/// truncated scan with grey rather than failing; inside entropy-coded data a 0xFF byte is
/// always followed by 0x00 or a restart marker, so `FF D9` after the first scan is the end.
/// Data appended after it (motion photos, maker trailers) is allowed.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let Some(scan) = first_scan(bytes) else {
        return false;
    };
    // From the end, where the marker nearly always is.
    bytes
        .get(scan..)
        .unwrap_or_default()
        .windows(2)
        .rev()
        .any(|w| w == [0xFF, 0xD9])
}

/// The offset of the first start-of-scan segment, walking marker segments from SOI.
fn first_scan(bytes: &[u8]) -> Option<usize> {
    let mut pos = 2;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        let mut marker = *bytes.get(pos + 1)?;
        while marker == 0xFF {
            pos += 1;
            marker = *bytes.get(pos + 1)?;
        }
        match marker {
            0xDA => return Some(pos),
            0x01 | 0xD0..=0xD7 => pos += 2,
            0xD9 => return None,
            _ => {
                let len = usize::from(u16::from_be_bytes([
                    *bytes.get(pos + 2)?,
                    *bytes.get(pos + 3)?,
                ]));
                pos += 2 + len;
            }
        }
    }
}

/// How many frames a GIF has (counting stops at 2), by walking its blocks without
/// decompressing them.
fn gif_frames(bytes: &[u8]) -> u32 {
    let Some(&packed) = bytes.get(10) else {
        return 0;
    };
    let mut pos = 13 + colour_table(packed);
    let mut frames = 0;
    while frames < 2 {
        match bytes.get(pos) {
            Some(0x21) => pos = skip_sub_blocks(bytes, pos + 2),
            Some(0x2C) => {
                frames += 1;
                let Some(&local) = bytes.get(pos + 9) else {
                    break;
                };
                // Descriptor (10 bytes), local colour table, LZW code size, data.
                pos = skip_sub_blocks(bytes, pos + 10 + colour_table(local) + 1);
            }
            _ => break,
        }
    }
    frames
}

fn colour_table(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// The offset after a chain of sub-blocks starting at `pos` (or past the end).
fn skip_sub_blocks(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(&len) = bytes.get(pos) {
        pos += 1 + usize::from(len);
        if len == 0 {
            return pos;
        }
    }
    usize::MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_without_its_end_marker_is_incomplete() {
        let mut jpeg = vec![
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0, 0, 0xFF, 0xDA, 0x00, 0x02,
        ];
        jpeg.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34]);
        assert!(!jpeg_is_complete(&jpeg));
        jpeg.extend_from_slice(&[0xFF, 0xD9]);
        assert!(jpeg_is_complete(&jpeg));
        // Bytes appended after the end (a motion photo's video) do not matter.
        jpeg.extend_from_slice(b"\0\0\0\x18ftypmp42");
        assert!(jpeg_is_complete(&jpeg));
        assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF]));
    }

    #[test]
    fn gif_frames_are_counted_without_decoding() {
        let frame = [
            0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, // descriptor, no local table
            2, 2, 0x4C, 0x01, 0, // code size, one sub-block, terminator
        ];
        let mut gif = b"GIF89a\x01\0\x01\0\x80\0\0".to_vec();
        gif.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        gif.extend_from_slice(&[0x21, 0xF9, 4, 0, 0, 0, 0, 0]);
        gif.extend_from_slice(&frame);
        assert_eq!(gif_frames(&gif), 1);
        gif.extend_from_slice(&frame);
        gif.push(0x3B);
        assert_eq!(gif_frames(&gif), 2);
        assert_eq!(gif_frames(b"GIF89a"), 0);
    }
}
