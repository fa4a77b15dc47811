//! What a publish request must be to reach Meta: every rule checked up front with its own
//! code, one post per idempotency key however often (or however concurrently) it is sent,
//! and Meta's daily publishing limit. On SQLite and on DynamoDB + KMS (moto).

#[macro_use]
mod common;

use common::WORKER_OFF;
use igconnect_blackbox::Server;
use serde_json::{Value, json};

const PIXEL_CAFE: &str = "17841400000000201";

/// The worker off and a publishing quota of two posts a day.
const QUOTA_OF_TWO: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_SANDBOX_PUBLISHING_QUOTA", "2"),
];

on_both_runtimes! {
    every_invalid_request_is_refused_with_its_code_before_meta_is_called(WORKER_OFF);
    a_retried_request_answers_the_same_post_and_publishes_it_once(WORKER_OFF);
    a_key_reused_for_another_post_is_refused(WORKER_OFF);
    concurrent_requests_with_one_key_make_one_post(WORKER_OFF);
    a_post_beyond_the_publishing_limit_fails_with_429(QUOTA_OF_TWO);
}

fn image_post(caption: &str) -> Value {
    json!({"type": "image", "media": [{"url": "https://cdn.example/a.jpg", "kind": "image"}],
           "caption": caption})
}

/// `count` items of `f(i)`.
fn many<T>(count: usize, f: impl Fn(usize) -> T) -> Vec<T> {
    (0..count).map(f).collect()
}

/// (code, idempotency key, body): one request breaking exactly one rule.
fn invalid_requests() -> Vec<(&'static str, Option<String>, Value)> {
    let img = |url: &str| json!({"url": url, "kind": "image"});
    let vid = |url: &str| json!({"url": url, "kind": "video"});
    let a = "https://cdn.example/a.jpg";
    let key = |code: &str| Some(code.to_owned());
    let body = |code: &'static str, body: Value| (code, key(code), body);
    vec![
        ("idempotency_key_missing", None, image_post("no key")),
        (
            "idempotency_key_invalid",
            Some("two words".to_owned()),
            image_post("a key with a space"),
        ),
        (
            "idempotency_key_invalid",
            Some("k".repeat(256)),
            image_post("a key too long"),
        ),
        body(
            "unknown_post_type",
            json!({"type": "video", "media": [vid(a)]}),
        ),
        body("empty_media", json!({"type": "image", "media": []})),
        body(
            "invalid_media_count",
            json!({"type": "image", "media": [img(a), img(a)]}),
        ),
        body(
            "invalid_media_count",
            json!({"type": "carousel", "media": [img(a)]}),
        ),
        body(
            "unknown_media_kind",
            json!({"type": "image", "media": [{"url": a, "kind": "gif"}]}),
        ),
        body(
            "reel_in_carousel",
            json!({"type": "carousel", "media": [img(a), {"url": a, "kind": "reel"}]}),
        ),
        body(
            "reel_needs_video",
            json!({"type": "reel", "media": [img(a)]}),
        ),
        body(
            "image_post_needs_image",
            json!({"type": "image", "media": [vid("https://cdn.example/a.mp4")]}),
        ),
        body(
            "invalid_media_url",
            json!({"type": "image", "media": [img("cdn.example/a.jpg")]}),
        ),
        body(
            "invalid_media_url",
            json!({"type": "image", "media": [img("https://user:pw@cdn.example/a.jpg")]}),
        ),
        body(
            "media_url_not_https",
            json!({"type": "image", "media": [img("http://cdn.example/a.jpg")]}),
        ),
        body(
            "alt_text_not_allowed",
            json!({"type": "story", "media": [{"url": a, "kind": "image", "alt_text": "A loaf"}]}),
        ),
        body(
            "alt_text_too_long",
            json!({"type": "image",
                   "media": [{"url": a, "kind": "image", "alt_text": "x".repeat(1001)}]}),
        ),
        body(
            "too_many_user_tags",
            json!({"type": "image", "media": [{"url": a, "kind": "image",
                   "user_tags": many(21, |i| json!({"username": format!("user{i}"), "x": 0.5, "y": 0.5}))}]}),
        ),
        body(
            "invalid_user_tag",
            json!({"type": "image", "media": [{"url": a, "kind": "image",
                   "user_tags": [{"username": "not a handle!", "x": 0.5, "y": 0.5}]}]}),
        ),
        body(
            "invalid_user_tag",
            json!({"type": "image", "media": [{"url": a, "kind": "image",
                   "user_tags": [{"username": "nova.creates", "x": 1.5, "y": 0.5}]}]}),
        ),
        body("caption_too_long", image_post(&"x".repeat(2201))),
        body(
            "too_many_hashtags",
            image_post(&many(31, |i| format!("#tag{i}")).join(" ")),
        ),
        body(
            "too_many_mentions",
            image_post(&many(21, |i| format!("@user{i}")).join(" ")),
        ),
        body(
            "option_not_allowed",
            json!({"type": "image", "media": [img(a)], "options": {"share_to_feed": true}}),
        ),
        body(
            "option_not_allowed",
            json!({"type": "story", "media": [img(a)], "caption": "stories take none"}),
        ),
        body(
            "too_many_collaborators",
            json!({"type": "image", "media": [img(a)],
                   "options": {"collaborators": ["ann", "bob", "cat", "dan"]}}),
        ),
        body(
            "invalid_collaborator",
            json!({"type": "image", "media": [img(a)],
                   "options": {"collaborators": ["not a handle!"]}}),
        ),
        body(
            "invalid_location_id",
            json!({"type": "image", "media": [img(a)], "options": {"location_id": "paris"}}),
        ),
        body(
            "publish_at_in_past",
            json!({"type": "image", "media": [img(a)], "publish_at": "2020-01-01T09:00:00Z"}),
        ),
    ]
}

