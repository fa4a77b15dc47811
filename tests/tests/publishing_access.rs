//! Who may publish, what the trail keeps, and what never leaks: publishing needs `publish`
//! on the account (someone else's private account does not even exist for you), every
//! outcome is audited, and no Meta token reaches a response, a log line or the data
//! directory. On SQLite and on DynamoDB + KMS (moto).

#[macro_use]
mod common;

use chrono::{TimeDelta, Utc};
use common::{WORKER_OFF, in_seconds, rfc3339};
use igconnect_blackbox::Server;
use serde_json::{Value, json};

const PIXEL_CAFE: &str = "17841400000000201";
const DAN_CREATIVE: &str = "17841400000000203";

/// The worker off, requests that never wait for a video, videos processed after one read.
const NO_WAIT: &[(&str, &str)] = &[
    ("IGC_WORKER_INTERVAL_MS", "0"),
    ("IGC_PUBLISH_WAIT_MS", "0"),
    ("IGC_SANDBOX_VIDEO_POLLS", "1"),
];

on_both_runtimes! {
    publishing_needs_the_publish_permission_and_viewers_only_read(WORKER_OFF);
    the_audit_trail_holds_every_published_and_failed_post(WORKER_OFF);
    no_token_reaches_a_response_a_log_or_the_data_dir_while_publishing(NO_WAIT);
}

fn image_post(caption: &str) -> Value {
    json!({"type": "image", "media": [{"url": "https://cdn.example/a.jpg", "kind": "image"}],
           "caption": caption})
}

/// Given Dan's own account with a scheduled post, when Mike (a member), Alice (an admin)
/// and another tenant's owner try to publish to it, then it does not exist for them (404);
/// once Dan grants Mike `view`, Mike reads the posts but may neither publish nor cancel
/// (403); with `publish` he may. Nothing refused reached Meta.
async fn publishing_needs_the_publish_permission_and_viewers_only_read(server: Server) {
    let dan = server.token("acme", "dan", "member");
    let mike = server.token("acme", "mike", "member");
    let alice = server.token("acme", "alice", "admin");
    let outsider = server.token("globex", "gina", "owner");
    let account = server.connect_instagram(&dan, DAN_CREATIVE, "user").await;
    let later = json!(rfc3339(Utc::now() + TimeDelta::hours(1)));
    let mut scheduled = image_post("Dan's");
    scheduled["publish_at"] = later;
    let dans = server
        .publish(&dan, &account, Some("dans"), &scheduled)
        .await;
    assert_eq!(dans.status, 202, "{dans:?}");
    let post = dans.post_id();
    let posts = format!("/v1/accounts/{account}/posts");
    let one = format!("{posts}/{post}");

    for (who, token) in [("mike", &mike), ("alice", &alice), ("globex", &outsider)] {
        let refused = server
            .publish(token, &account, Some("theirs"), &image_post("theirs"))
            .await;
        assert_eq!(
            (refused.status, refused.problem_code()),
            (404, "account_not_found"),
            "{who} POST"
        );
        for (method, path) in [("GET", &posts), ("GET", &one), ("DELETE", &one)] {
            let hidden = server.request(method, path, token, None).await;
            assert_eq!(
                (hidden.status, hidden.problem_code()),
                (404, "account_not_found"),
                "{who} {method} {path}"
            );
        }
    }

    let grant = |permission: &str| json!({"permission": permission});
    let path = format!("/v1/accounts/{account}/grants/mike");
    let granted = server
        .request("PUT", &path, &dan, Some(&grant("view")))
        .await;
    assert_eq!(granted.status, 200, "{granted:?}");
    let denied = server
        .publish(&mike, &account, Some("mikes"), &image_post("Mike's"))
        .await;
    assert_eq!(
        (denied.status, denied.problem_code()),
        (403, "permission_denied")
    );
    let not_canceled = server.request("DELETE", &one, &mike, None).await;
    assert_eq!(
        (not_canceled.status, not_canceled.problem_code()),
        (403, "permission_denied")
    );
    let listed = server.request("GET", &posts, &mike, None).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.body["data"][0]["id"], post.as_str());
    assert_eq!(
        listed.body["data"][0]["status"], "scheduled",
        "still scheduled"
    );
    assert!(
        server.sandbox_media().await.is_empty(),
        "nothing refused went out"
    );

    let upgraded = server
        .request("PUT", &path, &dan, Some(&grant("publish")))
        .await;
    assert_eq!(upgraded.status, 200, "{upgraded:?}");
    let allowed = server
        .publish(&mike, &account, Some("mikes"), &image_post("Mike's"))
        .await;
    assert_eq!(allowed.status, 201, "{allowed:?}");
    assert_eq!(allowed.body["created_by"], "mike");
    let published = server.sandbox_media_of(DAN_CREATIVE).await;
    assert_eq!(published.len(), 1);
    assert_eq!(published[0]["caption"], "Mike's");
}

