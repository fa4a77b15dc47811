//! The ways publishing fails in the sandbox, on both Graph hosts: every failure a media URL
//! can inject (docs/sandbox.md, "Error injection"), tokens of another account, missing
//! permissions, and the injected latency.

mod support;

use igconnect_sandbox::SandboxOptions;
use std::time::{Duration, Instant};
use support::publishing::{HOSTS, Host, account, other_account};
use support::{SUNRISE_PAGE, start, start_with};

#[tokio::test]
async fn each_creation_marker_answers_its_meta_error() {
    // (the URL, with its marker, and the code and subcode Meta answers)
    let images = [
        (
            "https://cdn.example.invalid/fail-fetch.jpg",
            9004,
            Some(2207052),
        ),
        (
            "https://cdn.example.invalid/fail-aspect.jpg",
            36003,
            Some(2207009),
        ),
        (
            "https://cdn.example.invalid/fail-size.jpg",
            36000,
            Some(2207004),
        ),
        (
            "https://cdn.example.invalid/fail-format.jpg",
            36001,
            Some(2207005),
        ),
        ("https://cdn.example.invalid/fail-token.jpg", 190, Some(460)),
    ];
    let reels = [
        (
            "https://cdn.example.invalid/fail-format.mp4",
            352,
            Some(2207026),
        ),
        ("https://cdn.example.invalid/fail-rate.mp4", 4, None),
    ];
    let cases = images
        .map(|(url, code, sub)| ("IMAGE", "image_url", url, (code, sub)))
        .into_iter()
        .chain(reels.map(|(url, code, sub)| ("REELS", "video_url", url, (code, sub))));
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        for (media_type, field, url, expected) in cases.clone() {
            let answer = me.create(&[("media_type", media_type), (field, url)]).await;
            assert_eq!(answer.status, 400, "{host:?} {url}");
            assert_eq!(answer.error(), expected, "{host:?} {url}");
            assert!(answer.body["error"]["fbtrace_id"].is_string());
        }
        assert!(me.posts().await.is_empty());
    }
}

#[tokio::test]
async fn a_throttled_call_carries_usage_headers_at_one_hundred_percent() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let answer = me
            .create(&[("image_url", "https://cdn.example.invalid/fail-rate.jpg")])
            .await;
        assert_eq!(answer.body["error"]["is_transient"], true, "{host:?}");
        let usage = |name: &str| -> serde_json::Value {
            serde_json::from_str(answer.headers[name].to_str().unwrap()).unwrap()
        };
        assert_eq!(usage("x-app-usage")["call_count"], 100);
        assert_eq!(
            usage("x-business-use-case-usage")[&me.id][0]["call_count"],
            100
        );
    }
}

#[tokio::test]
async fn fail_processing_ends_a_video_container_in_error() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let url = "https://cdn.example.invalid/fail-processing.mp4";
        let reel = me
            .create(&[("media_type", "REELS"), ("video_url", url)])
            .await
            .id();
        let (status, in_progress) = me.wait(&reel).await;
        assert_eq!((status.as_str(), in_progress), ("ERROR", 3), "{host:?}");
        let read = me.get(&reel, &[("fields", "status")]).await;
        assert!(read.body["status"].as_str().unwrap().contains("2207053"));
        assert_eq!(me.publish(&reel).await.error(), (9007, Some(2207027)));
    }
}

#[tokio::test]
async fn publish_timeout_publishes_but_answers_a_server_error() {
    for host in HOSTS {
        // Given a container whose publish will time out
        let h = start().await;
        let me = account(&h, host).await;
        let container = me
            .image("https://cdn.example.invalid/publish-timeout.jpg")
            .await;
        // When it is published
        let answer = me.publish(&container).await;
        // Then the caller sees a transient 5xx, yet the post is live and counted
        assert_eq!(answer.status, 500, "{host:?}");
        assert_eq!(answer.body["error"]["is_transient"], true);
        assert_eq!(me.status(&container).await, "PUBLISHED");
        assert_eq!(me.posts().await.len(), 1);
        assert_eq!(me.limit().await["quota_usage"], 1);
        // And a blind retry is refused rather than posting twice
        assert_eq!(me.publish(&container).await.status, 400);
    }
}

