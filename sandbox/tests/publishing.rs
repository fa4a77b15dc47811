//! Instagram content publishing in the sandbox, over HTTP on both Graph hosts: Facebook Graph
//! with a Page token, Instagram Graph with an Instagram Login token. Every test runs the same
//! story on each host: create a container, watch its status, publish it, read the media.

mod support;

use support::publishing::{HOSTS, Host, account};
use support::{start, start_with};

#[tokio::test]
async fn an_image_is_created_finished_published_and_has_a_permalink() {
    for host in HOSTS {
        // Given an account and an image container
        let h = start().await;
        let me = account(&h, host).await;
        let container = me.image("https://cdn.example.invalid/bread.jpg").await;
        // When its status is read, and it is published
        assert_eq!(me.status(&container).await, "FINISHED", "{host:?}");
        let media = me.publish(&container).await.id();
        // Then the container reads PUBLISHED and the media has a permalink that never resolves
        assert_eq!(me.status(&container).await, "PUBLISHED");
        let fields = "id,permalink,media_type,media_product_type,timestamp,caption,username";
        let read = me.get(&media, &[("fields", fields)]).await;
        assert_eq!(read.status, 200, "{:?}", read.body);
        let permalink = read.body["permalink"].as_str().unwrap();
        assert!(
            permalink.starts_with("https://sandbox.igconnect.invalid/p/")
                && permalink.ends_with('/')
        );
        assert_eq!(read.body["id"], media.as_str());
        assert_eq!(read.body["media_type"], "IMAGE");
        assert_eq!(read.body["media_product_type"], "FEED");
        assert_eq!(read.body["caption"], "Fresh sourdough");
        assert!(read.body["timestamp"].as_str().unwrap().ends_with("+0000"));
        assert_eq!(me.posts().await, [media]);
    }
}

#[tokio::test]
async fn a_carousel_publishes_its_finished_children_as_one_album() {
    for host in HOSTS {
        // Given an image item and a video item, processed
        let h = start().await;
        let me = account(&h, host).await;
        let item = [
            ("image_url", "https://cdn.example.invalid/1.jpg"),
            ("is_carousel_item", "true"),
        ];
        let image = me.create(&item).await.id();
        let video = me
            .create(&[
                ("media_type", "VIDEO"),
                ("video_url", "https://cdn.example.invalid/2.mp4"),
                ("is_carousel_item", "true"),
            ])
            .await
            .id();
        let children = format!("{image},{video}");
        let carousel = [("media_type", "CAROUSEL"), ("children", children.as_str())];
        // When the album is created before the video is processed, it is refused
        assert_eq!(
            me.create(&carousel).await.error(),
            (9007, Some(2207027)),
            "{host:?}"
        );
        assert_eq!(me.wait(&video).await.0, "FINISHED");
        let album = me.create(&carousel).await.id();
        // Then it publishes as one CAROUSEL_ALBUM with both children
        let media = me.publish(&album).await.id();
        let read = me
            .get(&media, &[("fields", "media_type,children,permalink")])
            .await;
        assert_eq!(read.body["media_type"], "CAROUSEL_ALBUM");
        assert_eq!(read.body["children"]["data"].as_array().unwrap().len(), 2);
        assert_eq!(me.limit().await["quota_usage"], 1);
    }
}

#[tokio::test]
async fn a_carousel_needs_two_to_ten_items() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let item = [
            ("image_url", "https://cdn.example.invalid/1.jpg"),
            ("is_carousel_item", "true"),
        ];
        let one = me.create(&item).await.id();
        let alone = me
            .create(&[("media_type", "CAROUSEL"), ("children", &one)])
            .await;
        assert_eq!(alone.error(), (100, Some(2207028)), "{host:?}");
        let many = [one.as_str(); 11].join(",");
        let too_many = me
            .create(&[("media_type", "CAROUSEL"), ("children", &many)])
            .await;
        assert_eq!(too_many.error(), (100, Some(2207028)));
        // An item is published with its album, never alone
        assert_eq!(me.publish(&one).await.error().0, 100);
    }
}

