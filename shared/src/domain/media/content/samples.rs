//! Small synthetic files for tests, here and in other crates (feature `conformance`): there is
//! no ffmpeg or camera on a CI machine, so movies are written box by box and pictures are
//! generated, with the metadata a phone would put in them.

use super::VideoCodec;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

/// A 1080x1920, 30 fps MP4 of `duration_ms` with `codec` video and AAC audio: an `avc1` or
/// `hvc1` sample entry, or for `VideoCodec::Other("vp09")` / `Other("mp4v")` those (which
/// Instagram refuses), any other `Other` an unknown `xvid` entry. Its sample data is a
/// placeholder: only the boxes describe a real movie.
pub fn sample_mp4(duration_ms: u64, codec: VideoCodec) -> Vec<u8> {
    Movie {
        video: codec,
        duration_ms,
        ..Movie::default()
    }
    .write()
}

/// A `width x height` PNG with photo-like content (gradients and noise, so it compresses as a
/// photo does), with an `eXIf` chunk holding a GPS position when `with_exif_gps`.
pub fn sample_png(width: u32, height: u32, with_exif_gps: bool) -> Vec<u8> {
    let mut png = Vec::new();
    let mut encoder = PngEncoder::new(&mut png);
    if with_exif_gps {
        let _ = encoder.set_exif_metadata(exif_with_gps(1));
    }
    // Writing into a Vec only fails for a size the buffer does not match, which cannot be.
    let _ = encoder.write_image(
        &photo(width, height),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    png
}

/// A `width x height` JPEG (as stored) with an EXIF segment holding a camera make, a GPS
/// position and the EXIF `orientation` (1 = upright, 6 = turn 90° clockwise to display, as a
/// phone held upright writes).
pub fn sample_jpeg_with_gps(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 90);
    let _ = encoder.set_exif_metadata(exif_with_gps(orientation));
    let _ = encoder.write_image(
        &photo(width, height),
        width,
        height,
        ExtendedColorType::Rgb8,
    );
    jpeg
}

/// The camera make written in sample EXIF data: a string to look for in converted files.
pub(crate) const SAMPLE_CAMERA: &[u8] = b"SecretPhoneMaker";

/// RGB pixels of a smooth three-way gradient with ±8 of noise: the statistics of a photo,
/// deterministic.
pub(crate) fn photo(width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width.max(1), height.max(1));
    let mut seed = 0x9E37_79B9u32;
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h {
        for x in 0..w {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed & 15) as i32 - 8;
            let r = (x * 255 / w) as i32;
            let g = (y * 255 / h) as i32;
            let b = ((x + y) * 255 / (w + h)) as i32;
            out.extend([r, g, b].map(|c| (c + noise).clamp(0, 255) as u8));
        }
    }
    out
}

/// A big-endian TIFF block as EXIF holds it: IFD0 with the make and orientation and a
/// pointer to a GPS IFD with latitude and longitude.
pub(crate) fn exif_with_gps(orientation: u16) -> Vec<u8> {
    const IFD0: u32 = 8;
    const IFD0_ENTRIES: u16 = 3;
    let gps_ifd = IFD0 + 2 + 12 * u32::from(IFD0_ENTRIES) + 4;
    const GPS_ENTRIES: u16 = 4;
    let gps_data = gps_ifd + 2 + 12 * u32::from(GPS_ENTRIES) + 4;
    let make_at = gps_data + 48;
    let mut t = b"MM\0\x2a".to_vec();
    t.extend(IFD0.to_be_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        t.extend(tag.to_be_bytes());
        t.extend(kind.to_be_bytes());
        t.extend(count.to_be_bytes());
        t.extend(value);
    };
    let (ascii, short, long, rational) = (2, 3, 4, 5);
    t.extend(IFD0_ENTRIES.to_be_bytes());
    entry(
        &mut t,
        0x010F,
        ascii,
        SAMPLE_CAMERA.len() as u32 + 1,
        make_at.to_be_bytes(),
    );
    let [o1, o2] = orientation.to_be_bytes();
    entry(&mut t, 0x0112, short, 1, [o1, o2, 0, 0]);
    entry(&mut t, 0x8825, long, 1, gps_ifd.to_be_bytes());
    t.extend(0u32.to_be_bytes());
    t.extend(GPS_ENTRIES.to_be_bytes());
    entry(&mut t, 1, ascii, 2, *b"N\0\0\0");
    entry(&mut t, 2, rational, 3, gps_data.to_be_bytes());
    entry(&mut t, 3, ascii, 2, *b"E\0\0\0");
    entry(&mut t, 4, rational, 3, (gps_data + 24).to_be_bytes());
    t.extend(0u32.to_be_bytes());
    // 48°51'29" N, 2°17'40" E.
    for (num, den) in [(48, 1), (51, 1), (29, 1), (2, 1), (17, 1), (40, 1)] {
        t.extend((num as u32).to_be_bytes());
        t.extend((den as u32).to_be_bytes());
    }
    t.extend_from_slice(SAMPLE_CAMERA);
    t.push(0);
    t
}