#[tokio::test]
async fn publish_fails_answers_a_server_error_and_publishes_nothing() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let container = me
            .image("https://cdn.example.invalid/publish-fails.jpg")
            .await;
        let answer = me.publish(&container).await;
        assert_eq!(answer.status, 500, "{host:?}");
        assert_eq!(answer.error().0, 2);
        assert_eq!(me.status(&container).await, "FINISHED");
        assert!(me.posts().await.is_empty());
        assert_eq!(me.limit().await["quota_usage"], 0);
    }
}

#[tokio::test]
async fn a_publish_marker_on_a_carousel_item_applies_to_the_album() {
    for host in HOSTS {
        let h = start().await;
        let me = account(&h, host).await;
        let mut items = Vec::new();
        for url in [
            "https://cdn.example.invalid/1.jpg",
            "https://cdn.example.invalid/publish-fails.jpg",
        ] {
            let item = [("image_url", url), ("is_carousel_item", "true")];
            items.push(me.create(&item).await.id());
        }
        let children = items.join(",");
        let album = me
            .create(&[("media_type", "CAROUSEL"), ("children", &children)])
            .await
            .id();
        assert_eq!(me.publish(&album).await.status, 500, "{host:?}");
        assert!(me.posts().await.is_empty());
    }
}

#[tokio::test]
async fn another_accounts_token_cannot_publish_or_read_this_accounts_container() {
    for host in HOSTS {
        // Given a finished container of one account, and a token of another
        let h = start().await;
        let me = account(&h, host).await;
        let other = other_account(&h, host).await;
        let container = me.image("https://cdn.example.invalid/a.jpg").await;
        // When the other token publishes it on this account's path
        let on_my_path = other
            .post(
                &format!("{}/media_publish", me.id),
                &[("creation_id", &container)],
            )
            .await;
        // Then this account is not visible to it
        assert_eq!(on_my_path.error(), (100, Some(33)), "{host:?}");
        // When it names the container on its own account's path
        let on_its_path = other.publish(&container).await;
        // Then the container is not found there
        assert_eq!(on_its_path.error(), (24, Some(2207006)), "{host:?}");
        // And it cannot read the container either; the owner still can publish it
        assert_eq!(
            other
                .get(&container, &[("fields", "status_code")])
                .await
                .error(),
            (100, Some(33))
        );
        assert_eq!(me.publish(&container).await.status, 200);
    }
}

#[tokio::test]
async fn a_token_without_the_publish_permission_gets_code_10() {
    // Given a Facebook login that declined instagram_content_publish
    let h = start().await;
    let scopes = [
        "instagram_basic",
        "pages_show_list",
        "pages_read_engagement",
    ];
    let code = h.facebook_code(&scopes, &[SUNRISE_PAGE]).await;
    let token = {
        use igconnect::ports::FacebookGraph;
        use secrecy::ExposeSecret;
        let t = h.client.facebook_exchange_code(&code).await.unwrap().token;
        t.expose_secret().to_owned()
    };
    // When it creates a container
    let res = h
        .browser
        .post(h.url("facebook-graph/v24.0/17841400000000101/media"))
        .query(&[
            ("image_url", "https://cdn.example.invalid/a.jpg"),
            ("access_token", &token),
        ])
        .send()
        .await
        .unwrap();
    // Then Meta's permission error comes back
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], 10);
}

#[tokio::test]
async fn a_token_of_the_other_host_is_refused_with_190() {
    let h = start().await;
    let ig = account(&h, Host::Instagram).await;
    let res = h
        .browser
        .post(h.url("facebook-graph/v24.0/17841400000000101/media"))
        .query(&[
            ("image_url", "https://cdn.example.invalid/a.jpg"),
            ("access_token", &ig.token),
        ])
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], 190);
}

#[tokio::test]
async fn the_configured_latency_delays_every_graph_call() {
    // Given a sandbox that answers Graph calls after 250 ms
    let latency = Duration::from_millis(250);
    let h = start_with(SandboxOptions {
        latency,
        ..SandboxOptions::default()
    })
    .await;
    for host in HOSTS {
        let me = account(&h, host).await;
        // When one Graph call is timed
        let started = Instant::now();
        let limit = me.limit().await;
        // Then it took at least the latency
        assert!(
            started.elapsed() >= latency,
            "{host:?} {:?}",
            started.elapsed()
        );
        assert_eq!(limit["quota_usage"], 0);
    }
}
