//! Publishing on the Lambda runtime, end to end: the real `publish` and `publish-worker`
//! binaries run under `cargo lambda watch` next to the connect functions, on DynamoDB and
//! KMS (moto) and the Meta sandbox (`igconnect sandbox`), as in `lambda_e2e.rs` (whose stack
//! and event builders are in `common/lambda.rs`).
//!
//! An account is connected through `initiate` and `callback`; `publish` is then invoked with
//! API Gateway HTTP API (payload 2.0) events built from `tests/fixtures/apigw/*-post*.json`,
//! carrying the JWT authorizer's claims and an `Idempotency-Key`; `publish-worker` is invoked
//! the way `cargo lambda` invokes a function that is not HTTP, with the EventBridge scheduled
//! event of `tests/fixtures/eventbridge/scheduled.json`, and answers its pass report.
//!
//! The worker reads the system clock, so the posts it finishes are made due within seconds:
//! one scheduled a few seconds ahead, and a reel the request leaves `processing` (the
//! sandbox answers a video's first three status reads `IN_PROGRESS`; with
//! `IGC_PUBLISH_WAIT_MS=2900` the request makes those reads, a second apart, and leaves the
//! post due for its next read 10 s later). The worker is invoked until both are published,
//! for at most 28 s.

#[path = "common/lambda.rs"]
mod lambda;

use chrono::{TimeDelta, Utc};
use lambda::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The scheduled event, relative to the workspace root, as `cargo lambda invoke` takes it.
const SCHEDULED_EVENT: &str = "tests/fixtures/eventbridge/scheduled.json";
/// How long the worker is given to publish what was made due (the reel's next status read
/// is due 10 s after its request; a slow request leaves one more read, 10 s further on).
const WORKER_WAIT: Duration = Duration::from_secs(28);

fn on_account(name: &str, c: &Claims, account: &str) -> Value {
    let event = with_claims(fixture(name), c);
    routed(
        event,
        &format!("/v1/accounts/{account}/posts"),
        &[("id", account)],
    )
}

fn create_post_event(c: &Claims, account: &str, key: &str, post: &Value) -> Value {
    let mut event = with_body(on_account("create-post.json", c, account), post);
    event["headers"]["idempotency-key"] = key.into();
    event
}

fn list_posts_event(c: &Claims, account: &str) -> Value {
    on_account("list-posts.json", c, account)
}

fn on_post(name: &str, c: &Claims, account: &str, post: &str) -> Value {
    let event = with_claims(fixture(name), c);
    routed(
        event,
        &format!("/v1/accounts/{account}/posts/{post}"),
        &[("id", account), ("post_id", post)],
    )
}

fn image(url: &str, caption: &str) -> Value {
    json!({"type": "image", "media": [{"url": url, "kind": "image"}], "caption": caption})
}

/// The posts of a listing by id.
fn by_id(list: &Value) -> std::collections::HashMap<String, Value> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| (p["id"].as_str().unwrap_or("").to_owned(), p.clone()))
        .collect()
}

/// The fields of a pass report, each a count but `out_of_time`.
const REPORT_COUNTS: [&str; 7] = [
    "taken",
    "published",
    "failed",
    "unconfirmed",
    "waiting",
    "skipped",
    "errors",
];

