//! The request-level rules: one behaviour per test, named as the behaviour. Shape and
//! media here; caption, options and timing in `options`; properties in `properties`.

mod options;
mod properties;

use super::*;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;
use serde_json::{Value, json};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn request(body: Value) -> PostRequest {
    serde_json::from_value(body).expect("a well-formed request")
}

fn parse(body: Value) -> Result<PostSpec, PostError> {
    request(body).parse(now())
}

fn code(body: Value) -> &'static str {
    parse(body).expect_err("a refused request").code()
}

fn image(url: &str) -> Value {
    json!({"url": url, "kind": "image"})
}

fn video(url: &str) -> Value {
    json!({"url": url, "kind": "video"})
}

const JPG: &str = "https://cdn.example.com/a.jpg";
const MP4: &str = "https://cdn.example.com/r.mp4";

#[test]
fn an_image_post_with_everything_it_takes_parses() {
    let spec = parse(json!({
        "type": "image",
        "media": [{
            "url": JPG, "kind": "image", "alt_text": "A red bike",
            "user_tags": [{"username": "@Rider", "x": 0.5, "y": 1.0}]
        }],
        "caption": "Summer #bikes with @acme",
        "publish_at": "2025-06-02T09:00:00+02:00",
        "options": {"location_id": "110843418940484", "collaborators": ["@Acme", "shop.co"]}
    }))
    .unwrap();
    assert_eq!(spec.kind(), PostKind::Image);
    let MediaItem::Image {
        source,
        alt_text,
        user_tags,
    } = &spec.media()[0]
    else {
        panic!("an image");
    };
    assert_eq!(source.fetch_url(), Some(JPG));
    assert_eq!(alt_text.as_ref().unwrap().as_str(), "A red bike");
    assert_eq!(user_tags[0].username.as_str(), "rider");
    assert_eq!(spec.caption().unwrap().hashtags(), 1);
    assert_eq!(
        spec.publish_at(),
        Some(Utc.with_ymd_and_hms(2025, 6, 2, 7, 0, 0).unwrap())
    );
    let collaborators: Vec<_> = spec
        .options()
        .collaborators
        .iter()
        .map(Handle::as_str)
        .collect();
    assert_eq!(collaborators, ["acme", "shop.co"]);
}

#[test]
fn a_reel_takes_share_to_feed_a_cover_and_a_thumbnail_offset() {
    let spec = parse(json!({
        "type": "reel", "media": [video(MP4)],
        "options": {"share_to_feed": false, "cover_url": JPG, "thumb_offset": 1500}
    }))
    .unwrap();
    let options = spec.options();
    assert_eq!(options.share_to_feed, Some(false));
    assert_eq!(options.cover.as_ref().unwrap().fetch_url(), Some(JPG));
    assert_eq!(options.thumb_offset, Some(1500));
}

#[test]
fn a_story_is_one_image_or_one_video() {
    for item in [image(JPG), video(MP4)] {
        let spec = parse(json!({"type": "story", "media": [item]})).unwrap();
        assert_eq!(spec.media().len(), 1);
    }
}

#[test]
fn a_carousel_may_mix_images_and_videos() {
    let spec = parse(json!({"type": "carousel", "media": [image(JPG), video(MP4)]})).unwrap();
    let kinds: Vec<_> = spec.media().iter().map(MediaItem::kind).collect();
    assert_eq!(kinds, [MediaKind::Image, MediaKind::Video]);
}

#[test]
fn an_unknown_type_is_refused() {
    for kind in ["video", "Image", "carousel_album", ""] {
        assert_eq!(
            code(json!({"type": kind, "media": [image(JPG)]})),
            "unknown_post_type"
        );
    }
}

#[test]
fn a_post_without_media_is_refused() {
    assert_eq!(code(json!({"type": "image", "media": []})), "empty_media");
    assert_eq!(code(json!({"type": "carousel"})), "empty_media");
}

