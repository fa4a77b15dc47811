//! Publishing over HTTP, as a scheduler app drives it: every type of post goes out within
//! the request on both login paths, and the account's history reads back page by page.
//! Each scenario runs on SQLite and on DynamoDB + KMS (moto).

#[macro_use]
mod common;

use common::WORKER_OFF;
use igconnect_blackbox::Server;
use serde_json::{Value, json};

const PIXEL_CAFE: &str = "17841400000000201";
const NOVA_CREATES: &str = "17841400000000202";
const SUNRISE_BAKERY: &str = "17841400000000101";
const HARBOR_STUDIO: &str = "17841400000000102";

/// The worker off, and a video processed after one status read (so the request's wait sees
/// it finished, a second later).
const QUICK_VIDEOS: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_SANDBOX_VIDEO_POLLS", "1"),
];

on_both_runtimes! {
    every_type_of_post_is_published_within_the_request(QUICK_VIDEOS);
    a_facebook_login_account_publishes_through_the_facebook_graph(QUICK_VIDEOS);
    an_accounts_posts_read_back_newest_first_page_by_page(WORKER_OFF);
}

fn image(url: &str) -> Value {
    json!({"url": url, "kind": "image"})
}

fn video(url: &str) -> Value {
    json!({"url": url, "kind": "video"})
}

/// One post of every type, with the options each type takes: (type, body).
fn one_of_each_type() -> Vec<(&'static str, Value)> {
    vec![
        (
            "image",
            json!({
                "type": "image",
                "media": [{
                    "url": "https://cdn.example/bread.jpg", "kind": "image", "alt_text": "A loaf",
                    "user_tags": [{"username": "nova.creates", "x": 0.5, "y": 0.4}]
                }],
                "caption": "Fresh out of the oven #sourdough @nova.creates",
                "options": {"location_id": "213385402", "collaborators": ["nova.creates"]}
            }),
        ),
        (
            "carousel",
            json!({
                "type": "carousel",
                "media": [image("https://cdn.example/1.jpg"), video("https://cdn.example/2.mp4")],
                "caption": "Spring menu"
            }),
        ),
        (
            "reel",
            json!({
                "type": "reel",
                "media": [video("https://cdn.example/kneading.mp4")],
                "caption": "Kneading at dawn",
                "options": {
                    "share_to_feed": false,
                    "cover_url": "https://cdn.example/cover.jpg",
                    "thumb_offset": 1500
                }
            }),
        ),
        (
            "story",
            json!({"type": "story", "media": [image("https://cdn.example/today.jpg")]}),
        ),
        (
            "story",
            json!({"type": "story", "media": [video("https://cdn.example/today.mp4")]}),
        ),
    ]
}

/// Given an owner with an Instagram Login account, when she publishes an image, a carousel
/// (image and video), a reel with its options and a story of each kind, then each answers
/// 201 `published` with Meta's media id and a permalink, and the sandbox holds exactly those
/// posts, as what they are.
async fn every_type_of_post_is_published_within_the_request(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;

    let mut media_ids = Vec::new();
    for (i, (kind, body)) in one_of_each_type().into_iter().enumerate() {
        let answer = server
            .publish(&alice, &account, Some(&format!("type-{i}")), &body)
            .await;

        assert_eq!(answer.status, 201, "{kind}: {answer:?}");
        let post = &answer.body;
        assert_eq!(post["status"], "published", "{kind}");
        assert_eq!(post["type"], kind);
        assert_eq!(post["account_id"], account.as_str());
        for (shown, sent) in post["media"]
            .as_array()
            .expect("media")
            .iter()
            .zip(body["media"].as_array().expect("media"))
        {
            assert_eq!(
                (&shown["url"], &shown["kind"]),
                (&sent["url"], &sent["kind"])
            );
        }
        let media_id = post["media_id"].as_str().expect("a media id").to_owned();
        let permalink = post["permalink"].as_str().expect("a permalink");
        let path = match kind {
            "reel" => "/reel/",
            "story" => "/stories/pixel.cafe/",
            _ => "/p/",
        };
        assert!(permalink.contains(path), "{kind}: {permalink}");
        assert_eq!(
            answer.location.as_deref(),
            Some(format!("/v1/accounts/{account}/posts/{}", answer.post_id()).as_str())
        );
        media_ids.push(media_id);
    }

    let published = server.sandbox_media().await;
    let seen: Vec<(&str, &str, &str, &str)> = published
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap_or_default(),
                m["owner"].as_str().unwrap_or_default(),
                m["media_type"].as_str().unwrap_or_default(),
                m["media_product_type"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (media_ids[0].as_str(), PIXEL_CAFE, "IMAGE", "FEED"),
            (media_ids[1].as_str(), PIXEL_CAFE, "CAROUSEL_ALBUM", "FEED"),
            (media_ids[2].as_str(), PIXEL_CAFE, "VIDEO", "REELS"),
            (media_ids[3].as_str(), PIXEL_CAFE, "IMAGE", "STORY"),
            (media_ids[4].as_str(), PIXEL_CAFE, "VIDEO", "STORY"),
        ]
    );
    assert_eq!(
        published[0]["caption"],
        "Fresh out of the oven #sourdough @nova.creates"
    );
    assert_eq!(published[1]["children"], 2, "the carousel holds both items");
    assert_eq!(
        published[2]["is_shared_to_feed"], false,
        "share_to_feed reached Meta"
    );
    assert_eq!(published[3]["caption"], Value::Null, "stories have none");
}

