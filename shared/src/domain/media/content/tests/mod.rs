//! The content layer from the outside, on generated files: images in `image`, videos in
//! `video`, never-panic properties of both on arbitrary bytes in `properties`.

mod image;
mod properties;
mod video;

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