#[test]
fn a_carousel_of_one_or_eleven_items_is_refused() {
    for n in [1, 11] {
        let media = vec![image(JPG); n];
        assert_eq!(
            parse(json!({"type": "carousel", "media": media})),
            Err(PostError::InvalidMediaCount {
                kind: PostKind::Carousel,
                count: n
            })
        );
    }
}

#[test]
fn an_image_reel_or_story_of_two_items_is_refused() {
    for kind in ["image", "reel", "story"] {
        let body = json!({"type": kind, "media": [video(MP4), video(MP4)]});
        assert_eq!(code(body), "invalid_media_count", "{kind}");
    }
}

#[test]
fn a_media_kind_other_than_image_or_video_is_refused() {
    for kind in ["photo", "carousel", "reel", "IMAGE"] {
        let body = json!({"type": "story", "media": [{"url": JPG, "kind": kind}]});
        assert_eq!(code(body), "unknown_media_kind", "{kind}");
    }
}

#[test]
fn a_reel_inside_a_carousel_is_refused() {
    let body = json!({"type": "carousel", "media": [image(JPG), {"url": MP4, "kind": "reel"}]});
    assert_eq!(parse(body), Err(PostError::ReelInCarousel { index: 1 }));
}

#[test]
fn a_reel_of_an_image_is_refused() {
    assert_eq!(
        code(json!({"type": "reel", "media": [image(JPG)]})),
        "reel_needs_video"
    );
}

#[test]
fn an_image_post_of_a_video_is_refused() {
    assert_eq!(
        code(json!({"type": "image", "media": [video(MP4)]})),
        "image_post_needs_image"
    );
}

#[test]
fn a_media_url_that_is_not_an_absolute_url_without_credentials_is_refused() {
    for url in [
        "cdn.example.com/a.jpg",
        "/a.jpg",
        "https://user:pw@cdn.example.com/a.jpg",
    ] {
        assert_eq!(
            parse(json!({"type": "image", "media": [image(url)]})),
            Err(PostError::InvalidMediaUrl {
                field: UrlField::Media { index: 0 }
            }),
            "{url}"
        );
    }
}

#[test]
fn a_media_url_that_is_not_https_is_refused() {
    for url in [
        "http://cdn.example.com/a.jpg",
        "ftp://cdn.example.com/a.jpg",
    ] {
        let body = json!({"type": "carousel", "media": [image(JPG), image(url)]});
        assert_eq!(
            parse(body),
            Err(PostError::MediaUrlNotHttps {
                field: UrlField::Media { index: 1 }
            }),
            "{url}"
        );
    }
}

#[test]
fn a_cover_url_that_is_not_https_is_refused() {
    let body = json!({
        "type": "reel", "media": [video(MP4)],
        "options": {"cover_url": "http://cdn.example.com/c.jpg"}
    });
    assert_eq!(
        parse(body),
        Err(PostError::MediaUrlNotHttps {
            field: UrlField::Cover
        })
    );
}

#[test]
fn alt_text_on_a_video_a_reel_or_a_story_is_refused() {
    let alt = |kind: &str, url: &str| json!({"url": url, "kind": kind, "alt_text": "x"});
    for body in [
        json!({"type": "carousel", "media": [image(JPG), alt("video", MP4)]}),
        json!({"type": "reel", "media": [alt("video", MP4)]}),
        json!({"type": "story", "media": [alt("image", JPG)]}),
    ] {
        assert_eq!(code(body), "alt_text_not_allowed");
    }
}

#[test]
fn empty_alt_text_is_no_alt_text() {
    let body = json!({"type": "story", "media": [{"url": JPG, "kind": "image", "alt_text": ""}]});
    assert!(parse(body).is_ok());
}

