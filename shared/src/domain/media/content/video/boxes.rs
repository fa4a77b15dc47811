//! ISO base media box headers, and the walk that finds a movie's `ftyp` and `moov` among its
//! top-level boxes with ranged reads: 16 bytes at each box's start, then only the two boxes
//! wanted. A 300 MB video costs a few reads and its index in memory, never its media data.

use crate::domain::media::content::ContentError;

/// The largest `moov` read: its sample tables grow with the video's length, and an hour of
/// 60 fps video with audio needs a few MB. Anything larger is refused as corrupt.
pub const MAX_MOOV_BYTES: u64 = 64 * 1024 * 1024;
/// Top-level boxes walked before `moov` must have been found (a camera file has 3 to 6).
const MAX_TOP_LEVEL_BOXES: usize = 64;

/// A box's header: its type and how far it reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    /// The four-character type (`ftyp`, `moov`, `mdat`, ...).
    pub kind: [u8; 4],
    /// The whole box's length, header included; 0 means "to the end of the file".
    pub size: u64,
    /// 8, or 16 for a box with a 64-bit size.
    pub header_len: u8,
}

/// The header at the start of `header` (8 bytes, 16 for a 64-bit size; more are ignored).
pub fn next_box(header: &[u8]) -> Result<BoxHeader, ContentError> {
    let short = ContentError::Corrupt {
        detail: "a box header of the video is cut short",
    };
    let word = |at: usize| header.get(at..at + 4).ok_or(short.clone());
    let size32 = u32::from_be_bytes(fixed(word(0)?));
    let kind = fixed(word(4)?);
    let (size, header_len) = match size32 {
        0 => (0, 8),
        1 => {
            let large = header.get(8..16).ok_or(short.clone())?;
            (u64::from_be_bytes(fixed(large)), 16)
        }
        n => (u64::from(n), 8),
    };
    if size != 0 && size < u64::from(header_len) {
        return Err(ContentError::Corrupt {
            detail: "a box of the video is shorter than its own header",
        });
    }
    Ok(BoxHeader {
        kind,
        size,
        header_len,
    })
}

fn fixed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[..N]);
    out
}

/// What [`MovieBoxes`] needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextRead {
    /// The bytes at `offset`, `len` of them (at most 16; fewer only at the file's end), for a
    /// box header.
    Header { offset: u64, len: u64 },
    /// A whole `ftyp` or `moov` box: exactly `len` bytes at `offset`.
    Body { offset: u64, len: u64 },
    /// Everything needed is in hand: call [`MovieBoxes::finish`].
    Done,
}

/// Finds a movie's `ftyp` and `moov` through ranged reads:
///
/// ```text
/// let mut walk = MovieBoxes::new(file_size);
/// loop {
///     match walk.next_read() {
///         NextRead::Header { offset, len } | NextRead::Body { offset, len } => {
///             walk.feed(&read_range(offset, len)?)?
///         }
///         NextRead::Done => break,
///     }
/// }
/// let facts = probe_video(&walk.finish()?)?;
/// ```
#[derive(Debug, Clone)]
pub struct MovieBoxes {
    file_size: u64,
    offset: u64,
    /// The `ftyp` or `moov` box whose bytes are to be read next: (kind, length, size field 0).
    pending: Option<([u8; 4], u64, bool)>,
    collected: Vec<u8>,
    walked: usize,
    have_ftyp: bool,
    have_moov: bool,
}

impl MovieBoxes {
    /// A walk over a file of `file_size` bytes.
    pub fn new(file_size: u64) -> Self {
        Self {
            file_size,
            offset: 0,
            pending: None,
            collected: Vec::new(),
            walked: 0,
            have_ftyp: false,
            have_moov: false,
        }
    }

    /// What to read next.
    pub fn next_read(&self) -> NextRead {
        if self.have_moov {
            return NextRead::Done;
        }
        if let Some((_, len, _)) = self.pending {
            return NextRead::Body {
                offset: self.offset,
                len,
            };
        }
        if self.offset >= self.file_size {
            return NextRead::Done;
        }
        NextRead::Header {
            offset: self.offset,
            len: (self.file_size - self.offset).min(16),
        }
    }

