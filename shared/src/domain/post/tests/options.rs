//! The caption, the options and `publish_at`, and the request's own shape.

use super::*;

#[test]
fn a_caption_over_the_limits_is_refused_before_anything_is_sent() {
    let with =
        |caption: String| json!({"type": "image", "media": [image(JPG)], "caption": caption});
    assert_eq!(code(with("a".repeat(2201))), "caption_too_long");
    assert_eq!(code(with("#a ".repeat(31))), "too_many_hashtags");
    assert_eq!(code(with("@a ".repeat(21))), "too_many_mentions");
}

#[test]
fn a_caption_on_a_story_is_refused_since_meta_would_drop_it() {
    let body = json!({"type": "story", "media": [image(JPG)], "caption": "hi"});
    let err = parse(body).unwrap_err();
    assert_eq!(
        err,
        PostError::OptionNotAllowed {
            option: PostOption::Caption,
            kind: PostKind::Story
        }
    );
    assert_eq!(
        err.to_string(),
        "caption is not allowed on a story post; it works on images, carousels and reels, not stories"
    );
}

#[test]
fn an_empty_caption_is_no_caption() {
    let spec = parse(json!({"type": "story", "media": [image(JPG)], "caption": ""})).unwrap();
    assert_eq!(spec.caption(), None);
}

#[test]
fn reel_only_options_are_refused_elsewhere_naming_the_option_and_type() {
    for (kind, media, options, option) in [
        (
            "image",
            image(JPG),
            json!({"share_to_feed": true}),
            PostOption::ShareToFeed,
        ),
        (
            "story",
            video(MP4),
            json!({"cover_url": JPG}),
            PostOption::CoverUrl,
        ),
        (
            "carousel",
            video(MP4),
            json!({"thumb_offset": 0}),
            PostOption::ThumbOffset,
        ),
    ] {
        let count = if kind == "carousel" { 2 } else { 1 };
        let body = json!({"type": kind, "media": vec![media; count], "options": options});
        let err = parse(body).unwrap_err();
        assert_eq!(err.code(), "option_not_allowed");
        assert!(
            err.to_string()
                .starts_with(&format!("{option} is not allowed on a {kind} post"))
        );
    }
}

#[test]
fn a_location_or_collaborators_on_a_story_are_refused() {
    for options in [
        json!({"location_id": "123"}),
        json!({"collaborators": ["acme"]}),
    ] {
        let body = json!({"type": "story", "media": [image(JPG)], "options": options});
        assert_eq!(code(body), "option_not_allowed");
    }
}

#[test]
fn a_location_id_that_is_not_numeric_is_refused() {
    let body = json!({"type": "image", "media": [image(JPG)], "options": {"location_id": "Paris"}});
    assert_eq!(code(body), "invalid_location_id");
}

#[test]
fn more_than_3_collaborators_are_refused() {
    let body = json!({
        "type": "reel", "media": [video(MP4)],
        "options": {"collaborators": ["a", "b", "c", "d"]}
    });
    assert_eq!(
        parse(body),
        Err(PostError::TooManyCollaborators { count: 4 })
    );
}

#[test]
fn the_same_collaborator_twice_counts_once() {
    let body = json!({
        "type": "image", "media": [image(JPG)],
        "options": {"collaborators": ["a", "@A", "b", "c"]}
    });
    assert_eq!(parse(body).unwrap().options().collaborators.len(), 3);
}

#[test]
fn a_collaborator_that_is_not_a_username_is_refused() {
    let body = json!({
        "type": "carousel", "media": [image(JPG), image(JPG)],
        "options": {"collaborators": ["acme", "acme shop"]}
    });
    assert_eq!(
        parse(body),
        Err(PostError::InvalidCollaborator { position: 1 })
    );
}

#[test]
fn a_publish_at_now_or_earlier_is_refused() {
    for at in [now(), now() - Duration::days(1)] {
        let body = json!({"type": "image", "media": [image(JPG)], "publish_at": at});
        assert_eq!(
            parse(body),
            Err(PostError::PublishAtInPast { publish_at: at })
        );
    }
}

#[test]
fn unknown_fields_are_refused_when_the_request_is_read() {
    let misspelt = json!({
        "type": "reel", "media": [video(MP4)], "options": {"share_to_fed": false}
    });
    assert!(serde_json::from_value::<PostRequest>(misspelt).is_err());
}