/// The codes README's Publishing section lists as checked before Meta is called, sorted.
fn codes_in_the_readme() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("**Checked before Meta is called**")
        .expect("README lists the checked rules");
    let section = &readme[start..];
    let end = section[2..].find("\n- **").map_or(section.len(), |i| i + 2);
    let mut codes: Vec<String> = section[..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    codes.sort_unstable();
    codes
}

/// Given an owner's account, when she sends requests that each break one rule, then each
/// is a 400 problem with that rule's code, no post is kept and Meta is never called; the
/// same valid request afterwards is published, alone.
async fn every_invalid_request_is_refused_with_its_code_before_meta_is_called(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let cases = invalid_requests();
    let mut covered: Vec<&str> = cases.iter().map(|(code, ..)| *code).collect();
    covered.sort_unstable();
    covered.dedup();
    assert_eq!(
        covered,
        codes_in_the_readme(),
        "one case per documented code"
    );

    for (code, key, body) in cases {
        let answer = server
            .publish(&alice, &account, key.as_deref(), &body)
            .await;
        assert_eq!(
            (answer.status, answer.problem_code()),
            (400, code),
            "{body}: {answer:?}"
        );
        assert!(answer.body["detail"].is_string(), "{answer:?}");
    }

    assert!(server.sandbox_media().await.is_empty(), "nothing published");
    let posts = server
        .request(
            "GET",
            &format!("/v1/accounts/{account}/posts"),
            &alice,
            None,
        )
        .await;
    assert_eq!(posts.body["data"], json!([]), "no post kept");
    let valid = server
        .publish(&alice, &account, Some("valid"), &image_post("valid"))
        .await;
    assert_eq!(valid.status, 201, "{valid:?}");
    let published = server.sandbox_media().await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["caption"], "valid");
}