    /// Takes the bytes [`next_read`](Self::next_read) asked for.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), ContentError> {
        let corrupt = |detail| ContentError::Corrupt { detail };
        if let Some((kind, len, to_end)) = self.pending.take() {
            if bytes.len() as u64 != len {
                return Err(corrupt("the video's index could not be read whole"));
            }
            let start = self.collected.len();
            self.collected.extend_from_slice(bytes);
            if to_end {
                // "To the end of the file" stops being true once the box is cut out of it.
                let size =
                    u32::try_from(len).map_err(|_| corrupt("the video's index is too large"))?;
                self.collected[start..start + 4].copy_from_slice(&size.to_be_bytes());
            }
            self.have_ftyp |= &kind == b"ftyp";
            self.have_moov |= &kind == b"moov";
            self.offset += len;
            return Ok(());
        }
        let header = next_box(bytes)?;
        let remaining = self.file_size - self.offset;
        let len = if header.size == 0 {
            remaining
        } else {
            header.size
        };
        if len < u64::from(header.header_len) {
            return Err(corrupt("a box of the video is shorter than its own header"));
        }
        if len > remaining {
            return Err(corrupt("a box of the video runs past the end of the file"));
        }
        self.walked += 1;
        if self.walked > MAX_TOP_LEVEL_BOXES {
            return Err(corrupt(
                "the video has no movie index (moov box) among its first boxes",
            ));
        }
        let wanted = match &header.kind {
            b"moov" => true,
            b"ftyp" => !self.have_ftyp && self.collected.is_empty(),
            _ => false,
        };
        if wanted {
            if len > MAX_MOOV_BYTES {
                return Err(corrupt("the video's index (moov box) is over 64 MiB"));
            }
            self.pending = Some((header.kind, len, header.size == 0));
        } else {
            self.offset += len;
        }
        Ok(())
    }

    /// The `ftyp` box (when the file has one before its `moov`) followed by the `moov` box.
    pub fn finish(self) -> Result<Vec<u8>, ContentError> {
        if !self.have_moov {
            return Err(ContentError::Corrupt {
                detail: "the video has no movie index (moov box)",
            });
        }
        Ok(self.collected)
    }
}

/// [`MovieBoxes`] over a file held in memory: `ftyp` then `moov`.
pub fn locate_moov(file: &[u8]) -> Result<Vec<u8>, ContentError> {
    let mut walk = MovieBoxes::new(file.len() as u64);
    loop {
        match walk.next_read() {
            NextRead::Header { offset, len } | NextRead::Body { offset, len } => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                let end = usize::try_from(offset + len).unwrap_or(usize::MAX);
                walk.feed(file.get(start..end).unwrap_or_default())?;
            }
            NextRead::Done => return walk.finish(),
        }
    }
}

/// The first sample entry of a track: its code and, for video, its coded size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry {
    pub fourcc: [u8; 4],
    pub width: u16,
    pub height: u16,
}

/// The first sample entry of each `trak` of the `moov` in `boxes`, in order (so index `i` is
/// mp4parse's track `i`). mp4parse reads everything else; it just does not name every codec.
pub(super) fn sample_entries(boxes: &[u8]) -> Vec<Option<Entry>> {
    let Some(moov) = children(boxes).find(|(k, _)| k == b"moov").map(|(_, b)| b) else {
        return Vec::new();
    };
    children(moov)
        .filter(|(k, _)| k == b"trak")
        .map(|(_, trak)| {
            let stsd = child(trak, b"mdia")
                .and_then(|m| child(m, b"minf"))
                .and_then(|m| child(m, b"stbl"))
                .and_then(|s| child(s, b"stsd"))?;
            // Full box header (4) and entry count (4), then the first entry box.
            let entry = stsd.get(8..)?;
            let header = next_box(entry).ok()?;
            let body = entry.get(usize::from(header.header_len)..)?;
            // A visual sample entry: reserved (6), data reference (2), pre-defined and
            // reserved (16), then width and height.
            let size = |at: usize| {
                body.get(at..at + 2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
                    .unwrap_or(0)
            };
            Some(Entry {
                fourcc: header.kind,
                width: size(24),
                height: size(26),
            })
        })
        .collect()
}

fn child<'a>(parent: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    children(parent).find(|(k, _)| k == kind).map(|(_, b)| b)
}

