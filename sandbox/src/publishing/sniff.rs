//! What a media file is, from its first bytes, as Meta's fetcher decides before it reads
//! further: the format by its magic bytes, a JPEG's size from its SOF segment and whether it
//! carries EXIF (an APP1 `Exif` segment), a video's container from its `ftyp` box. Pure and
//! small on purpose: the sandbox needs the header, not a decoder (the workspace's `image`
//! crate is not a dependency of this one, and a header walk is a few dozen lines).

/// A file format as `_inspect/fetched` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Jpeg,
    /// A JPEG with an MPF (multi-picture) APP2 segment: Meta refuses "extended JPEG formats
    /// such as MPO and JPS" (content publishing guide, image specifications).
    Mpo,
    Png,
    Gif,
    Webp,
    Bmp,
    Tiff,
    Heic,
    Avif,
    /// An ISO base media file whose `ftyp` brand is QuickTime's (`qt  `).
    Mov,
    /// Any other ISO base media file (`ftyp` first): MP4, M4V, 3GP...
    Mp4,
    Unknown,
}

impl Format {
    /// The name `_inspect/fetched` answers.
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG",
            Self::Mpo => "MPO",
            Self::Png => "PNG",
            Self::Gif => "GIF",
            Self::Webp => "WEBP",
            Self::Bmp => "BMP",
            Self::Tiff => "TIFF",
            Self::Heic => "HEIC",
            Self::Avif => "AVIF",
            Self::Mov => "MOV",
            Self::Mp4 => "MP4",
            Self::Unknown => "unknown",
        }
    }

    /// Whether Meta takes it as a video container (MP4 or MOV).
    pub fn is_video(self) -> bool {
        matches!(self, Self::Mp4 | Self::Mov)
    }
}

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sniffed {
    pub format: Format,
    /// Pixels, when the header names them (JPEG, PNG, GIF); `None` for videos.
    pub size: Option<(u32, u32)>,
    pub has_exif: bool,
}

/// Reads the header of `bytes` (the whole file for images, the first bytes for videos).
pub(crate) fn sniff(bytes: &[u8]) -> Sniffed {
    let plain = |format| Sniffed {
        format,
        size: None,
        has_exif: false,
    };
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return jpeg(bytes);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // IHDR is the first chunk: width and height at 16..24, big-endian.
        return Sniffed {
            size: be32(bytes, 16).zip(be32(bytes, 20)),
            ..plain(Format::Png)
        };
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let le16 = |at: usize| {
            bytes
                .get(at..at + 2)
                .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
        };
        return Sniffed {
            size: le16(6).zip(le16(8)),
            ..plain(Format::Gif)
        };
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return plain(Format::Webp);
    }
    if bytes.starts_with(b"BM") {
        return plain(Format::Bmp);
    }
    if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        return plain(Format::Tiff);
    }
    plain(ftyp_brand(bytes).map_or(Format::Unknown, iso_format))
}

/// The major brand of an ISO base media file, which starts with its `ftyp` box
/// (`size:u32 "ftyp" major_brand:[u8;4] ...`): what MP4 and MOV files look like.
pub(crate) fn ftyp_brand(bytes: &[u8]) -> Option<[u8; 4]> {
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    bytes.get(8..12)?.try_into().ok()
}

/// The format an ISO base media file is, by its major brand.
fn iso_format(brand: [u8; 4]) -> Format {
    match &brand {
        b"qt  " => Format::Mov,
        b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
            Format::Heic
        }
        b"avif" | b"avis" => Format::Avif,
        _ => Format::Mp4,
    }
}

