//! Meta downloads a container's media when it is created, and so does the sandbox for
//! loopback URLs (igconnect's own signed media URLs): on both Graph hosts, each refusal
//! answers Meta's error, what was fetched is shown on `_inspect/fetched`, and placeholder
//! hosts and URL markers behave as before.

mod support;

use igconnect_sandbox::{MediaFetching, SandboxOptions};
use serde_json::Value;
use std::time::Duration;
use support::publishing::{HOSTS, account};
use support::{Harness, media, start, start_fetching};

/// What the sandbox fetched, oldest first.
async fn fetched(h: &Harness) -> Vec<Value> {
    let res = h
        .browser
        .get(h.url("_inspect/fetched"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_fetched_jpeg_is_shown_with_its_size_type_and_exif() {
    let files = media::serve().await;
    for host in HOSTS {
        // Given an account and a JPEG on loopback
        let h = start().await;
        let me = account(&h, host).await;
        let url = format!("{files}/photo.jpg?sig=abc");
        // When an image container is created with it
        let container = me.image(&url).await;
        // Then the sandbox downloaded it and shows what it got
        let got = fetched(&h).await;
        assert_eq!(got.len(), 1, "{host:?} {got:?}");
        let f = &got[0];
        assert_eq!(f["url"], url.as_str());
        assert_eq!(f["field"], "image_url");
        assert_eq!(f["container"], container.as_str());
        assert_eq!(
            (f["status"].as_u64(), f["content_type"].as_str()),
            (Some(200), Some("image/jpeg"))
        );
        assert_eq!(f["format"], "JPEG");
        assert_eq!(
            (f["width"].as_u64(), f["height"].as_u64()),
            (Some(1440), Some(1152))
        );
        assert_eq!(f["has_exif"], true);
        assert_eq!(
            f["bytes"].as_u64(),
            Some(media::jpeg(1440, 1152, true).len() as u64)
        );
        assert!(f["refused"].is_null());
        assert_eq!(me.status(&container).await, "FINISHED");
    }
}

#[tokio::test]
async fn each_refusal_of_a_fetched_image_answers_metas_error() {
    let files = media::serve().await;
    // (the file, and the code and subcode Meta answers for a feed image)
    let cases = [
        (format!("{files}/gone.jpg"), (9004, Some(2207052))),
        (
            "http://127.0.0.1:1/closed.jpg".to_owned(),
            (9004, Some(2207052)),
        ),
        (format!("{files}/photo.png"), (36001, Some(2207005))),
        (format!("{files}/tall.jpg"), (36003, Some(2207009))),
        (format!("{files}/huge.jpg"), (36000, Some(2207004))),
    ];
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        for (url, expected) in &cases {
            let answer = me.create(&[("image_url", url)]).await;
            assert_eq!(answer.status, 400, "{host:?} {url} {:?}", answer.body);
            assert_eq!(answer.error(), *expected, "{host:?} {url}");
            assert_eq!(answer.body["error"]["is_transient"], false);
            let text = answer.body.to_string();
            assert!(!text.contains(url.as_str()), "the URL is echoed: {text}");
        }
        let png = me.create(&[("image_url", &cases[2].0)]).await;
        let user_msg = png.body["error"]["error_user_msg"].as_str().unwrap();
        assert!(
            user_msg.contains("The image format png is not supported"),
            "{user_msg}"
        );
        // Every attempt is recorded, with the refusal and no container.
        let got = fetched(&h).await;
        assert_eq!(got.len(), cases.len() + 1);
        assert!(got.iter().all(|f| f["container"].is_null()));
        assert_eq!(got[0]["status"], 404);
        assert!(got[1]["status"].is_null());
        assert_eq!(got[3]["refused"]["error_subcode"], 2207009);
        assert!(me.posts().await.is_empty());
    }
}

#[tokio::test]
async fn stories_take_any_shape_carousel_items_do_not() {
    let files = media::serve().await;
    let tall = format!("{files}/tall.jpg");
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let story = me
            .create(&[("media_type", "STORIES"), ("image_url", &tall)])
            .await;
        assert_eq!(story.status, 200, "{host:?} {:?}", story.body);
        let item = me
            .create(&[("image_url", &tall), ("is_carousel_item", "true")])
            .await;
        assert_eq!(item.error(), (36003, Some(2207009)), "{host:?}");
        let png = format!("{files}/photo.png");
        let png_story = me
            .create(&[("media_type", "STORIES"), ("image_url", &png)])
            .await;
        assert_eq!(png_story.error(), (36001, Some(2207005)), "{host:?}");
    }
}

#[tokio::test]
async fn a_reel_needs_an_mp4_or_mov_and_a_jpeg_cover() {
    let files = media::serve().await;
    let (reel, page) = (format!("{files}/reel.mp4"), format!("{files}/page.mp4"));
    let (cover, png) = (format!("{files}/square.jpg"), format!("{files}/photo.png"));
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let ok = me
            .create(&[
                ("media_type", "REELS"),
                ("video_url", &reel),
                ("cover_url", &cover),
            ])
            .await;
        assert_eq!(ok.status, 200, "{host:?} {:?}", ok.body);
        let got = fetched(&h).await;
        let shown: Vec<(&str, &str)> = got
            .iter()
            .map(|f| (f["field"].as_str().unwrap(), f["format"].as_str().unwrap()))
            .collect();
        assert_eq!(shown, [("video_url", "MP4"), ("cover_url", "JPEG")]);
        assert!(got[0]["width"].is_null());
        let not_video = me
            .create(&[("media_type", "REELS"), ("video_url", &page)])
            .await;
        assert_eq!(not_video.error(), (352, Some(2207026)), "{host:?}");
        let bad_cover = me
            .create(&[
                ("media_type", "REELS"),
                ("video_url", &reel),
                ("cover_url", &png),
            ])
            .await;
        assert_eq!(bad_cover.error(), (36001, Some(2207005)), "{host:?}");
        // The accepted Reel processes as any video does.
        let (status, _) = me.wait(&ok.id()).await;
        assert_eq!(status, "FINISHED");
    }
}

