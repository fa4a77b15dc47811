use super::contains;
use crate::domain::media::content::samples::{SAMPLE_CAMERA, photo};
use crate::domain::media::content::*;
use ::image::codecs::gif::GifEncoder;
use ::image::codecs::png::PngEncoder;
use ::image::codecs::webp::WebPEncoder;
use ::image::{ExtendedColorType, Frame, ImageEncoder, RgbImage, RgbaImage};
use std::time::{Duration, Instant};

fn feed(fit: Fit) -> ImageRules {
    image_rules_for(PostType::Feed, fit)
}

fn convert(bytes: &[u8], rules: &ImageRules) -> ConvertedImage {
    convert_image(bytes, rules).expect("a convertible image")
}

fn decoded(jpeg: &[u8]) -> RgbImage {
    ::image::load_from_memory(jpeg).expect("a JPEG").to_rgb8()
}

fn png_of(width: u32, height: u32, rgba: &[u8], icc: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = PngEncoder::new(&mut out);
    if let Some(icc) = icc {
        encoder.set_icc_profile(icc).unwrap();
    }
    encoder
        .write_image(rgba, width, height, ExtendedColorType::Rgba8)
        .unwrap();
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    c.extend(crc32(&[&kind[..], data].concat()).to_be_bytes());
    c
}

/// A 70-byte PNG whose header declares `width x height` RGB pixels.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    [
        b"\x89PNG\r\n\x1a\n".to_vec(),
        chunk(b"IHDR", &ihdr),
        chunk(b"IDAT", &[0x78, 0x9C, 0x03, 0x00]),
        chunk(b"IEND", &[]),
    ]
    .concat()
}

/// Baseline JPEG (SOF0), no EXIF/APP1, no ICC/APP2, no comment.
fn assert_clean_baseline(jpeg: &[u8]) {
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!(contains(jpeg, &[0xFF, 0xC0]), "baseline (SOF0)");
    assert!(!contains(jpeg, &[0xFF, 0xC2]), "not progressive");
    assert!(!contains(jpeg, &[0xFF, 0xE1]), "no APP1 segment");
    assert!(!contains(jpeg, &[0xFF, 0xFE]), "no comment segment");
    assert!(!contains(jpeg, b"Exif"), "no EXIF");
    assert!(!contains(jpeg, SAMPLE_CAMERA), "no camera make");
}

#[test]
fn a_png_becomes_a_fresh_baseline_jpeg() {
    let png = sample_png(800, 600, false);
    let out = convert(&png, &feed(Fit::Refuse));
    assert_clean_baseline(&out.jpeg);
    assert_eq!((out.width, out.height), (800, 600));
    assert_eq!(decoded(&out.jpeg).dimensions(), (800, 600));
    assert_eq!(out.changes, vec![Change::ConvertedFrom(Format::Png)]);
    assert_eq!(out.found.format, Format::Png);
}

#[test]
fn exif_and_gps_of_a_jpeg_never_reach_the_output() {
    let jpeg = sample_jpeg_with_gps(640, 480, 1);
    assert!(contains(&jpeg, b"Exif") && contains(&jpeg, SAMPLE_CAMERA));
    let out = convert(&jpeg, &feed(Fit::Refuse));
    assert_clean_baseline(&out.jpeg);
    assert!(out.found.has_metadata);
    // A JPEG that already fits is re-encoded all the same: that is the promise.
    assert_eq!(out.changes, vec![Change::MetadataRemoved]);
    assert_ne!(out.jpeg, jpeg);
}

#[test]
fn exif_in_a_png_never_reaches_the_output() {
    let png = sample_png(640, 480, true);
    assert!(contains(&png, b"eXIf") && contains(&png, SAMPLE_CAMERA));
    let out = convert(&png, &feed(Fit::Refuse));
    assert_clean_baseline(&out.jpeg);
    assert!(out.changes.contains(&Change::MetadataRemoved));
}