/// A movie to write: what its boxes say.
#[derive(Debug, Clone)]
pub(crate) struct Movie {
    /// `qt  ` for a QuickTime file, else an MP4 brand.
    pub brand: [u8; 4],
    pub video: VideoCodec,
    /// `None` for a silent movie; `mp4a` is AAC.
    pub audio: Option<[u8; 4]>,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub duration_ms: u64,
    /// Stored sideways with a 90° display matrix, as phones store portrait video.
    pub rotated: bool,
}

impl Default for Movie {
    fn default() -> Self {
        Self {
            brand: *b"isom",
            video: VideoCodec::H264,
            audio: Some(*b"mp4a"),
            width: 1080,
            height: 1920,
            fps: 30,
            duration_ms: 10_000,
            rotated: false,
        }
    }
}

impl Movie {
    /// `ftyp`, (`wide` for QuickTime,) `moov`, then `mdat`: the layout of a file whose index
    /// is at the front, as Meta asks for.
    pub fn write(&self) -> Vec<u8> {
        let frames = (self.duration_ms * u64::from(self.fps))
            .div_ceil(1000)
            .max(1) as u32;
        let mut compatible = self.brand.to_vec();
        compatible.extend_from_slice(if &self.brand == b"qt  " {
            b"qt  "
        } else {
            b"mp41"
        });
        let ftyp = bx(
            b"ftyp",
            &[&self.brand[..], &[0, 0, 2, 0], &compatible].concat(),
        );
        let video_trak = self.video_trak(frames);
        let audio_trak = self.audio.map(|code| self.audio_trak(code));
        let mvhd = full(b"mvhd", 0, &{
            let mut b = vec![0; 8];
            b.extend(1000u32.to_be_bytes());
            b.extend((self.duration_ms as u32).to_be_bytes());
            b.extend(0x0001_0000u32.to_be_bytes());
            b.extend(0x0100u16.to_be_bytes());
            b.extend([0; 10]);
            b.extend(matrix(false));
            b.extend([0; 24]);
            b.extend(3u32.to_be_bytes());
            b
        });
        let moov_body = [mvhd, video_trak, audio_trak.unwrap_or_default()].concat();
        // One placeholder byte per frame (the chunk offsets are not pointed at it).
        let mdat_data = vec![0u8; frames as usize];
        let mut out = ftyp;
        if &self.brand == b"qt  " {
            out.extend(bx(b"wide", &[]));
        }
        out.extend(bx(b"moov", &moov_body));
        out.extend(bx(b"mdat", &mdat_data));
        out
    }

    fn video_trak(&self, frames: u32) -> Vec<u8> {
        let timescale = self.fps * 100;
        let (stored_w, stored_h) = if self.rotated {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        };
        let tkhd = tkhd(
            1,
            self.duration_ms,
            matrix(self.rotated),
            (stored_w, stored_h),
        );
        let entry = self.video_entry(stored_w as u16, stored_h as u16);
        let stbl = stbl(entry, frames, 100);
        let minf = bx(b"minf", &[full(b"vmhd", 1, &[0; 8]), dinf(), stbl].concat());
        let mdia = bx(
            b"mdia",
            &[
                mdhd(timescale, u64::from(frames) * 100),
                hdlr(b"vide"),
                minf,
            ]
            .concat(),
        );
        bx(b"trak", &[tkhd, mdia].concat())
    }

    fn video_entry(&self, w: u16, h: u16) -> Vec<u8> {
        let (code, config): (&[u8; 4], Vec<u8>) = match &self.video {
            VideoCodec::H264 => (b"avc1", bx(b"avcC", &[1, 0x64, 0, 0x1F, 0xFF, 0xE0, 0])),
            VideoCodec::Hevc => (b"hvc1", bx(b"hvcC", &[1; 23])),
            VideoCodec::Other(name) if name == "vp09" => (
                b"vp09",
                full(b"vpcC", 0x0100_0000, &[0, 10, 0x82, 1, 1, 1, 0, 0]),
            ),
            VideoCodec::Other(name) if name == "mp4v" => {
                (b"mp4v", full(b"esds", 0, &[0x03, 3, 0, 1, 0]))
            }
            VideoCodec::Other(_) => (b"xvid", Vec::new()),
        };
        let mut body = vec![0; 6];
        body.extend(1u16.to_be_bytes());
        body.extend([0; 16]);
        body.extend(w.to_be_bytes());
        body.extend(h.to_be_bytes());
        body.extend(0x0048_0000u32.to_be_bytes());
        body.extend(0x0048_0000u32.to_be_bytes());
        body.extend([0; 4]);
        body.extend(1u16.to_be_bytes());
        body.extend([0; 32]);
        body.extend(0x0018u16.to_be_bytes());
        body.extend(0xFFFFu16.to_be_bytes());
        body.extend(config);
        bx(code, &body)
    }

