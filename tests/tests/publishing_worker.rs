//! What the publish worker does with time: it finishes videos Meta was still processing,
//! publishes scheduled posts once their time has come (and canceled ones never), and takes
//! over a post whose worker died half-way without publishing it twice. Time travels with
//! `igconnect worker --once --now <instant>`; `serve`'s own worker is off, so nothing else
//! moves a post. On SQLite and on DynamoDB + KMS (moto).

#[macro_use]
mod common;

use chrono::{TimeDelta, Utc};
use common::{WORKER_OFF, in_seconds, rfc3339};
use igconnect_blackbox::Server;
use serde_json::{Value, json};

const PIXEL_CAFE: &str = "17841400000000201";

/// The worker off, requests that never wait for Meta to process a video, and videos
/// processed after one status read.
const NO_WAIT: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_PUBLISH_WAIT_MS", "0"),
    ("IGC_SANDBOX_VIDEO_POLLS", "1"),
];

on_both_runtimes! {
    a_video_still_processing_answers_202_and_a_later_worker_pass_publishes_it(NO_WAIT);
    a_scheduled_post_is_published_by_the_worker_once_its_time_has_come(WORKER_OFF);
    a_canceled_post_is_never_published(WORKER_OFF);
    a_published_post_cannot_be_canceled(WORKER_OFF);
    a_post_whose_worker_died_after_creating_its_containers_is_published_once(WORKER_OFF);
}

fn image_post(caption: &str) -> Value {
    json!({"type": "image", "media": [{"url": "https://cdn.example/a.jpg", "kind": "image"}],
           "caption": caption})
}

/// An image post to publish in an hour (to the second); the post and its `publish_at`.
fn scheduled(caption: &str) -> (Value, chrono::DateTime<Utc>) {
    let at = Utc::now() + TimeDelta::hours(1);
    let at = at - TimeDelta::nanoseconds(i64::from(at.timestamp_subsec_nanos()));
    let mut body = image_post(caption);
    body["publish_at"] = json!(rfc3339(at));
    (body, at)
}

/// Given requests that do not wait for Meta, when a reel and a carousel with a video are
/// sent, then both answer 202 `processing`; a worker pass before the recheck leaves them,
/// and a pass after it publishes both.
async fn a_video_still_processing_answers_202_and_a_later_worker_pass_publishes_it(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let reel = json!({"type": "reel", "caption": "Reel",
                      "media": [{"url": "https://cdn.example/r.mp4", "kind": "video"}]});
    let carousel = json!({"type": "carousel", "caption": "Carousel", "media": [
        {"url": "https://cdn.example/1.jpg", "kind": "image"},
        {"url": "https://cdn.example/2.mp4", "kind": "video"}]});

    let mut ids = Vec::new();
    for (key, body) in [("reel", &reel), ("carousel", &carousel)] {
        let answer = server.publish(&alice, &account, Some(key), body).await;
        assert_eq!(
            (answer.status, &answer.body["status"]),
            (202, &json!("processing")),
            "{answer:?}"
        );
        assert!(answer.body.get("media_id").is_none());
        ids.push(answer.post_id());
    }
    assert!(server.sandbox_media().await.is_empty());

    let too_soon = server.worker_pass(&in_seconds(2)).await;
    assert_eq!(too_soon.count("taken"), 0, "{too_soon:?}");
    let pass = server.worker_pass(&in_seconds(60)).await;

    assert_eq!(
        (pass.count("taken"), pass.count("published")),
        (2, 2),
        "{pass:?}"
    );
    let published = server.sandbox_media().await;
    assert_eq!(published.len(), 2, "{published:?}");
    for (id, caption) in ids.iter().zip(["Reel", "Carousel"]) {
        let post = server.get_post(&alice, &account, id).await;
        assert_eq!(post.body["status"], "published", "{post:?}");
        let media = published
            .iter()
            .find(|m| m["caption"] == caption)
            .expect("published");
        assert_eq!(post.body["media_id"], media["id"]);
    }
}