#[tokio::test]
async fn a_redirect_is_followed_and_a_slow_server_is_a_download_timeout() {
    let files = media::serve().await;
    let fetching = MediaFetching {
        timeout: Duration::from_millis(300),
        ..MediaFetching::default()
    };
    let h = start_fetching(SandboxOptions::default(), fetching).await;
    let me = account(&h, HOSTS[1]).await;
    let moved = me
        .create(&[("image_url", &format!("{files}/moved.jpg"))])
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let slow = me
        .create(&[("image_url", &format!("{files}/slow.jpg"))])
        .await;
    assert_eq!(slow.error(), (-2, Some(2207003)));
    assert_eq!(slow.body["error"]["is_transient"], true);
    let got = fetched(&h).await;
    assert_eq!(
        (got[0]["format"].as_str(), got[0]["width"].as_u64()),
        (Some("JPEG"), Some(1080))
    );
}

#[tokio::test]
async fn placeholder_hosts_are_not_fetched_and_markers_still_win() {
    let files = media::serve().await;
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        // Reserved names are accepted unfetched, as before.
        for url in [
            "https://cdn.example.invalid/a.jpg",
            "https://cdn.example/a.jpg",
            "https://cdn.example.com/posts/a.jpg",
        ] {
            assert_eq!(me.create(&[("image_url", url)]).await.status, 200, "{url}");
        }
        // A creation marker answers before anything is downloaded.
        let marked = me
            .create(&[("image_url", &format!("{files}/fail-aspect/square.jpg"))])
            .await;
        assert_eq!(marked.error(), (36003, Some(2207009)));
        assert!(fetched(&h).await.is_empty(), "{host:?}");
    }
}