#[test]
fn a_portrait_phone_photo_stays_portrait() {
    // Stored 800x600 with orientation 6: displayed turned a quarter clockwise, 600x800.
    let jpeg = sample_jpeg_with_gps(800, 600, 6);
    let facts = inspect_image(&jpeg, 50_000_000).unwrap();
    assert_eq!((facts.width, facts.height), (600, 800));
    let out = convert(&jpeg, &image_rules_for(PostType::Story, Fit::Refuse));
    assert_eq!((out.width, out.height), (600, 800));
    // Red grows with the stored x, which runs top to bottom once turned.
    let pixels = decoded(&out.jpeg);
    assert!(pixels.get_pixel(300, 20)[0] + 100 < pixels.get_pixel(300, 780)[0]);
}

#[test]
fn a_huge_declared_size_is_refused_from_the_header_without_allocating() {
    let png = png_declaring(60_000, 60_000);
    assert!(png.len() < 100);
    let started = Instant::now();
    let expected = ContentError::ImageTooLarge {
        width: 60_000,
        height: 60_000,
        max_pixels: 50_000_000,
    };
    assert_eq!(inspect_image(&png, 50_000_000), Err(expected.clone()));
    assert_eq!(convert_image(&png, &feed(Fit::Crop)), Err(expected.clone()));
    // 60000x60000 RGB is 10.8 GB: had it been allocated (and zeroed) this would take seconds.
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(expected.code(), "image_too_large");
    assert!(expected.to_string().contains("50 megapixels"), "{expected}");
}

#[test]
fn a_truncated_file_is_corrupt() {
    let png = sample_png(300, 300, false);
    let err = convert_image(&png[..png.len() / 2], &feed(Fit::Refuse)).unwrap_err();
    assert_eq!(err.code(), "file_corrupt", "{err}");
    let jpeg = sample_jpeg_with_gps(300, 300, 1);
    let err = convert_image(&jpeg[..jpeg.len() / 2], &feed(Fit::Refuse)).unwrap_err();
    assert_eq!(err.code(), "file_corrupt", "{err}");
}

#[test]
fn heic_is_refused_with_advice_to_export_as_jpeg() {
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic\0\0\0\x08mdat";
    let err = convert_image(heic, &feed(Fit::Refuse)).unwrap_err();
    assert_eq!(err, ContentError::UnsupportedFormat { found: "HEIC" });
    assert_eq!(err.code(), "unsupported_format");
    assert!(
        err.to_string().contains("export the photo as JPEG"),
        "{err}"
    );
    let err = convert_image(b"%PDF-1.7", &feed(Fit::Refuse)).unwrap_err();
    assert_eq!(err.code(), "unsupported_format");
}

#[test]
fn a_large_photo_is_scaled_to_1440_wide() {
    let png = sample_png(2880, 2160, false);
    let out = convert(&png, &feed(Fit::Refuse));
    assert_eq!((out.width, out.height), (1440, 1080));
    assert!(out.changes.contains(&Change::Resized {
        from: (2880, 2160),
        to: (1440, 1080)
    }));
}

#[test]
fn a_small_photo_is_not_upscaled() {
    let out = convert(&sample_png(200, 200, false), &feed(Fit::Refuse));
    assert_eq!((out.width, out.height), (200, 200));
}

#[test]
fn out_of_range_is_refused_cropped_or_padded_as_asked() {
    let tall = sample_png(400, 800, false);
    let err = convert_image(&tall, &feed(Fit::Refuse)).unwrap_err();
    assert_eq!(err.code(), "unsupported_aspect_ratio");
    assert!(err.to_string().contains("0.50:1"), "{err}");

    let cropped = convert(&tall, &feed(Fit::Crop));
    assert_eq!((cropped.width, cropped.height), (400, 500));
    let described: Vec<String> = cropped.changes.iter().map(Change::describe).collect();
    assert!(
        described.contains(&"cropped to 4:5 (400x500)".to_owned()),
        "{described:?}"
    );

    let padded = convert(&tall, &feed(Fit::Pad { rgb: [0, 0, 255] }));
    assert_eq!((padded.width, padded.height), (640, 800));
    let pixels = decoded(&padded.jpeg);
    let corner = pixels.get_pixel(5, 400);
    assert!(
        corner[2] > 240 && corner[0] < 15 && corner[1] < 15,
        "{corner:?}"
    );
    assert!(padded.changes.contains(&Change::Padded { to: (640, 800) }));
}

