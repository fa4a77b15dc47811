use crate::domain::media::content::samples::Movie;
use crate::domain::media::content::*;

fn facts(movie: &Movie) -> VideoFacts {
    let file = movie.write();
    let boxes = locate_moov(&file).expect("ftyp and moov");
    assert!(boxes.len() < file.len(), "the media data is left out");
    let facts = probe_video(&boxes).expect("a readable movie");
    assert_eq!(
        probe_video(&file).as_ref(),
        Ok(&facts),
        "a whole file reads the same"
    );
    facts
}

fn reel() -> VideoRules {
    video_rules_for(VideoPost::Reel)
}

#[test]
fn an_h264_aac_mp4_is_read_from_its_boxes() {
    let f = facts(&Movie::default());
    assert_eq!(
        f,
        VideoFacts {
            format: Format::Mp4,
            video_codec: VideoCodec::H264,
            audio_codec: Some(AudioCodec::Aac),
            duration_ms: 10_000,
            width: 1080,
            height: 1920,
            frame_rate: 30.0,
        }
    );
    assert_eq!(check_video(&f, 5_000_000, &reel()), Ok(()));
    assert_eq!(
        (
            f.video_codec.to_string(),
            f.audio_codec.map(|a| a.to_string())
        ),
        ("H.264".into(), Some("AAC".into()))
    );
}

#[test]
fn hevc_is_named_although_the_parser_does_not_know_it() {
    let f = facts(&Movie {
        video: VideoCodec::Hevc,
        ..Movie::default()
    });
    assert_eq!(f.video_codec, VideoCodec::Hevc);
    assert_eq!((f.width, f.height), (1080, 1920));
    assert_eq!(check_video(&f, 1, &reel()), Ok(()));
}

#[test]
fn a_quicktime_movie_is_a_mov() {
    let f = facts(&Movie {
        brand: *b"qt  ",
        ..Movie::default()
    });
    assert_eq!(f.format, Format::Mov);
    assert_eq!(check_video(&f, 1, &reel()), Ok(()));
}

#[test]
fn vp9_and_mpeg4_part_2_are_unsupported_codecs() {
    for (code, name) in [("vp09", "VP9"), ("mp4v", "MPEG-4 Part 2")] {
        let f = facts(&Movie {
            video: VideoCodec::Other(code.into()),
            ..Movie::default()
        });
        assert_eq!(f.video_codec, VideoCodec::Other(name.into()));
        let err = check_video(&f, 1, &reel()).unwrap_err();
        assert_eq!(err.code(), "unsupported_codec");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn audio_other_than_aac_is_an_unsupported_codec() {
    let f = facts(&Movie {
        audio: Some(*b"sowt"),
        ..Movie::default()
    });
    assert!(matches!(f.audio_codec, Some(AudioCodec::Other(_))), "{f:?}");
    assert_eq!(
        check_video(&f, 1, &reel()).unwrap_err().code(),
        "unsupported_codec"
    );
    let silent = facts(&Movie {
        audio: None,
        ..Movie::default()
    });
    assert_eq!(silent.audio_codec, None);
    assert_eq!(check_video(&silent, 1, &reel()), Ok(()));
}

#[test]
fn a_two_second_video_is_too_short_for_a_reel() {
    let f = facts(&Movie {
        duration_ms: 2_000,
        ..Movie::default()
    });
    assert_eq!(f.duration_ms, 2_000);
    let err = check_video(&f, 1, &reel()).unwrap_err();
    assert_eq!(
        err,
        ContentError::VideoTooShort {
            duration_ms: 2_000,
            min_ms: 3_000
        }
    );
    assert_eq!(err.code(), "video_too_short");
    assert!(
        err.to_string().contains("2 s") && err.to_string().contains("3 s"),
        "{err}"
    );
}

#[test]
fn durations_beyond_the_post_types_limit_are_too_long() {
    let minute_and_a_half = facts(&Movie {
        duration_ms: 90_000,
        ..Movie::default()
    });
    assert_eq!(check_video(&minute_and_a_half, 1, &reel()), Ok(()));
    let err = check_video(&minute_and_a_half, 1, &video_rules_for(VideoPost::Story)).unwrap_err();
    assert_eq!(err.code(), "video_too_long");
    assert!(err.to_string().contains("1 min 30 s"), "{err}");
    let long = facts(&Movie {
        duration_ms: 16 * 60_000,
        ..Movie::default()
    });
    let err = check_video(&long, 1, &reel()).unwrap_err();
    assert!(err.to_string().contains("15 min"), "{err}");
}

#[test]
fn frame_rates_outside_23_to_60_are_refused() {
    let slow_motion = facts(&Movie {
        fps: 120,
        ..Movie::default()
    });
    assert_eq!(slow_motion.frame_rate, 120.0);
    let err = check_video(&slow_motion, 1, &reel()).unwrap_err();
    assert_eq!(err.code(), "unsupported_frame_rate");
    assert!(err.to_string().contains("23 to 60"), "{err}");
    let sixty = facts(&Movie {
        fps: 60,
        ..Movie::default()
    });
    assert_eq!(check_video(&sixty, 1, &reel()), Ok(()));
}

#[test]
fn a_sideways_stored_portrait_video_is_portrait() {
    let f = facts(&Movie {
        rotated: true,
        ..Movie::default()
    });
    assert_eq!((f.width, f.height), (1080, 1920));
}

#[test]
fn the_aspect_range_and_size_depend_on_the_post_type() {
    let portrait = facts(&Movie::default());
    let carousel = video_rules_for(VideoPost::CarouselVideo);
    assert_eq!(
        check_video(&portrait, 1, &carousel).unwrap_err().code(),
        "unsupported_aspect_ratio"
    );
    let landscape = facts(&Movie {
        width: 1920,
        height: 1080,
        ..Movie::default()
    });
    assert_eq!(check_video(&landscape, 1, &carousel), Ok(()));
    let err = check_video(&landscape, 101 * 1024 * 1024, &carousel).unwrap_err();
    assert_eq!(err.code(), "file_too_large");
}

#[test]
fn a_damaged_index_is_corrupt() {
    let file = Movie::default().write();
    let boxes = locate_moov(&file).unwrap();
    let err = probe_video(&boxes[..boxes.len() - 40]).unwrap_err();
    assert_eq!(err.code(), "file_corrupt", "{err}");
    let err = probe_video(b"\0\0\0\x10ftypisom\0\0\0\0").unwrap_err();
    assert_eq!(err.code(), "file_corrupt", "{err}");
}

#[test]
fn the_public_sample_is_a_valid_reel() {
    let file = sample_mp4(5_000, VideoCodec::Hevc);
    let f = probe_video(&locate_moov(&file).unwrap()).unwrap();
    assert_eq!(
        (f.duration_ms, f.video_codec.clone()),
        (5_000, VideoCodec::Hevc)
    );
    assert_eq!(check_video(&f, file.len() as u64, &reel()), Ok(()));
}
