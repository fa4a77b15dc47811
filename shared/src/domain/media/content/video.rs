//! Videos are sent to Instagram as uploaded (there is no transcoder here), so they are only
//! read: the facts Meta's limits are about come from the `moov` box (the movie's index),
//! found without reading the media data ([`MovieBoxes`]), and are held to the post type's
//! documented limits before Meta is asked to fetch the file.

mod boxes;

use super::{AspectRange, ContentError, Format, sniff};
pub use boxes::{BoxHeader, MAX_MOOV_BYTES, MovieBoxes, NextRead, locate_moov, next_box};
use mp4parse::{CodecType, SampleEntry, Track, TrackType};
use std::fmt;

/// A video codec, as far as Meta's limits care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoCodec {
    H264,
    Hevc,
    /// Anything else, by name (`VP9`, `AV1`, `MPEG-4 Part 2`, or the sample entry's code).
    Other(String),
}

impl fmt::Display for VideoCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::H264 => f.write_str("H.264"),
            Self::Hevc => f.write_str("HEVC"),
            Self::Other(name) => f.write_str(name),
        }
    }
}

/// An audio codec, as far as Meta's limits care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioCodec {
    Aac,
    Other(String),
}

impl fmt::Display for AudioCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Aac => f.write_str("AAC"),
            Self::Other(name) => f.write_str(name),
        }
    }
}

/// What a video is, read from its `moov` box.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFacts {
    pub format: Format,
    pub video_codec: VideoCodec,
    /// `None` for a silent video.
    pub audio_codec: Option<AudioCodec>,
    /// The video track's length.
    pub duration_ms: u64,
    /// As displayed: a phone's portrait video stored sideways with a rotation is portrait here.
    pub width: u32,
    pub height: u32,
    /// Frames per second, averaged over the track.
    pub frame_rate: f64,
}

/// What a video is for: it decides the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoPost {
    Reel,
    Story,
    /// A video item of a carousel.
    CarouselVideo,
}

/// What a video must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoRules {
    pub min_duration_ms: u64,
    pub max_duration_ms: u64,
    pub min_fps: f64,
    pub max_fps: f64,
    pub aspect: AspectRange,
    pub max_bytes: u64,
}

/// Meta's documented limits (IG User Media reference:
/// https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media,
/// "Reel Specifications", "Story Video Specifications" and "Video Specifications").
/// Every kind: MOV or MP4, HEVC or H.264 video, AAC audio, 23 to 60 frames per second.
pub fn video_rules_for(post: VideoPost) -> VideoRules {
    let (min_fps, max_fps) = (23.0, 60.0);
    match post {
        // Reels: 3 s to 15 min, aspect ratio 0.01:1 to 10:1 (9:16 recommended), 1 GB (the
        // same figure as `MediaLimits::max_reel_bytes`, which refuses larger uploads first).
        VideoPost::Reel => VideoRules {
            min_duration_ms: 3_000,
            max_duration_ms: 15 * 60_000,
            min_fps,
            max_fps,
            aspect: AspectRange {
                min: 0.01,
                max: 10.0,
            },
            max_bytes: 1024 * 1024 * 1024,
        },
        // Stories: 3 s to 60 s, 0.1:1 to 10:1 (9:16 recommended), 100 MB.
        VideoPost::Story => VideoRules {
            min_duration_ms: 3_000,
            max_duration_ms: 60_000,
            min_fps,
            max_fps,
            aspect: AspectRange {
                min: 0.1,
                max: 10.0,
            },
            max_bytes: 100 * 1024 * 1024,
        },
        // Carousel videos follow the feed video specification: 3 s to 60 s, 4:5 to 16:9,
        // 100 MB.
        VideoPost::CarouselVideo => VideoRules {
            min_duration_ms: 3_000,
            max_duration_ms: 60_000,
            min_fps,
            max_fps,
            aspect: AspectRange {
                min: 0.8,
                max: 16.0 / 9.0,
            },
            max_bytes: 100 * 1024 * 1024,
        },
    }
}

/// Frame rates are averages of sample durations: 59.94 and 60.0001 are both "60".
const FPS_TOLERANCE: f64 = 0.05;