    fn audio_trak(&self, code: [u8; 4]) -> Vec<u8> {
        let rate = 44_100u32;
        let frames = ((self.duration_ms * u64::from(rate) / 1000) / 1024).max(1) as u32;
        let mut body = vec![0; 6];
        body.extend(1u16.to_be_bytes());
        body.extend([0; 8]);
        body.extend(2u16.to_be_bytes());
        body.extend(16u16.to_be_bytes());
        body.extend([0; 4]);
        body.extend((rate << 16).to_be_bytes());
        if &code == b"mp4a" {
            // ES descriptor > decoder config (AAC, object type 0x40) > AAC-LC 44.1 kHz stereo.
            body.extend(full(
                b"esds",
                0,
                &[
                    0x03, 25, 0, 2, 0, //
                    0x04, 17, 0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //
                    0x05, 2, 0x12, 0x10, //
                    0x06, 1, 2,
                ],
            ));
        }
        let entry = bx(&code, &body);
        let tkhd = tkhd(2, self.duration_ms, matrix(false), (0, 0));
        let stbl = stbl(entry, frames, 1024);
        let minf = bx(b"minf", &[full(b"smhd", 0, &[0; 4]), dinf(), stbl].concat());
        let mdia = bx(
            b"mdia",
            &[mdhd(rate, u64::from(frames) * 1024), hdlr(b"soun"), minf].concat(),
        );
        bx(b"trak", &[tkhd, mdia].concat())
    }
}

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((8 + body.len()) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

fn full(kind: &[u8; 4], flags: u32, body: &[u8]) -> Vec<u8> {
    bx(kind, &[&flags.to_be_bytes()[..], body].concat())
}

/// The display matrix: identity, or a quarter turn clockwise.
fn matrix(rotated: bool) -> Vec<u8> {
    let one = 0x0001_0000u32;
    let values = if rotated {
        [0, one, 0, one.wrapping_neg(), 0, 0, 0, 0, 0x4000_0000]
    } else {
        [one, 0, 0, 0, one, 0, 0, 0, 0x4000_0000]
    };
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

fn tkhd(id: u32, duration_ms: u64, matrix: Vec<u8>, (w, h): (u32, u32)) -> Vec<u8> {
    let mut b = vec![0; 8];
    b.extend(id.to_be_bytes());
    b.extend([0; 4]);
    b.extend((duration_ms as u32).to_be_bytes());
    b.extend([0; 8]);
    b.extend([0; 8]);
    b.extend(matrix);
    b.extend((w << 16).to_be_bytes());
    b.extend((h << 16).to_be_bytes());
    full(b"tkhd", 3, &b)
}

fn mdhd(timescale: u32, duration: u64) -> Vec<u8> {
    let mut b = vec![0; 8];
    b.extend(timescale.to_be_bytes());
    b.extend((duration as u32).to_be_bytes());
    b.extend(0x55C4u16.to_be_bytes());
    b.extend([0; 2]);
    full(b"mdhd", 0, &b)
}

fn hdlr(handler: &[u8; 4]) -> Vec<u8> {
    full(
        b"hdlr",
        0,
        &[&[0; 4][..], handler, &[0; 12], b"igconnect\0"].concat(),
    )
}

fn dinf() -> Vec<u8> {
    let url = full(b"url ", 1, &[]);
    bx(
        b"dinf",
        &full(b"dref", 0, &[&1u32.to_be_bytes()[..], &url].concat()),
    )
}

/// A sample table of `frames` one-byte samples of `delta` ticks each, in one chunk.
fn stbl(entry: Vec<u8>, frames: u32, delta: u32) -> Vec<u8> {
    let stsd = full(b"stsd", 0, &[&1u32.to_be_bytes()[..], &entry].concat());
    let stts = full(
        b"stts",
        0,
        &[1u32, frames, delta]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<_>>(),
    );
    let stsc = full(
        b"stsc",
        0,
        &[1u32, 1, frames, 1]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<_>>(),
    );
    let stsz = full(
        b"stsz",
        0,
        &[1u32, frames]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<_>>(),
    );
    let stco = full(
        b"stco",
        0,
        &[1u32, 0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<_>>(),
    );
    bx(b"stbl", &[stsd, stts, stsc, stsz, stco].concat())
}