fn assert_pass_report(report: &Value) {
    for field in REPORT_COUNTS {
        assert!(report[field].is_u64(), "{field} in {report}");
    }
    assert!(report["out_of_time"].is_boolean(), "{report}");
    assert_eq!(report["failed"], 0, "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(report["unconfirmed"], 0, "{report}");
    assert_eq!(report["out_of_time"], false, "{report}");
}

#[tokio::test(flavor = "multi_thread")]
async fn posts_are_published_by_the_publish_function_and_the_scheduled_worker_on_moto_and_the_sandbox()
 {
    let stack = Stack::start_with(&[("IGC_PUBLISH_WAIT_MS", "2900")]).await;
    let bob = Claims {
        tenant: "tenant-cafe",
        user: "user-bob",
        role: "member",
    };
    let outsider = Claims {
        tenant: "tenant-bakery",
        user: "user-alice",
        role: "admin",
    };

    // Given bob's own account, connected through Instagram Login ...
    assert_eq!(connect(&stack, &bob, "instagram", "user").await, 1);
    let listed = stack.invoke("list", &list_event(&bob)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let account = by_username(&listed.json())["pixel.cafe"]["id"]
        .as_str()
        .expect("pixel.cafe is connected")
        .to_owned();

    // The scheduled worker, invoked as EventBridge invokes it, answers its pass report; with
    // nothing due yet it takes nothing. (This first invoke also starts the function, so the
    // timed passes below do not wait for `cargo run`.)
    let idle = stack.invoke_cli("publish-worker", SCHEDULED_EVENT).await;
    assert_pass_report(&idle);
    assert_eq!(idle["taken"], 0, "{idle}");

    // ... when he posts an image, it is published within the request.
    let croissants = image(
        "https://cdn.example.com/posts/croissants.jpg",
        "Fresh out of the oven #bakery",
    );
    let event = create_post_event(&bob, &account, "post-croissants", &croissants);
    let started = Instant::now();
    let created = stack.invoke("publish", &event).await;
    let image_request = started.elapsed();
    assert_eq!(created.status, 201, "{}", created.body);
    let post = created.json();
    assert_eq!(post["status"], "published", "{post}");
    assert_eq!(post["type"], "image");
    assert_eq!(post["created_by"], "user-bob");
    let media_id = post["media_id"].as_str().expect("a media_id").to_owned();
    assert!(post["permalink"].is_string(), "{post}");
    let image_id = post["id"].as_str().expect("id").to_owned();
    assert_eq!(
        created.headers.get("location").map(String::as_str),
        Some(format!("/v1/accounts/{account}/posts/{image_id}").as_str())
    );

    // A retry with the same key answers the same post: never published twice.
    let replay = stack.invoke("publish", &event).await;
    assert_eq!(replay.status, 201, "{}", replay.body);
    assert_eq!(replay.json()["id"], image_id.as_str());
    assert_eq!(replay.json()["media_id"], media_id.as_str());

    // The account's posts list it, and it reads back by id.
    let list = stack
        .invoke("publish", &list_posts_event(&bob, &account))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let posts = by_id(&list.json());
    assert_eq!(posts.len(), 1, "{}", list.body);
    assert_eq!(posts[&image_id]["status"], "published");
    assert_eq!(posts[&image_id]["media_id"], media_id.as_str());
    let one = stack
        .invoke(
            "publish",
            &on_post("get-post.json", &bob, &account, &image_id),
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json()["media_id"], media_id.as_str());

    // A post for tomorrow is accepted and left to the worker.
    let mut tomorrow = image("https://cdn.example.com/posts/menu.jpg", "Tomorrow's menu");
    tomorrow["publish_at"] = (Utc::now() + TimeDelta::days(1)).to_rfc3339().into();
    let res = stack
        .invoke(
            "publish",
            &create_post_event(&bob, &account, "post-menu", &tomorrow),
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.json()["status"], "scheduled", "{}", res.body);
    let tomorrow_id = res.json()["id"].as_str().expect("id").to_owned();

    // So is one due in a few seconds ...
    let mut soon = image("https://cdn.example.com/posts/coffee.jpg", "Coffee o'clock");
    soon["publish_at"] = (Utc::now() + TimeDelta::seconds(3)).to_rfc3339().into();
    let res = stack
        .invoke(
            "publish",
            &create_post_event(&bob, &account, "post-coffee", &soon),
        )
        .await;
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.json()["status"], "scheduled", "{}", res.body);
    let soon_id = res.json()["id"].as_str().expect("id").to_owned();

    // ... and a reel Meta is still processing when the request has waited its while.
    let reel = json!({
        "type": "reel",
        "media": [{"url": "https://cdn.example.com/posts/latte-art.mp4", "kind": "video"}],
        "caption": "Latte art, slowly",
        "options": {"share_to_feed": true}
    });
    let started = Instant::now();
    let res = stack
        .invoke(
            "publish",
            &create_post_event(&bob, &account, "post-reel", &reel),
        )
        .await;
    let reel_request = started.elapsed();
    // The worker's wait counts from the reel's answer: its next status read is due 10 s on.
    let waited = Instant::now();
    assert_eq!(res.status, 202, "{}", res.body);
    assert_eq!(res.json()["status"], "processing", "{}", res.body);
    assert!(res.json().get("media_id").is_none(), "{}", res.body);
    let reel_id = res.json()["id"].as_str().expect("id").to_owned();

    // Fail closed: no authorizer claims, no post.
    let mut anonymous = create_post_event(&bob, &account, "post-anonymous", &croissants);
    anonymous["requestContext"]
        .as_object_mut()
        .expect("context")
        .remove("authorizer");
    let res = stack.invoke("publish", &anonymous).await;
    assert_eq!(res.status, 401, "{}", res.body);
    assert_eq!(res.json()["code"], "unauthorized");
    // Another tenant cannot see the account, let alone post to it.
    let res = stack
        .invoke(
            "publish",
            &create_post_event(&outsider, &account, "post-foreign", &croissants),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(res.json()["code"], "account_not_found");

    // Invoked again (every second here, every minute in production), the worker publishes
    // the post that came due and finishes the reel once Meta has processed it.
    let mut passes = Vec::new();
    let published = loop {
        let report = stack.invoke_cli("publish-worker", SCHEDULED_EVENT).await;
        assert_pass_report(&report);
        passes.push(report);
        let list = stack
            .invoke("publish", &list_posts_event(&bob, &account))
            .await;
        assert_eq!(list.status, 200, "{}", list.body);
        let posts = by_id(&list.json());
        if posts[&soon_id]["status"] == "published" && posts[&reel_id]["status"] == "published" {
            break posts;
        }
        assert!(
            waited.elapsed() < WORKER_WAIT,
            "the worker did not publish the due posts within {WORKER_WAIT:?}; passes: \
             {passes:?}; posts: {}\nwatch output:\n{}",
            list.body,
            stack.watch.logs()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let worker_wait = waited.elapsed();
    let total = |field: &str| -> u64 { passes.iter().filter_map(|p| p[field].as_u64()).sum() };
    assert_eq!(total("published"), 2, "{passes:?}");
    assert!(total("taken") >= 2, "{passes:?}");

    // Both read back published, with their media; tomorrow's post was left alone.
    assert_eq!(published.len(), 4);
    for id in [&soon_id, &reel_id] {
        let post = &published[id];
        assert!(post["media_id"].is_string(), "{post}");
        assert!(post["published_at"].is_string(), "{post}");
        assert_ne!(post["media_id"], media_id.as_str(), "{post}");
    }
    assert_eq!(published[&reel_id]["type"], "reel");
    assert_eq!(published[&tomorrow_id]["status"], "scheduled");
    let reel_read = stack
        .invoke(
            "publish",
            &on_post("get-post.json", &bob, &account, &reel_id),
        )
        .await;
    assert_eq!(reel_read.status, 200, "{}", reel_read.body);
    assert_eq!(reel_read.json()["status"], "published");

    // Tomorrow's post is canceled, once and for all, and a published one cannot be.
    let canceled = stack
        .invoke(
            "publish",
            &on_post("cancel-post.json", &bob, &account, &tomorrow_id),
        )
        .await;
    assert_eq!(canceled.status, 200, "{}", canceled.body);
    assert_eq!(canceled.json()["status"], "canceled");
    let refused = stack
        .invoke(
            "publish",
            &on_post("cancel-post.json", &bob, &account, &image_id),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(refused.json()["code"], "post_already_published");

    // Nothing is due any more: tomorrow's post is not, and a canceled one never will be.
    let idle = stack.invoke_cli("publish-worker", SCHEDULED_EVENT).await;
    assert_pass_report(&idle);
    assert_eq!(idle["taken"], 0, "{idle}");

    // The worker logs its pass; no log line carries a token, a code or an app secret.
    let logs = stack.watch.logs();
    assert!(logs.contains("publish worker pass"), "{logs}");
    assert!(logs.contains("Scheduled Event"), "{logs}");
    stack.assert_no_secret_in_logs();
    eprintln!(
        "image request {image_request:?}, reel request {reel_request:?}, the worker \
         published the due posts {worker_wait:?} after the reel's request, in {} passes",
        passes.len()
    );
}