/// Holds `facts` of a `size`-byte video to `rules`; the first rule broken is the error.
pub fn check_video(facts: &VideoFacts, size: u64, rules: &VideoRules) -> Result<(), ContentError> {
    if size > rules.max_bytes {
        return Err(ContentError::FileTooLarge {
            size,
            max: rules.max_bytes,
        });
    }
    if let VideoCodec::Other(name) = &facts.video_codec {
        return Err(ContentError::UnsupportedCodec {
            found: format!("{name} video"),
        });
    }
    if let Some(AudioCodec::Other(name)) = &facts.audio_codec {
        return Err(ContentError::UnsupportedCodec {
            found: format!("{name} audio"),
        });
    }
    if facts.duration_ms < rules.min_duration_ms {
        return Err(ContentError::VideoTooShort {
            duration_ms: facts.duration_ms,
            min_ms: rules.min_duration_ms,
        });
    }
    if facts.duration_ms > rules.max_duration_ms {
        return Err(ContentError::VideoTooLong {
            duration_ms: facts.duration_ms,
            max_ms: rules.max_duration_ms,
        });
    }
    let fps = facts.frame_rate;
    if !(fps >= rules.min_fps - FPS_TOLERANCE && fps <= rules.max_fps + FPS_TOLERANCE) {
        return Err(ContentError::UnsupportedFrameRate {
            fps,
            min: rules.min_fps,
            max: rules.max_fps,
        });
    }
    if !rules.aspect.contains(facts.width, facts.height) {
        return Err(ContentError::UnsupportedAspectRatio {
            width: facts.width,
            height: facts.height,
            min: rules.aspect.min,
            max: rules.aspect.max,
        });
    }
    Ok(())
}

/// The facts of a video from its `ftyp` and `moov` boxes: what [`MovieBoxes`] collects, or a
/// whole (small) file.
pub fn probe_video(boxes: &[u8]) -> Result<VideoFacts, ContentError> {
    let corrupt = |detail| ContentError::Corrupt { detail };
    let format = match sniff(boxes) {
        Some(f) if f.is_video() => f,
        // QuickTime files from before `ftyp` existed start with their movie.
        None if boxes.get(4..8) == Some(b"moov") => Format::Mov,
        Some(Format::Heic) => return Err(ContentError::UnsupportedFormat { found: "HEIC" }),
        _ => {
            return Err(ContentError::UnsupportedFormat {
                found: "not a video igconnect recognises",
            });
        }
    };
    let movie = mp4parse::read_mp4(&mut std::io::Cursor::new(boxes)).map_err(|e| match e {
        mp4parse::Error::UnexpectedEOF => corrupt("the video's index ends early"),
        mp4parse::Error::MoovMissing => corrupt("the video has no movie index (moov box)"),
        _ => corrupt("the video's index (moov box) is not valid"),
    })?;
    let entries = boxes::sample_entries(boxes);
    let entry = |i: usize| entries.get(i).copied().flatten();
    let (index, video) = movie
        .tracks
        .iter()
        .enumerate()
        .find(|(_, t)| t.track_type == TrackType::Video)
        .ok_or(ContentError::UnsupportedFormat {
            found: "a movie without a video track",
        })?;
    let video_codec = video_codec(video, entry(index).map(|e| e.fourcc));
    let audio_codec = movie
        .tracks
        .iter()
        .enumerate()
        .find(|(_, t)| t.track_type == TrackType::Audio)
        .map(|(i, t)| audio_codec(t, entry(i).map(|e| e.fourcc)));
    let timescale = video.timescale.map(|t| t.0).filter(|&t| t > 0);
    let duration_ms = match (video.duration, timescale) {
        (Some(d), Some(ts)) => scale(d.0, 1000, ts),
        _ => match (video.tkhd.as_ref(), movie.timescale) {
            (Some(tkhd), Some(ts)) if ts.0 > 0 => scale(tkhd.duration, 1000, ts.0),
            _ => return Err(corrupt("the video track has no duration")),
        },
    };
    let frame_rate = match (frames(video), timescale) {
        (Some((count, ticks)), Some(ts)) if ticks > 0 => count as f64 * ts as f64 / ticks as f64,
        _ if movie.mvex.is_some() => {
            return Err(ContentError::UnsupportedFormat {
                found: "a fragmented MP4 (its frames are indexed outside the movie header)",
            });
        }
        _ => return Err(corrupt("the video track has no frame timing")),
    };
    let (width, height) = display_size(video, entry(index).map(|e| (e.width, e.height)))
        .ok_or(corrupt("the video track has no picture size"))?;
    Ok(VideoFacts {
        format,
        video_codec,
        audio_codec,
        duration_ms,
        width,
        height,
        frame_rate,
    })
}