/// Given a post scheduled an hour from now, when the worker passes half an hour on, then it
/// stays scheduled; when it passes 30 seconds after its time, it publishes it.
async fn a_scheduled_post_is_published_by_the_worker_once_its_time_has_come(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let (body, at) = scheduled("Spring menu");
    let answer = server
        .publish(&alice, &account, Some("spring"), &body)
        .await;
    assert_eq!(
        (answer.status, &answer.body["status"]),
        (202, &json!("scheduled")),
        "{answer:?}"
    );
    assert_eq!(answer.body["publish_at"], rfc3339(at).as_str());
    let id = answer.post_id();

    let early = server
        .worker_pass(&rfc3339(at - TimeDelta::minutes(30)))
        .await;
    assert_eq!(early.count("taken"), 0, "{early:?}");
    assert_eq!(server.post_status(&alice, &account, &id).await, "scheduled");
    assert!(server.sandbox_media().await.is_empty());

    let on_time = server
        .worker_pass(&rfc3339(at + TimeDelta::seconds(30)))
        .await;

    assert_eq!(on_time.count("published"), 1, "{on_time:?}");
    // The pass delivers the events it made before exiting (`serve`'s own delivery loop may
    // have taken this one first: delivery is at least once, by whoever gets there).
    assert!(on_time.count_in("events:", "delivered") <= 1, "{on_time:?}");
    let post = server.get_post(&alice, &account, &id).await;
    assert_eq!(post.body["status"], "published");
    let published = server.sandbox_media().await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["caption"], "Spring menu");
    assert_eq!(post.body["media_id"], published[0]["id"]);
}

/// Given a scheduled post, when it is canceled, then it is 200 `canceled`, a worker pass
/// after its time does not publish it, canceling again answers it unchanged, and the audit
/// trail holds one `post.canceled`.
async fn a_canceled_post_is_never_published(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let (body, at) = scheduled("Never mind");
    let id = server
        .publish(&alice, &account, Some("never"), &body)
        .await
        .post_id();

    let canceled = server.cancel_post(&alice, &account, &id).await;

    assert_eq!(
        (canceled.status, &canceled.body["status"]),
        (200, &json!("canceled")),
        "{canceled:?}"
    );
    let pass = server
        .worker_pass(&rfc3339(at + TimeDelta::minutes(1)))
        .await;
    assert_eq!(pass.count("taken"), 0, "{pass:?}");
    assert_eq!(server.post_status(&alice, &account, &id).await, "canceled");
    assert!(server.sandbox_media().await.is_empty());
    let again = server.cancel_post(&alice, &account, &id).await;
    assert_eq!(
        (again.status, &again.body["status"]),
        (200, &json!("canceled"))
    );
    let audit = server.request("GET", "/v1/audit", &alice, None).await;
    let cancels: Vec<&Value> = audit.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|e| e["action"] == "post.canceled")
        .collect();
    assert_eq!(cancels.len(), 1, "{audit:?}");
    assert_eq!(cancels[0]["post_id"], id.as_str());
    assert_eq!(cancels[0]["actor"], "alice");
}

/// Given a published post, when it is canceled, then it is 409 `post_already_published`
/// and stays published.
async fn a_published_post_cannot_be_canceled(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let published = server
        .publish(&alice, &account, Some("out"), &image_post("Out"))
        .await;
    assert_eq!(published.status, 201, "{published:?}");
    let id = published.post_id();

    let refused = server.cancel_post(&alice, &account, &id).await;

    assert_eq!(
        (refused.status, refused.problem_code()),
        (409, "post_already_published")
    );
    assert_eq!(server.post_status(&alice, &account, &id).await, "published");
}

/// Given a scheduled post whose worker is killed right after it recorded the containers it
/// created at Meta, when another worker passes within the dead one's five-minute lease, then
/// it leaves the post; when one passes after the lease, it publishes the post from the
/// recorded container: exactly one media with its caption.
async fn a_post_whose_worker_died_after_creating_its_containers_is_published_once(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let (body, at) = scheduled("Survived a crash");
    let id = server
        .publish(&alice, &account, Some("crash"), &body)
        .await
        .post_id();
    let taken_at = at + TimeDelta::seconds(30);
    let mut doomed = server.spawn_worker(
        &rfc3339(taken_at),
        &[("IGC_TEST_HOLD_AFTER_CONTAINERS", "1")],
    );
    doomed.wait_for("holding after containers").await;

    doomed.kill().await;

    assert_eq!(
        server.post_status(&alice, &account, &id).await,
        "processing"
    );
    assert!(server.sandbox_media().await.is_empty());
    let within_lease = server
        .worker_pass(&rfc3339(taken_at + TimeDelta::minutes(4)))
        .await;
    assert_eq!(within_lease.count("taken"), 0, "{within_lease:?}");
    let after_lease = server
        .worker_pass(&rfc3339(taken_at + TimeDelta::minutes(6)))
        .await;
    assert_eq!(after_lease.count("published"), 1, "{after_lease:?}");
    assert_eq!(server.post_status(&alice, &account, &id).await, "published");
    let published = server.sandbox_media().await;
    let captions: Vec<&Value> = published.iter().map(|m| &m["caption"]).collect();
    assert_eq!(captions, [&json!("Survived a crash")]);
}