#[tokio::test]
async fn a_reel_is_in_progress_for_a_few_polls_then_finished() {
    for host in HOSTS {
        // Given a Reel container
        let h = start().await;
        let me = account(&h, host).await;
        let reel = me
            .create(&[
                ("media_type", "REELS"),
                ("video_url", "https://cdn.example.invalid/reel.mp4"),
                ("share_to_feed", "false"),
                ("thumb_offset", "1500"),
            ])
            .await
            .id();
        // When it is polled until it leaves IN_PROGRESS
        let (status, in_progress) = me.wait(&reel).await;
        // Then it answered IN_PROGRESS three times, then FINISHED, and publishes as a Reel
        assert_eq!((status.as_str(), in_progress), ("FINISHED", 3), "{host:?}");
        let media = me.publish(&reel).await.id();
        let fields = "media_type,media_product_type,permalink,is_shared_to_feed,thumbnail_url";
        let read = me.get(&media, &[("fields", fields)]).await;
        assert_eq!(read.body["media_type"], "VIDEO");
        assert_eq!(read.body["media_product_type"], "REELS");
        assert_eq!(read.body["is_shared_to_feed"], false);
        assert!(read.body["permalink"].as_str().unwrap().contains("/reel/"));
    }
}

#[tokio::test]
async fn publishing_before_the_video_is_ready_is_refused_with_9007_2207027() {
    for host in HOSTS {
        // Given a story video that was never polled
        let h = start().await;
        let me = account(&h, host).await;
        let story = me
            .create(&[
                ("media_type", "STORIES"),
                ("video_url", "https://cdn.example.invalid/s.mp4"),
            ])
            .await
            .id();
        // When it is published at once
        let early = me.publish(&story).await;
        // Then Meta's "not ready" comes back, nothing is published, and later it works
        assert_eq!(early.status, 400);
        assert_eq!(early.error(), (9007, Some(2207027)), "{host:?}");
        assert!(me.posts().await.is_empty());
        me.wait(&story).await;
        let media = me.publish(&story).await.id();
        let read = me.get(&media, &[("fields", "media_product_type")]).await;
        assert_eq!(read.body["media_product_type"], "STORY");
    }
}

#[tokio::test]
async fn a_container_is_published_once() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let container = me.image("https://cdn.example.invalid/a.jpg").await;
        let first = me.publish(&container).await.id();
        let again = me.publish(&container).await;
        assert_eq!(again.status, 400);
        assert_eq!(again.error().0, 100, "{host:?}");
        assert_eq!(me.posts().await, [first]);
        assert_eq!(me.limit().await["quota_usage"], 1);
    }
}

#[tokio::test]
async fn an_unpublished_container_expires_after_a_day_of_sandbox_time() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let container = me.image("https://cdn.example.invalid/a.jpg").await;
        h.sandbox.advance_clock(chrono::TimeDelta::hours(24));
        assert_eq!(me.status(&container).await, "EXPIRED", "{host:?}");
        assert_eq!(me.publish(&container).await.error(), (-2, Some(2207020)));
    }
}

#[tokio::test]
async fn the_quota_refuses_publishes_beyond_it_until_a_day_has_passed() {
    for host in HOSTS {
        // Given a sandbox allowing two publishes a day, both used
        let h = start_with(igconnect_sandbox::SandboxOptions {
            publishing_quota: 2,
            ..Default::default()
        })
        .await;
        let me = account(&h, host).await;
        for n in 0..2 {
            let c = me
                .image(&format!("https://cdn.example.invalid/{n}.jpg"))
                .await;
            me.publish(&c).await.id();
        }
        // When a third is published
        let third = me.image("https://cdn.example.invalid/3.jpg").await;
        let refused = me.publish(&third).await;
        // Then Meta's limit error comes back and the limit endpoint shows the numbers
        assert_eq!(refused.error(), (9, Some(2207042)), "{host:?}");
        let limit = me.limit().await;
        assert_eq!(limit["quota_usage"], 2);
        assert_eq!(limit["config"]["quota_total"], 2);
        assert_eq!(limit["config"]["quota_duration"], 86_400);
        // And a day later the window is empty again
        h.sandbox.advance_clock(chrono::TimeDelta::hours(24));
        assert_eq!(me.limit().await["quota_usage"], 0);
        let tomorrow = me.image("https://cdn.example.invalid/4.jpg").await;
        assert_eq!(me.publish(&tomorrow).await.status, 200);
    }
}

#[tokio::test]
async fn instagram_graph_takes_me_a_json_body_and_a_bearer_token() {
    let h = start().await;
    let me = account(&h, Host::Instagram).await;
    let res = h
        .browser
        .post(h.url("instagram-graph/v24.0/me/media"))
        .bearer_auth(&me.token)
        .json(&serde_json::json!({"image_url": "https://cdn.example.invalid/a.jpg", "alt_text": "A loaf"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me.status(body["id"].as_str().unwrap()).await, "FINISHED");
}