#[test]
fn alt_text_over_1000_characters_is_refused() {
    let item = |n: usize| json!({"url": JPG, "kind": "image", "alt_text": "é".repeat(n)});
    assert!(parse(json!({"type": "image", "media": [item(1000)]})).is_ok());
    assert_eq!(
        parse(json!({"type": "image", "media": [item(1001)]})),
        Err(PostError::AltTextTooLong {
            index: 0,
            chars: 1001
        })
    );
}

#[test]
fn more_than_20_user_tags_on_an_item_are_refused() {
    let tags = vec![json!({"username": "a", "x": 0.1, "y": 0.1}); 21];
    let body =
        json!({"type": "image", "media": [{"url": JPG, "kind": "image", "user_tags": tags}]});
    assert_eq!(code(body), "too_many_user_tags");
}

#[test]
fn a_user_tag_needs_a_username_and_a_position_on_images_only() {
    let on = |kind: &str, url: &str, tag: Value| json!({"type": "story", "media": [{"url": url, "kind": kind, "user_tags": [tag]}]});
    assert!(parse(on("video", MP4, json!({"username": "acme"}))).is_ok());
    for body in [
        on("image", JPG, json!({"username": "acme"})),
        on(
            "image",
            JPG,
            json!({"username": "acme", "x": 1.5, "y": 0.5}),
        ),
        on(
            "image",
            JPG,
            json!({"username": "not a handle", "x": 0.5, "y": 0.5}),
        ),
        on(
            "video",
            MP4,
            json!({"username": "acme", "x": 0.5, "y": 0.5}),
        ),
    ] {
        assert_eq!(
            parse(body),
            Err(PostError::InvalidUserTag { index: 0, tag: 0 })
        );
    }
}

const MEDIA_ID: &str = "0193a5b2-7c1d-7e3f-8a9b-0c1d2e3f4a5b";

#[test]
fn a_media_id_names_an_upload_in_place_of_a_url() {
    let spec = parse(json!({
        "type": "reel", "media": [{"media_id": MEDIA_ID, "kind": "video"}],
        "options": {"cover_media_id": MEDIA_ID}
    }))
    .unwrap();
    let uploads = spec.uploads();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[0].id.as_str(), MEDIA_ID);
    assert_eq!(uploads[0].kind, MediaKind::Video);
    assert!(!uploads[0].cover && uploads[1].cover);
    assert_eq!(spec.media()[0].source().fetch_url(), None);
}

#[test]
fn uploads_get_their_fetch_urls_before_the_containers_are_made() {
    let spec = parse(json!({
        "type": "carousel",
        "media": [{"media_id": MEDIA_ID, "kind": "image"}, image(JPG)]
    }))
    .unwrap();
    let id = crate::domain::MediaId::parse(MEDIA_ID).unwrap();
    let missing = spec.with_fetch_urls(&Default::default());
    assert_eq!(missing.unwrap_err(), id);
    let urls = [(id, "http://127.0.0.1:1/signed".to_owned())].into();
    let ready = spec.with_fetch_urls(&urls).unwrap();
    let children = ready.child_containers();
    assert_eq!(
        children[0].get("image_url"),
        Some("http://127.0.0.1:1/signed")
    );
    assert_eq!(children[1].get("image_url"), Some(JPG));
}

#[test]
fn a_media_item_needs_exactly_one_source() {
    assert_eq!(
        code(json!({"type": "image", "media": [{"kind": "image"}]})),
        "media_source_missing"
    );
    assert_eq!(
        code(
            json!({"type": "image", "media": [{"kind": "image", "url": JPG, "media_id": MEDIA_ID}]})
        ),
        "media_source_conflict"
    );
    assert_eq!(
        code(json!({"type": "image", "media": [{"kind": "image", "media_id": "a#b"}]})),
        "invalid_media_id"
    );
    assert_eq!(
        code(json!({"type": "reel", "media": [video(MP4)],
            "options": {"cover_url": JPG, "cover_media_id": MEDIA_ID}})),
        "media_source_conflict"
    );
}
