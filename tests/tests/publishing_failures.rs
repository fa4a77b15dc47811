//! When Meta refuses or fails: each refusal becomes a failed post with our own code (never
//! Meta's words or numbers), a refused token marks the account for reconnection, throttling
//! is retried with back-off, and a lost `media_publish` answer is resolved without ever
//! publishing twice. Failures are injected by markers in the media URL (docs/sandbox.md).
//! On SQLite and on DynamoDB + KMS (moto).

#[macro_use]
mod common;

use common::{WORKER_OFF, in_seconds};
use igconnect_blackbox::{Answer, Server};
use serde_json::{Value, json};

const PIXEL_CAFE: &str = "17841400000000201";

/// The worker off, and a video processed after one status read.
const QUICK_VIDEOS: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_SANDBOX_VIDEO_POLLS", "1"),
];

on_both_runtimes! {
    each_refusal_of_meta_fails_the_post_with_our_own_code(QUICK_VIDEOS);
    a_refused_token_fails_the_post_and_the_account_needs_reauth(WORKER_OFF);
    a_throttled_post_stays_processing_and_the_worker_retries_it_with_back_off(WORKER_OFF);
    a_lost_answer_of_a_publish_that_went_through_ends_published_once(WORKER_OFF);
    a_lost_answer_of_a_publish_that_did_not_go_through_ends_unconfirmed_for_good(WORKER_OFF);
}

fn image_at(url: &str, caption: &str) -> Value {
    json!({"type": "image", "media": [{"url": url, "kind": "image"}], "caption": caption})
}

fn reel_at(url: &str, caption: &str) -> Value {
    json!({"type": "reel", "media": [{"url": url, "kind": "video"}], "caption": caption})
}

/// What Meta's errors say, none of which may reach a client.
const META_WORDING: &[&str] = &[
    "fbtrace",
    "OAuthException",
    "error_subcode",
    "is_transient",
    "(#",
    "could not be fetched from this uri",
    "The aspect ratio is not supported",
    "The image size is too large",
    "format is not supported",
    "Media upload has failed",
    "Error validating access token",
    "Application request limit reached",
    "An unexpected error has occurred",
    "2207",
];

/// The answer is a problem with `code` (ours), carrying the failed post, in our words only.
fn assert_failed_with(answer: &Answer, status: u16, code: &str) {
    assert_eq!(
        (answer.status, answer.problem_code()),
        (status, code),
        "{answer:?}"
    );
    let post = &answer.body["post"];
    assert_eq!(post["status"], "failed", "{answer:?}");
    assert_eq!(post["failure"]["code"], code);
    assert!(post["failure"]["message"].is_string());
    let text = answer.body.to_string();
    for meta in META_WORDING {
        assert!(
            !text.contains(meta),
            "Meta's {meta:?} reached the client: {text}"
        );
    }
}

