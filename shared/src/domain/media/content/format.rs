//! File formats, told by their magic bytes only: a file name or a declared MIME type is what
//! the uploader says, the bytes are what the decoder will meet.

/// A format igconnect recognises (HEIC only to refuse it with advice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Gif,
    Heic,
    Mp4,
    Mov,
}

impl Format {
    /// Its MIME type.
    pub fn mime(&self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
            Self::Heic => "image/heic",
            Self::Mp4 => "video/mp4",
            Self::Mov => "video/quicktime",
        }
    }

    /// The name people know it by, as shown in messages and `found.format`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Png => "PNG",
            Self::Webp => "WebP",
            Self::Gif => "GIF",
            Self::Heic => "HEIC",
            Self::Mp4 => "MP4",
            Self::Mov => "MOV",
        }
    }

    /// A still picture (possibly animated, of which only the first frame is kept).
    pub fn is_image(&self) -> bool {
        !self.is_video()
    }

    /// A movie in ISO base media boxes (MP4 or QuickTime).
    pub fn is_video(&self) -> bool {
        matches!(self, Self::Mp4 | Self::Mov)
    }
}

/// The format of a file from its first bytes (64 are plenty), or `None` when it is none of
/// ours. MP4, MOV and HEIC share one box structure and are told apart by the `ftyp` brands.
pub fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(Format::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(Format::Png);
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Some(Format::Gif);
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        return Some(Format::Webp);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return from_brands(head);
    }
    None
}

/// The `ftyp` box: a major brand, a minor version, then compatible brands. The major brand
/// decides when we know it; otherwise the first compatible brand we know.
fn from_brands(head: &[u8]) -> Option<Format> {
    let declared = usize::try_from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
        .unwrap_or(usize::MAX);
    let end = declared.min(head.len());
    let major = head.get(8..12)?;
    let compatible = head.get(16..end).unwrap_or_default().chunks_exact(4);
    std::iter::once(major)
        .chain(compatible)
        .find_map(brand)
        .flatten()
}

/// What one brand says: `Some(Some(f))` a format, `Some(None)` a family we refuse to guess
/// (AVIF shares `mif1` with HEIC), `None` nothing.
fn brand(b: &[u8]) -> Option<Option<Format>> {
    match b {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" => {
            Some(Some(Format::Heic))
        }
        b"avif" | b"avis" => Some(None),
        b"qt  " => Some(Some(Format::Mov)),
        b"isom" | b"iso2" | b"iso3" | b"iso4" | b"iso5" | b"iso6" | b"iso7" | b"iso8" | b"iso9"
        | b"mp41" | b"mp42" | b"mp71" | b"avc1" | b"M4V " | b"MSNV" | b"dash" | b"mmp4"
        | b"XAVC" => Some(Some(Format::Mp4)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut b = (size as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 2, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(&[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        b
    }

    #[test]
    fn images_are_told_by_their_magic_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Format::Png));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(Format::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn box_files_are_told_by_their_brands() {
        assert_eq!(sniff(&ftyp(b"qt  ", &[b"qt  "])), Some(Format::Mov));
        assert_eq!(
            sniff(&ftyp(b"isom", &[b"isom", b"avc1"])),
            Some(Format::Mp4)
        );
        assert_eq!(sniff(&ftyp(b"mp42", &[])), Some(Format::Mp4));
        assert_eq!(
            sniff(&ftyp(b"heic", &[b"mif1", b"heic"])),
            Some(Format::Heic)
        );
        assert_eq!(sniff(&ftyp(b"mif1", &[b"heic"])), Some(Format::Heic));
        // An unknown major brand falls back on the compatible ones.
        assert_eq!(sniff(&ftyp(b"xyz1", &[b"mp41"])), Some(Format::Mp4));
        // AVIF is not HEIC, and not ours.
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1"])), None);
        assert_eq!(sniff(&ftyp(b"3gp4", &[])), None);
    }

    #[test]
    fn the_file_name_plays_no_part() {
        let png = b"\x89PNG\r\n\x1a\n";
        assert_eq!(sniff(png).map(|f| f.mime()), Some("image/png"));
        assert!(Format::Png.is_image() && !Format::Png.is_video());
        assert!(Format::Mov.is_video());
        assert_eq!(Format::Webp.name(), "WebP");
    }
}