/// Walks a JPEG's marker segments up to the first scan: the frame header (SOF0..SOF15, but
/// DHT, JPG and DAC which share the range) gives height and width; an APP1 segment starting
/// `Exif\0\0` is EXIF; an APP2 starting `MPF\0` makes it an MPO.
fn jpeg(bytes: &[u8]) -> Sniffed {
    let mut out = Sniffed {
        format: Format::Jpeg,
        size: None,
        has_exif: false,
    };
    let mut at = 2;
    loop {
        // Markers may be preceded by fill bytes (0xFF).
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return out;
        };
        at += 2;
        match marker {
            // Standalone markers: TEM, RSTn, SOI.
            0x01 | 0xD0..=0xD8 => continue,
            // End of image, start of scan: no frame header follows.
            0xD9 | 0xDA => return out,
            _ => {}
        }
        let Some(len) = bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .filter(|len| *len >= 2)
        else {
            return out;
        };
        let payload = bytes
            .get(at + 2..(at + len).min(bytes.len()))
            .unwrap_or(&[]);
        match marker {
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                // precision:u8 height:u16 width:u16
                let h = payload.get(1..3).map(|b| u16::from_be_bytes([b[0], b[1]]));
                let w = payload.get(3..5).map(|b| u16::from_be_bytes([b[0], b[1]]));
                out.size = w.zip(h).map(|(w, h)| (u32::from(w), u32::from(h)));
                return out;
            }
            0xE1 if payload.starts_with(b"Exif\0\0") => out.has_exif = true,
            0xE2 if payload.starts_with(b"MPF\0") => out.format = Format::Mpo,
            _ => {}
        }
        at += len;
    }
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Test files: the smallest headers each format needs to be recognised.
#[cfg(test)]
pub(crate) mod samples {
    /// A baseline JPEG header of `width` x `height`, with an EXIF APP1 segment when asked,
    /// up to its frame header (enough for Meta's checks; no scan data).
    pub fn jpeg(width: u16, height: u16, exif: bool) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8];
        // APP0 JFIF
        out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        if exif {
            let body = b"Exif\0\0MM\0*\0\0\0\x08\0\0";
            let len = u16::try_from(body.len() + 2).unwrap_or(u16::MAX);
            out.extend_from_slice(&[0xFF, 0xE1]);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(body);
        }
        // SOF0: length 11, precision 8, height, width, 1 component.
        out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        out.extend_from_slice(&height.to_be_bytes());
        out.extend_from_slice(&width.to_be_bytes());
        out.extend_from_slice(&[0x01, 0x01, 0x11, 0x00]);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    /// The first bytes of an MP4 (`ftyp` with brand `isom`), `len` bytes long.
    pub fn mp4(len: usize) -> Vec<u8> {
        let mut out = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2".to_vec();
        out.resize(len.max(out.len()), 0);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jpeg_tells_its_size_and_whether_it_has_exif() {
        let plain = sniff(&samples::jpeg(1080, 1350, false));
        assert_eq!(plain.format, Format::Jpeg);
        assert_eq!(plain.size, Some((1080, 1350)));
        assert!(!plain.has_exif);
        let exif = sniff(&samples::jpeg(640, 480, true));
        assert_eq!((exif.size, exif.has_exif), (Some((640, 480)), true));
    }

    #[test]
    fn a_jpeg_without_a_frame_header_has_no_size() {
        let truncated = &samples::jpeg(10, 10, false)[..20];
        assert_eq!(sniff(truncated).size, None);
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF]).format, Format::Jpeg);
    }

    #[test]
    fn a_multi_picture_jpeg_is_an_mpo() {
        let mut mpo = vec![0xFF, 0xD8, 0xFF, 0xE2, 0x00, 0x06];
        mpo.extend_from_slice(b"MPF\0");
        mpo.extend_from_slice(&samples::jpeg(10, 10, false)[2..]);
        assert_eq!(sniff(&mpo).format, Format::Mpo);
    }

    #[test]
    fn other_images_are_named_by_their_magic_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x07\xd0\0\0\x06\x40";
        assert_eq!(sniff(png).format, Format::Png);
        assert_eq!(sniff(png).size, Some((2000, 1600)));
        assert_eq!(sniff(b"GIF89a\x0a\0\x05\0").size, Some((10, 5)));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").format, Format::Webp);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic").format, Format::Heic);
        assert_eq!(sniff(b"<html>").format, Format::Unknown);
        assert_eq!(sniff(b"").format, Format::Unknown);
    }

    #[test]
    fn videos_are_mp4_or_mov_by_their_ftyp_brand() {
        assert_eq!(sniff(&samples::mp4(64)).format, Format::Mp4);
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  \0\0\0\0").format, Format::Mov);
        assert!(Format::Mov.is_video() && !Format::Heic.is_video());
        assert_eq!(ftyp_brand(b"\0\0\0\x14moov"), None);
    }
}