/// `value * mul / div` without overflow.
fn scale(value: u64, mul: u64, div: u64) -> u64 {
    u64::try_from(u128::from(value) * u128::from(mul) / u128::from(div.max(1))).unwrap_or(u64::MAX)
}

fn video_codec(track: &Track, fourcc: Option<[u8; 4]>) -> VideoCodec {
    let parsed = first_entry(track).and_then(|e| match e {
        SampleEntry::Video(v) => Some(v.codec_type),
        _ => None,
    });
    match parsed {
        Some(CodecType::H264) => VideoCodec::H264,
        Some(CodecType::VP9) => VideoCodec::Other("VP9".into()),
        Some(CodecType::VP8) => VideoCodec::Other("VP8".into()),
        Some(CodecType::AV1) => VideoCodec::Other("AV1".into()),
        Some(CodecType::MP4V) => VideoCodec::Other("MPEG-4 Part 2".into()),
        Some(CodecType::H263) => VideoCodec::Other("H.263".into()),
        Some(CodecType::EncryptedVideo) => VideoCodec::Other("encrypted (DRM)".into()),
        // mp4parse 0.17 has no HEVC sample entry: the four-character code tells.
        _ => match fourcc.as_ref() {
            Some(b"hvc1" | b"hev1") => VideoCodec::Hevc,
            Some(b"avc1" | b"avc3") => VideoCodec::H264,
            Some(code) => VideoCodec::Other(fourcc_name(code)),
            None => VideoCodec::Other("an unknown codec".into()),
        },
    }
}

fn audio_codec(track: &Track, fourcc: Option<[u8; 4]>) -> AudioCodec {
    let parsed = first_entry(track).and_then(|e| match e {
        SampleEntry::Audio(a) => Some(a.codec_type),
        _ => None,
    });
    match parsed {
        Some(CodecType::AAC) => AudioCodec::Aac,
        Some(CodecType::MP3) => AudioCodec::Other("MP3".into()),
        Some(CodecType::Opus) => AudioCodec::Other("Opus".into()),
        Some(CodecType::FLAC) => AudioCodec::Other("FLAC".into()),
        Some(CodecType::ALAC) => AudioCodec::Other("Apple Lossless".into()),
        Some(CodecType::LPCM) => AudioCodec::Other("uncompressed PCM".into()),
        _ => match fourcc.as_ref() {
            Some(code) => AudioCodec::Other(fourcc_name(code)),
            None => AudioCodec::Other("an unknown codec".into()),
        },
    }
}

fn first_entry(track: &Track) -> Option<&SampleEntry> {
    track.stsd.as_ref()?.descriptions.first()
}

/// A sample entry's code as text (`vp08`), with anything unprintable escaped.
fn fourcc_name(code: &[u8; 4]) -> String {
    code.iter()
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// (frames, their total duration in the track's timescale) from the time-to-sample table.
fn frames(track: &Track) -> Option<(u64, u64)> {
    let stts = track.stts.as_ref()?;
    let (count, ticks) = stts.samples.iter().fold((0u64, 0u64), |(c, t), s| {
        let n = u64::from(s.sample_count);
        (
            c.saturating_add(n),
            t.saturating_add(n.saturating_mul(u64::from(s.sample_delta))),
        )
    });
    (count > 0).then_some((count, ticks))
}

/// The displayed size: the track header's (16.16 fixed point) or else the sample entry's,
/// turned a quarter when the track's matrix rotates it.
fn display_size(track: &Track, coded: Option<(u16, u16)>) -> Option<(u32, u32)> {
    let header = track
        .tkhd
        .as_ref()
        .map(|t| (t.width >> 16, t.height >> 16))
        .filter(|&(w, h)| w > 0 && h > 0);
    let (w, h) = header.or_else(|| {
        coded
            .map(|(w, h)| (u32::from(w), u32::from(h)))
            .filter(|&(w, h)| w > 0 && h > 0)
    })?;
    let quarter = track
        .tkhd
        .as_ref()
        .is_some_and(|t| t.matrix.a == 0 && t.matrix.d == 0 && t.matrix.b != 0);
    Some(if quarter { (h, w) } else { (w, h) })
}