/// The (kind, contents) of each box in `data`, stopping at the first malformed one.
fn children(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut rest = data;
    std::iter::from_fn(move || {
        let header = next_box(rest).ok()?;
        let len = match header.size {
            0 => rest.len(),
            n => usize::try_from(n).ok()?,
        };
        let contents = rest.get(usize::from(header.header_len)..len)?;
        rest = rest.get(len..)?;
        Some((header.kind, contents))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((8 + body.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    #[test]
    fn headers_give_type_and_extent() {
        let h = next_box(&bx(b"ftyp", b"isom")).unwrap();
        assert_eq!((h.kind, h.size, h.header_len), (*b"ftyp", 12, 8));
        let mut large = 1u32.to_be_bytes().to_vec();
        large.extend_from_slice(b"mdat");
        large.extend_from_slice(&(5_000_000_000u64).to_be_bytes());
        let h = next_box(&large).unwrap();
        assert_eq!((h.size, h.header_len), (5_000_000_000, 16));
        assert_eq!(
            next_box(&[0, 0, 0, 0, b'm', b'd', b'a', b't'])
                .unwrap()
                .size,
            0
        );
        assert_eq!(
            next_box(&[0, 0, 0, 4, b'f', b'r', b'e', b'e'])
                .unwrap_err()
                .code(),
            "file_corrupt"
        );
        assert_eq!(next_box(&[0, 0, 0]).unwrap_err().code(), "file_corrupt");
        assert_eq!(next_box(&large[..12]).unwrap_err().code(), "file_corrupt");
    }

    #[test]
    fn the_walk_skips_media_data_by_its_header() {
        let ftyp = bx(b"ftyp", b"isom\0\0\0\0isom");
        let mut mdat_header = 1u32.to_be_bytes().to_vec();
        mdat_header.extend_from_slice(b"mdat");
        mdat_header.extend_from_slice(&(16u64 + 300_000_000).to_be_bytes());
        let moov = bx(b"moov", &bx(b"mvhd", &[0; 100]));
        let size = (ftyp.len() + 16 + 300_000_000 + moov.len()) as u64;
        let mut walk = MovieBoxes::new(size);
        let mut reads = Vec::new();
        loop {
            let next = walk.next_read();
            reads.push(next);
            let bytes: Vec<u8> = match next {
                NextRead::Header { offset: 0, .. } | NextRead::Body { offset: 0, .. } => {
                    ftyp.clone()
                }
                NextRead::Header { offset, .. } if offset == ftyp.len() as u64 => {
                    mdat_header.clone()
                }
                NextRead::Header { .. } | NextRead::Body { .. } => moov.clone(),
                NextRead::Done => break,
            };
            let len = match next {
                NextRead::Header { len, .. } | NextRead::Body { len, .. } => len as usize,
                NextRead::Done => 0,
            };
            walk.feed(&bytes[..len.min(bytes.len())]).unwrap();
        }
        assert_eq!(reads.len(), 6, "{reads:?}");
        assert_eq!(walk.finish().unwrap(), [ftyp, moov].concat());
    }

    #[test]
    fn a_moov_to_the_end_of_the_file_gets_its_real_size() {
        let ftyp = bx(b"ftyp", b"qt  \0\0\0\0qt  ");
        let mut moov = bx(b"moov", &bx(b"mvhd", &[0; 100]));
        let real = moov.len() as u32;
        moov[..4].copy_from_slice(&[0, 0, 0, 0]);
        let found = locate_moov(&[ftyp.clone(), moov].concat()).unwrap();
        assert_eq!(&found[ftyp.len()..ftyp.len() + 4], &real.to_be_bytes());
    }

    #[test]
    fn a_file_without_moov_or_with_a_runaway_box_is_corrupt() {
        let ftyp = bx(b"ftyp", b"isom\0\0\0\0");
        assert_eq!(locate_moov(&ftyp).unwrap_err().code(), "file_corrupt");
        let mut runaway = ftyp.clone();
        runaway.extend_from_slice(&[0, 0, 0x10, 0, b'm', b'd', b'a', b't']);
        assert_eq!(locate_moov(&runaway).unwrap_err().code(), "file_corrupt");
        let mut walk = MovieBoxes::new(ftyp.len() as u64 + 0x0500_0000);
        walk.feed(&ftyp).unwrap();
        walk.feed(&ftyp).unwrap();
        let err = walk
            .feed(&[0x05, 0, 0, 0, b'm', b'o', b'o', b'v'])
            .unwrap_err();
        assert!(
            err.to_string().contains("64 MiB"),
            "an 80 MiB moov is refused: {err}"
        );
    }
}