/// Given an account, when posts meet each refusal Meta answers about media (cannot fetch,
/// aspect ratio, size, image and video format, processing failed), then each is a 422
/// problem with our code and the failed post, reads back failed, is in the audit trail as
/// `post.failed`, and nothing was published.
async fn each_refusal_of_meta_fails_the_post_with_our_own_code(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let cases = [
        (
            image_at("https://cdn.example/fail-fetch/a.jpg", "fetch"),
            "media_fetch_failed",
        ),
        (
            image_at("https://cdn.example/a-fail-aspect.jpg", "aspect"),
            "unsupported_aspect_ratio",
        ),
        (
            image_at("https://cdn.example/a.jpg?v=fail-size", "size"),
            "image_too_large",
        ),
        (
            image_at("https://cdn.example/fail-format.heic", "image format"),
            "unsupported_image_format",
        ),
        (
            reel_at("https://cdn.example/fail-format.avi", "video format"),
            "unsupported_video_format",
        ),
        (
            image_at(
                "https://cdn.example/fail-processing.jpg",
                "image processing",
            ),
            "media_processing_failed",
        ),
        (
            reel_at(
                "https://cdn.example/fail-processing.mp4",
                "video processing",
            ),
            "media_processing_failed",
        ),
    ];

    let mut failed = Vec::new();
    for (i, (body, code)) in cases.iter().enumerate() {
        let answer = server
            .publish(&alice, &account, Some(&format!("refused-{i}")), body)
            .await;
        assert_failed_with(&answer, 422, code);
        let id = answer.post_id();
        let read = server.get_post(&alice, &account, &id).await;
        assert_eq!(read.body["status"], "failed");
        assert_eq!(read.body["failure"]["code"], *code);
        failed.push((id, *code));
    }

    assert!(server.sandbox_media().await.is_empty(), "nothing published");
    let audit = server.request("GET", "/v1/audit", &alice, None).await;
    let mut audited: Vec<(String, String)> = audit.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|e| e["action"] == "post.failed")
        .map(|e| {
            (
                e["post_id"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    audited.reverse();
    let expected: Vec<(String, String)> = failed
        .into_iter()
        .map(|(id, code)| (id, code.to_owned()))
        .collect();
    assert_eq!(audited, expected, "one post.failed per post, oldest last");
}

/// Given an account whose token Meta refuses, when a post is sent, then it is a 409
/// problem `token_invalid`, the account is listed as `needs_reauth`, and the next post is
/// refused the same way without being published.
async fn a_refused_token_fails_the_post_and_the_account_needs_reauth(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let before = server.accounts(&alice, "").await;
    assert_eq!(before["data"][0]["status"], "active", "{before}");

    let answer = server
        .publish(
            &alice,
            &account,
            Some("t1"),
            &image_at("https://cdn.example/fail-token.jpg", "token"),
        )
        .await;

    assert_failed_with(&answer, 409, "token_invalid");
    let after = server.accounts(&alice, "").await;
    assert_eq!(after["data"][0]["id"], account.as_str());
    assert_eq!(after["data"][0]["status"], "needs_reauth", "{after}");
    let next = server
        .publish(
            &alice,
            &account,
            Some("t2"),
            &image_at("https://cdn.example/fine.jpg", "fine"),
        )
        .await;
    assert_failed_with(&next, 409, "token_invalid");
    assert!(server.sandbox_media().await.is_empty());
}

/// Given Meta throttling the account, when a post is sent, then it is not failed but 202
/// `processing`; a worker pass before Meta's estimated time to regain access leaves it
/// alone, later passes retry it, and after the allowed attempts it fails `rate_limited`,
/// never published.
async fn a_throttled_post_stays_processing_and_the_worker_retries_it_with_back_off(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;

    let answer = server
        .publish(
            &alice,
            &account,
            Some("busy"),
            &image_at("https://cdn.example/fail-rate.jpg", "busy"),
        )
        .await;

    assert_eq!(
        (answer.status, &answer.body["status"]),
        (202, &json!("processing")),
        "{answer:?}"
    );
    let id = answer.post_id();
    let early = server.worker_pass(&in_seconds(60)).await;
    assert_eq!(
        early.count("taken"),
        0,
        "Meta asked for 5 minutes: {early:?}"
    );
    let retried = server.worker_pass(&in_seconds(6 * 60)).await;
    assert_eq!(
        (retried.count("taken"), retried.count("waiting")),
        (1, 1),
        "{retried:?}"
    );
    assert_eq!(
        server.post_status(&alice, &account, &id).await,
        "processing"
    );

    let mut passes = 1;
    while server.post_status(&alice, &account, &id).await == "processing" {
        passes += 1;
        assert!(passes <= 10, "the retries never end");
        server.worker_pass(&in_seconds(passes * 6 * 60)).await;
    }
    let post = server.get_post(&alice, &account, &id).await;
    assert_eq!(post.body["status"], "failed");
    assert_eq!(post.body["failure"]["code"], "rate_limited");
    assert!(passes > 2, "retried more than once before giving up");
    assert!(server.sandbox_media().await.is_empty());
}

/// Given Meta publishing but losing its answer (a 5xx), when the post is sent, then the
/// container's status shows it went out: the post is `published` with the media Meta made,
/// and exactly that one media exists, even after a later worker pass.
async fn a_lost_answer_of_a_publish_that_went_through_ends_published_once(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;

    let answer = server
        .publish(
            &alice,
            &account,
            Some("lost"),
            &image_at("https://cdn.example/publish-timeout.jpg", "Lost answer"),
        )
        .await;

    assert_eq!(answer.status, 201, "{answer:?}");
    assert_eq!(answer.body["status"], "published");
    let published = server.sandbox_media().await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["caption"], "Lost answer");
    assert_eq!(
        answer.body["media_id"], published[0]["id"],
        "the media found"
    );
    assert!(answer.body["permalink"].is_string());
    let later = server.worker_pass(&in_seconds(3600)).await;
    assert_eq!(later.count("taken"), 0);
    assert_eq!(server.sandbox_media().await.len(), 1);
}

/// Given Meta failing `media_publish` with a 5xx and publishing nothing, when the post is
/// sent, then it is 202 `unconfirmed`, and no later worker pass (an hour, a day, a month
/// on) publishes it again on its own.
async fn a_lost_answer_of_a_publish_that_did_not_go_through_ends_unconfirmed_for_good(
    server: Server,
) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;

    let answer = server
        .publish(
            &alice,
            &account,
            Some("unsure"),
            &image_at("https://cdn.example/publish-fails.jpg", "Unsure"),
        )
        .await;

    assert_eq!(
        (answer.status, &answer.body["status"]),
        (202, &json!("unconfirmed")),
        "{answer:?}"
    );
    let id = answer.post_id();
    for later in [3600, 86_400, 30 * 86_400] {
        let pass = server.worker_pass(&in_seconds(later)).await;
        assert_eq!(pass.count("taken"), 0, "{pass:?}");
    }
    assert_eq!(
        server.post_status(&alice, &account, &id).await,
        "unconfirmed"
    );
    assert!(server.sandbox_media().await.is_empty());
}