/// Given an admin who connected the company's Facebook Pages, when she publishes an image
/// on one Page's Instagram account and a reel on the other's, then both go out through the
/// Facebook Graph, each on its own account.
async fn a_facebook_login_account_publishes_through_the_facebook_graph(server: Server) {
    let alice = server.token("acme", "alice", "admin");
    server.connect_facebook(&alice, "company").await;
    let sunrise = server.account_id(&alice, SUNRISE_BAKERY).await;
    let harbor = server.account_id(&alice, HARBOR_STUDIO).await;

    let bread = server
        .publish(
            &alice,
            &sunrise,
            Some("bread"),
            &json!({"type": "image", "media": [image("https://cdn.example/bread.jpg")],
                    "caption": "Morning bake"}),
        )
        .await;
    let waves = server
        .publish(
            &alice,
            &harbor,
            Some("waves"),
            &json!({"type": "reel", "media": [video("https://cdn.example/waves.mp4")],
                    "caption": "Harbor at dusk"}),
        )
        .await;

    assert_eq!(
        (bread.status, &bread.body["status"]),
        (201, &json!("published"))
    );
    assert_eq!(
        (waves.status, &waves.body["status"]),
        (201, &json!("published"))
    );
    let on_sunrise = server.sandbox_media_of(SUNRISE_BAKERY).await;
    let on_harbor = server.sandbox_media_of(HARBOR_STUDIO).await;
    assert_eq!(on_sunrise.len(), 1);
    assert_eq!(on_sunrise[0]["id"], bread.body["media_id"]);
    assert_eq!(on_sunrise[0]["caption"], "Morning bake");
    assert_eq!(on_harbor.len(), 1);
    assert_eq!(on_harbor[0]["id"], waves.body["media_id"]);
    assert_eq!(on_harbor[0]["media_product_type"], "REELS");
}

/// Given three posts on an account (and one on another), when the owner lists them two at a
/// time, then they come newest first over two pages; one reads back by id, and an unknown
/// id, or another account's post, is 404 `post_not_found`.
async fn an_accounts_posts_read_back_newest_first_page_by_page(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let other = server.connect_instagram(&alice, NOVA_CREATES, "user").await;
    let mut ids = Vec::new();
    for caption in ["first", "second", "third"] {
        let body = json!({"type": "image", "media": [image("https://cdn.example/a.jpg")],
                          "caption": caption});
        let answer = server.publish(&alice, &account, Some(caption), &body).await;
        assert_eq!(answer.status, 201, "{answer:?}");
        ids.push(answer.post_id());
    }
    let elsewhere = server
        .publish(
            &alice,
            &other,
            Some("first"),
            &json!({"type": "image", "media": [image("https://cdn.example/b.jpg")]}),
        )
        .await
        .post_id();

    let posts = format!("/v1/accounts/{account}/posts");
    let page1 = server
        .request("GET", &format!("{posts}?limit=2"), &alice, None)
        .await;
    assert_eq!(page1.status, 200, "{page1:?}");
    let cursor = page1.body["next_cursor"].as_str().expect("a next page");
    let page2 = server
        .request(
            "GET",
            &format!("{posts}?limit=2&cursor={cursor}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(page2.status, 200, "{page2:?}");
    let captions = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|p| p["caption"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(captions(&page1.body), ["third", "second"]);
    assert_eq!(captions(&page2.body), ["first"]);
    assert_eq!(page2.body["next_cursor"], Value::Null);

    let one = server.get_post(&alice, &account, &ids[1]).await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["id"], ids[1].as_str());
    assert_eq!(one.body["caption"], "second");
    assert_eq!(one.body["status"], "published");
    assert_eq!(
        one.body, page1.body["data"][1],
        "the list shows the same post"
    );

    for unknown in [
        "01900000-0000-7000-8000-000000000000",
        "not-a-post-id",
        elsewhere.as_str(),
    ] {
        let missing = server.get_post(&alice, &account, unknown).await;
        assert_eq!(
            (missing.status, missing.problem_code()),
            (404, "post_not_found"),
            "{unknown}"
        );
    }
}