/// Given a published post, when the client sends the same request again under the same
/// key (its JSON spelt differently), then it gets the same post back and nothing more is
/// published.
async fn a_retried_request_answers_the_same_post_and_publishes_it_once(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let first = server
        .publish(&alice, &account, Some("launch-1"), &image_post("Launch"))
        .await;
    assert_eq!(first.status, 201, "{first:?}");

    let respelt = json!({"caption": "Launch", "media": [{"kind": "image", "url": "https://cdn.example/a.jpg"}],
                         "type": "image"});
    let again = server
        .publish(&alice, &account, Some("launch-1"), &respelt)
        .await;

    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.post_id(), first.post_id());
    assert_eq!(again.body["media_id"], first.body["media_id"]);
    assert_eq!(server.sandbox_media().await.len(), 1, "published once");
    let posts = server
        .request(
            "GET",
            &format!("/v1/accounts/{account}/posts"),
            &alice,
            None,
        )
        .await;
    assert_eq!(posts.body["data"].as_array().map(Vec::len), Some(1));
}

/// Given a post made under a key, when another post is sent under the same key, then it is
/// 409 `idempotency_key_reused` and only the first post exists.
async fn a_key_reused_for_another_post_is_refused(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let first = server
        .publish(&alice, &account, Some("monday"), &image_post("Monday"))
        .await;
    assert_eq!(first.status, 201, "{first:?}");

    let other = server
        .publish(&alice, &account, Some("monday"), &image_post("Tuesday"))
        .await;

    assert_eq!(
        (other.status, other.problem_code()),
        (409, "idempotency_key_reused")
    );
    let published = server.sandbox_media().await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["caption"], "Monday");
}

/// Given an account, when eight requests with one key and one body arrive at once, then all
/// eight answer the same published post and Meta published it once.
async fn concurrent_requests_with_one_key_make_one_post(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let url = server.url(&format!("/v1/accounts/{account}/posts"));

    let requests: Vec<_> = (0..8)
        .map(|_| {
            let req = server
                .http
                .post(url.clone())
                .bearer_auth(&alice)
                .header("idempotency-key", "burst")
                .json(&image_post("Burst"));
            tokio::spawn(async move {
                let res = req.send().await.expect("the server answers");
                let status = res.status().as_u16();
                (status, res.json::<Value>().await.expect("json"))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for r in requests {
        answers.push(r.await.expect("the request task"));
    }

    let first_id = &answers[0].1["id"];
    assert!(first_id.is_string(), "{answers:?}");
    for (status, post) in &answers {
        assert_eq!(*status, 201, "{post}");
        assert_eq!(&post["id"], first_id, "one post for one key");
        assert_eq!(post["status"], "published");
    }
    let published = server.sandbox_media().await;
    assert_eq!(published.len(), 1, "published once: {published:?}");
    assert_eq!(published[0]["id"], answers[0].1["media_id"]);
    let posts = server
        .request(
            "GET",
            &format!("/v1/accounts/{account}/posts"),
            &alice,
            None,
        )
        .await;
    assert_eq!(posts.body["data"].as_array().map(Vec::len), Some(1));
}

/// Given an account whose daily quota (two) is used up by two posts, when a third is sent,
/// then it is a 429 problem `publishing_limit_reached` carrying the failed post, and Meta
/// published no more than the quota.
async fn a_post_beyond_the_publishing_limit_fails_with_429(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    for n in ["one", "two"] {
        let ok = server
            .publish(&alice, &account, Some(n), &image_post(n))
            .await;
        assert_eq!(ok.status, 201, "{ok:?}");
    }

    let third = server
        .publish(&alice, &account, Some("three"), &image_post("three"))
        .await;

    assert_eq!(
        (third.status, third.problem_code()),
        (429, "publishing_limit_reached"),
        "{third:?}"
    );
    let post = &third.body["post"];
    assert_eq!(post["status"], "failed");
    assert_eq!(post["failure"]["code"], "publishing_limit_reached");
    assert_eq!(
        server.post_status(&alice, &account, &third.post_id()).await,
        "failed"
    );
    let captions: Vec<Value> = server
        .sandbox_media()
        .await
        .iter()
        .map(|m| m["caption"].clone())
        .collect();
    assert_eq!(captions, [json!("one"), json!("two")]);
}