/// Given an owner, when one post is published and another fails, then her audit trail
/// holds `post.published` with the media id and `post.failed` with our code, each naming
/// the post, the account and who sent it.
async fn the_audit_trail_holds_every_published_and_failed_post(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let ok = server
        .publish(&alice, &account, Some("ok"), &image_post("ok"))
        .await;
    let bad = server
        .publish(
            &alice,
            &account,
            Some("bad"),
            &json!({"type": "image", "caption": "bad",
                    "media": [{"url": "https://cdn.example/fail-fetch.jpg", "kind": "image"}]}),
        )
        .await;
    assert_eq!((ok.status, bad.status), (201, 422));

    let audit = server.request("GET", "/v1/audit", &alice, None).await;

    assert_eq!(audit.status, 200, "{audit:?}");
    let entries = audit.body["data"].as_array().expect("data");
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["post.failed", "post.published", "account.connected"]
    );
    let (failed, published) = (&entries[0], &entries[1]);
    assert_eq!(published["post_id"], ok.post_id().as_str());
    assert_eq!(published["media_id"], ok.body["media_id"]);
    assert_eq!(failed["post_id"], bad.post_id().as_str());
    assert_eq!(failed["code"], "media_fetch_failed");
    for entry in [failed, published] {
        assert_eq!(entry["account_id"], account.as_str());
        assert_eq!(entry["actor"], "alice");
    }
}

/// Files under `dir`, recursively: (path, bytes).
fn files_under(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path.display().to_string(), bytes));
        }
    }
    out
}

/// Given every way a post can go (published at once, processed by the worker, scheduled
/// and published on time, refused, throttled, its answer lost, its token refused), when
/// the responses, the server's and the workers' logs and the data directory are searched,
/// then none holds a token the sandbox issued.
async fn no_token_reaches_a_response_a_log_or_the_data_dir_while_publishing(server: Server) {
    let alice = server.token("acme", "alice", "owner");
    let account = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let at = |url: &str, caption: &str| json!({"type": "image", "caption": caption, "media": [{"url": url, "kind": "image"}]});
    let mut scheduled = image_post("later");
    scheduled["publish_at"] = json!(in_seconds(3600));
    let bodies = [
        image_post("now"),
        json!({"type": "reel", "media": [{"url": "https://cdn.example/r.mp4", "kind": "video"}]}),
        scheduled,
        at("https://cdn.example/fail-fetch.jpg", "refused"),
        at("https://cdn.example/fail-rate.jpg", "throttled"),
        at("https://cdn.example/publish-timeout.jpg", "timeout"),
        at("https://cdn.example/publish-fails.jpg", "fails"),
    ];
    let mut seen = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        let answer = server
            .publish(&alice, &account, Some(&format!("k{i}")), body)
            .await;
        assert!(answer.status < 500, "{answer:?}");
        seen.push(format!("{:?}", answer));
    }
    for later in [60, 3700, 7200] {
        let pass = server.worker_at(&in_seconds(later)).await;
        seen.push(format!("{pass:?}"));
    }
    // Last: a refused token leaves the account unusable until it is reconnected.
    let refused = server
        .publish(
            &alice,
            &account,
            Some("token"),
            &at("https://cdn.example/fail-token.jpg", "token"),
        )
        .await;
    assert_eq!(refused.status, 409, "{refused:?}");
    seen.push(format!("{refused:?}"));
    let posts = format!("/v1/accounts/{account}/posts");
    seen.push(format!(
        "{:?}",
        server.request("GET", &posts, &alice, None).await
    ));
    seen.push(format!(
        "{:?}",
        server.request("GET", "/v1/audit", &alice, None).await
    ));
    seen.push(server.accounts(&alice, "").await.to_string());
    let published = server.sandbox_media().await;
    let captions: Vec<&str> = published
        .iter()
        .map(|m| m["caption"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        captions,
        ["now", "timeout", "", "later"],
        "every flow ran to its end"
    );

    assert!(
        seen.iter().any(|t| t.contains("publish worker pass")),
        "the workers' logs were captured"
    );
    let tokens = server.issued_tokens().await;
    assert!(!tokens.is_empty());
    let logs = server.logs();
    assert!(logs.contains("post published"), "the logs were captured");
    let files = files_under(server.data_dir());
    for token in &tokens {
        assert!(
            !logs.contains(token.as_str()),
            "a token is in the server's logs"
        );
        for text in &seen {
            assert!(!text.contains(token.as_str()), "a token is in {text}");
        }
        for (name, bytes) in &files {
            let found = bytes.windows(token.len()).any(|w| w == token.as_bytes());
            assert!(!found, "a token is in {name} in plaintext");
        }
    }
    assert!(
        !logs.contains("IGSBXTOK"),
        "something token-shaped is logged"
    );
    assert!(
        seen.iter().all(|t| !t.contains("IGSBXTOK")),
        "something token-shaped was answered or printed by a worker"
    );
}