#[test]
fn transparency_is_flattened_on_white_or_on_the_pad_colour() {
    let clear = vec![0u8; 100 * 100 * 4];
    let png = png_of(100, 100, &clear, None);
    let out = convert(&png, &feed(Fit::Refuse));
    assert!(out.changes.contains(&Change::TransparencyFlattened));
    assert!(
        decoded(&out.jpeg)
            .pixels()
            .all(|p| p.0.iter().all(|&c| c > 245))
    );

    let wide = png_of(400, 100, &vec![0u8; 400 * 100 * 4], None);
    let out = convert(&wide, &feed(Fit::Pad { rgb: [0, 0, 0] }));
    assert!(
        decoded(&out.jpeg)
            .pixels()
            .all(|p| p.0.iter().all(|&c| c < 10))
    );
}

#[test]
fn an_animation_keeps_its_first_frame() {
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        let red = RgbaImage::from_pixel(64, 64, ::image::Rgba([255, 0, 0, 255]));
        let blue = RgbaImage::from_pixel(64, 64, ::image::Rgba([0, 0, 255, 255]));
        encoder
            .encode_frames([Frame::new(red), Frame::new(blue)])
            .unwrap();
    }
    let out = convert(&gif, &feed(Fit::Refuse));
    assert_eq!(
        out.changes,
        vec![Change::ConvertedFrom(Format::Gif), Change::FirstFrameOnly]
    );
    let p = decoded(&out.jpeg).get_pixel(32, 32).0;
    assert!(p[0] > 240 && p[2] < 15, "{p:?}");
}

#[test]
fn a_webp_is_converted() {
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .write_image(&photo(320, 320), 320, 320, ExtendedColorType::Rgb8)
        .unwrap();
    let out = convert(&webp, &feed(Fit::Refuse));
    assert_eq!(out.changes, vec![Change::ConvertedFrom(Format::Webp)]);
}

#[test]
fn a_display_p3_picture_is_converted_to_srgb_and_an_srgb_one_left_alone() {
    let colour = [200u8, 100, 50, 255];
    let flat: Vec<u8> = colour.iter().copied().cycle().take(64 * 64 * 4).collect();
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();
    let out = convert(&png_of(64, 64, &flat, Some(p3)), &feed(Fit::Refuse));
    assert!(out.found.icc_profile);
    assert!(out.changes.contains(&Change::ColourConvertedToSrgb));
    let p = decoded(&out.jpeg).get_pixel(32, 32).0;
    assert!(p[0] > 205, "P3 red is redder than sRGB's: {p:?}");

    let srgb = moxcms::ColorProfile::new_srgb().encode().unwrap();
    let out = convert(&png_of(64, 64, &flat, Some(srgb)), &feed(Fit::Refuse));
    assert!(
        !out.changes.contains(&Change::ColourConvertedToSrgb),
        "{:?}",
        out.changes
    );
    assert!(!out.changes.contains(&Change::ColourProfileDropped));
}

#[test]
fn quality_steps_down_until_the_jpeg_fits() {
    let png = sample_png(1440, 1080, false);
    let mut rules = feed(Fit::Refuse);
    let full = convert(&png, &rules).jpeg.len();
    rules.max_bytes = full * 2 / 3;
    let out = convert(&png, &rules);
    assert!(out.jpeg.len() <= rules.max_bytes);
    let quality = out.changes.iter().find_map(|c| match c {
        Change::RecompressedUnderLimit { quality } => Some(*quality),
        _ => None,
    });
    assert!(matches!(quality, Some(q) if q < 90), "{:?}", out.changes);

    rules.max_bytes = 1000;
    let err = convert_image(&png, &rules).unwrap_err();
    assert_eq!(err.code(), "file_too_large");
    assert!(matches!(
        err,
        ContentError::TooLargeAfterConversion { quality: 60, .. }
    ));
}

#[test]
fn inspecting_reads_the_facts_without_decoding() {
    let facts = inspect_image(&sample_jpeg_with_gps(640, 480, 1), 50_000_000).unwrap();
    assert_eq!(
        facts,
        ImageFacts {
            format: Format::Jpeg,
            width: 640,
            height: 480,
            animated: false,
            has_metadata: true,
            icc_profile: false,
        }
    );
    let facts = inspect_image(&sample_png(10, 10, false), 50_000_000).unwrap();
    assert!(!facts.has_metadata && !facts.animated);
}
