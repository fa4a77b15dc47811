//! Insights and comments through the real binary, on SQLite and on DynamoDB + KMS (moto):
//! account metrics over a range, daily snapshots that keep history beyond Meta's window
//! (Meta's clock, the sandbox's, moved past it; snapshots taken by `igconnect refresh
//! --now`), unknown and retired metrics, a scope the user did not grant, media and post
//! insights, comments read, replied to, hidden and deleted with permissions enforced, and a
//! comment from Meta's webhook stored and forwarded.

#[macro_use]
mod common;

use common::receiver::Receiver;

use chrono::{NaiveDate, TimeDelta, Utc};
use common::rfc3339;
use hmac::{Hmac, Mac};
use igconnect_blackbox::{Consent, Server};
use serde_json::{Value, json};
use sha2::Sha256;

const PIXEL_CAFE: &str = "17841400000000201";
const INSTAGRAM_SECRET: &str = "sandbox-instagram-secret";

with_receiver! {
    snapshots_keep_account_metrics_beyond_metas_window;
    metrics_are_checked_against_the_catalogue_and_permissions;
    a_scope_the_user_did_not_grant_is_named;
    comments_are_moderated_by_permission_and_audited;
    a_comment_from_metas_webhook_is_stored_and_forwarded;
}

fn day(offset: i64) -> NaiveDate {
    Utc::now().date_naive() + TimeDelta::days(offset)
}

async fn get(server: &Server, token: &str, path: &str) -> (u16, Value) {
    server.call("GET", path, token, None).await
}

/// `{date: value}` of one metric's series.
fn series(body: &Value, metric: &str) -> Vec<(String, i64)> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data: {body}"))
        .iter()
        .find(|s| s["metric"] == metric)
        .unwrap_or_else(|| panic!("no {metric} series: {body}"))["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["date"].as_str().unwrap().to_owned(),
                v["value"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn advance_meta_clock(server: &Server, by: TimeDelta) {
    let res = reqwest::Client::new()
        .post(server.url(&format!(
            "/sandbox/_inspect/clock?advance_seconds={}",
            by.num_seconds()
        )))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
}

async fn grant(server: &Server, owner: &str, account: &str, user: &str, permission: &str) {
    let (status, body) = server
        .call(
            "PUT",
            &format!("/v1/accounts/{account}/grants/{user}"),
            owner,
            Some(&json!({ "permission": permission })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Given an Instagram Login connection, when a refresh pass a day later snapshots its last
/// week and Meta's clock then moves 100 days on (past its window, the token refreshed on
/// the way), then the snapshotted
/// days still answer with the same values, the follower count has its point, and days no
/// snapshot holds are missing rather than invented.
async fn snapshots_keep_account_metrics_beyond_metas_window(server: Server, _r: Receiver) {
    let alice = server.token("acme", "alice", "owner");
    let start = Utc::now();
    let id = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let path = |since: i64, until: i64| {
        format!(
            "/v1/accounts/{id}/insights?metrics=reach,views,followers_count&since={}&until={}",
            day(since),
            day(until)
        )
    };

    let (status, before) = get(&server, &alice, &path(-7, -1)).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(series(&before, "reach").len(), 7, "{before}");
    assert_eq!(series(&before, "views").len(), 7, "{before}");
    assert_eq!(before["days_from_meta"], 7);
    assert!(series(&before, "followers_count").is_empty(), "{before}");

    // A day later (Meta's clock too): the pass looks at the account and stores its last week.
    advance_meta_clock(&server, TimeDelta::days(1)).await;
    let now = rfc3339(start + TimeDelta::days(1) + TimeDelta::minutes(1));
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(run.count_in("refresh:", "validated"), 1, "{run:?}");
    assert_eq!(run.count_in("snapshots:", "accounts"), 1, "{run:?}");
    assert_eq!(run.count_in("snapshots:", "days"), 7, "{run:?}");
    // The same pass again stores nothing more.
    let again = server.refresh_at(&now, &[]).await;
    assert_eq!(again.count_in("refresh:", "due"), 0, "{again:?}");

    // Day 47: the token is refreshed in its window (and keeps working past day 60).
    advance_meta_clock(&server, TimeDelta::days(46)).await;
    let now = rfc3339(start + TimeDelta::days(47) + TimeDelta::minutes(1));
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(run.count_in("refresh:", "refreshed"), 1, "{run:?}");
    // Day 102: Meta forgets; its window now starts after every day asked for.
    advance_meta_clock(&server, TimeDelta::days(55)).await;
    let (status, after) = get(&server, &alice, &path(-9, 0)).await;
    assert_eq!(status, 200, "{after}");
    let kept: Vec<(String, i64)> = series(&after, "reach");
    let in_snapshots =
        |d: &str| d >= day(-6).to_string().as_str() && d < day(0).to_string().as_str();
    let snapshotted: Vec<(String, i64)> = series(&before, "reach")
        .into_iter()
        .filter(|(d, _)| in_snapshots(d))
        .collect();
    assert_eq!(snapshotted.len(), 6, "{before}");
    assert_eq!(
        kept.iter()
            .filter(|(d, _)| in_snapshots(d))
            .cloned()
            .collect::<Vec<_>>(),
        snapshotted,
        "{after}"
    );
    assert!(
        after["days_from_snapshots"].as_u64().unwrap() >= 7,
        "{after}"
    );
    // Days no snapshot holds, past Meta's window (and never asked before, so not in the
    // short-lived cache of Meta's answers), are missing rather than invented.
    for missing in [day(-9), day(-8)] {
        assert!(
            !kept.iter().any(|(d, _)| *d == missing.to_string()),
            "{missing}: {after}"
        );
    }
    let followers = series(&after, "followers_count");
    assert!(
        followers
            .iter()
            .any(|(d, v)| *d == day(0).to_string() && *v > 0),
        "{after}"
    );
}

/// Given a connection, when metrics are asked for by name, then unknown and retired names
/// are 400 with the supported list, bad ranges 400, media metrics follow the media's type,
/// a published post's metrics are its media's, and only those who may view the account
/// see any of it.
async fn metrics_are_checked_against_the_catalogue_and_permissions(server: Server, _r: Receiver) {
    let alice = server.token("acme", "alice", "owner");
    let id = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let insights = format!("/v1/accounts/{id}/insights");

    let (status, body) = get(&server, &alice, &format!("{insights}?metrics=reach,bogus")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unsupported_metric")),
        "{body}"
    );
    assert!(
        body["supported"]
            .as_array()
            .unwrap()
            .contains(&json!("reach")),
        "{body}"
    );
    let (status, body) = get(&server, &alice, &format!("{insights}?metrics=impressions")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unsupported_metric")),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("retired"),
        "{body}"
    );
    assert!(
        !body["supported"]
            .as_array()
            .unwrap()
            .contains(&json!("impressions"))
    );
    let (status, body) = get(&server, &alice, &format!("{insights}?period=week")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_period")),
        "{body}"
    );
    let (status, body) = get(&server, &alice, &format!("{insights}?until={}", day(2))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_range")),
        "{body}"
    );
    let (status, body) = get(&server, &alice, &format!("{insights}?since=yesterday")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_date")),
        "{body}"
    );

    // Who may see: not a member without a grant, not another tenant; a viewer may.
    let bob = server.token("acme", "bob", "member");
    let (status, _) = get(&server, &bob, &insights).await;
    assert_eq!(status, 404);
    let eve = server.token("globex", "eve", "owner");
    let (status, _) = get(&server, &eve, &insights).await;
    assert_eq!(status, 404);
    grant(&server, &alice, &id, "bob", "view").await;
    let (status, body) = get(&server, &bob, &format!("{insights}?metrics=reach")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        series(&body, "reach").len(),
        30,
        "the default range is 30 days: {body}"
    );

    // The account's media, made outside igconnect too; metrics by media type.
    let (status, media) = get(&server, &bob, &format!("/v1/accounts/{id}/media")).await;
    assert_eq!(status, 200, "{media}");
    let items = media["data"].as_array().unwrap().clone();
    let of_type = |t: &str| {
        items
            .iter()
            .find(|m| m["media_product_type"] == t)
            .unwrap_or_else(|| panic!("no {t} media: {media}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (reel, feed) = (of_type("REELS"), of_type("FEED"));
    let (status, body) = get(
        &server,
        &bob,
        &format!("/v1/accounts/{id}/media/{reel}/insights"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let names: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"ig_reels_avg_watch_time"), "{body}");
    assert!(names.contains(&"views"), "{body}");
    let (status, body) = get(
        &server,
        &bob,
        &format!("/v1/accounts/{id}/media/{reel}/insights?metrics=navigation"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unsupported_metric")),
        "{body}"
    );
    let (status, body) = get(
        &server,
        &bob,
        &format!("/v1/accounts/{id}/media/{feed}/insights?metrics=reach,saved"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 2, "{body}");
    let (status, body) = get(
        &server,
        &bob,
        &format!("/v1/accounts/{id}/media/99999999999/insights"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("media_not_found")),
        "{body}"
    );

    // A post published through igconnect: its insights are its media's.
    let answer = server
        .publish(
            &alice,
            &id,
            Some("insights-post-1"),
            &json!({"type": "image", "media": [{"url": "https://cdn.example/a.jpg", "kind": "image"}]}),
        )
        .await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    let post = answer.post_id();
    let media_id = answer.body["media_id"]
        .as_str()
        .expect("published")
        .to_owned();
    let (status, body) = get(
        &server,
        &bob,
        &format!("/v1/accounts/{id}/posts/{post}/insights?metrics=reach,likes"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["media"]["id"], media_id.as_str());
    let (status, _) = get(
        &server,
        &eve,
        &format!("/v1/accounts/{id}/posts/{post}/insights"),
    )
    .await;
    assert_eq!(status, 404);
}

/// Given connections made without the optional scopes, when insights or comments are asked
/// for, then the answer is 403 `scope_not_granted` naming the scope, while the follower
/// curve (which needs none) still answers; a reconnect granting them fixes it.
async fn a_scope_the_user_did_not_grant_is_named(server: Server, _r: Receiver) {
    let alice = server.token("acme", "alice", "owner");
    let consent = Consent {
        account: Some(PIXEL_CAFE.into()),
        decline_scopes: vec![
            "instagram_business_manage_insights".into(),
            "instagram_business_manage_comments".into(),
        ],
        ..Consent::allow()
    };
    server.connect(&alice, "instagram", "user", &consent).await;
    let id = server.account_id(&alice, PIXEL_CAFE).await;
    let (_, account) = get(&server, &alice, &format!("/v1/accounts/{id}")).await;
    assert_eq!(account["features"], json!([]), "{account}");

    let (status, body) = get(&server, &alice, &format!("/v1/accounts/{id}/insights")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("scope_not_granted")),
        "{body}"
    );
    assert_eq!(body["scope"], "instagram_business_manage_insights");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("connect the account again")
    );
    let (status, media) = get(&server, &alice, &format!("/v1/accounts/{id}/media")).await;
    assert_eq!(
        status, 200,
        "listing media needs no optional scope: {media}"
    );
    let first = media["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = get(
        &server,
        &alice,
        &format!("/v1/accounts/{id}/media/{first}/comments"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("scope_not_granted")),
        "{body}"
    );
    assert_eq!(body["scope"], "instagram_business_manage_comments");
    let (status, body) = get(
        &server,
        &alice,
        &format!(
            "/v1/accounts/{id}/insights?metrics=followers_count&until={}",
            day(0)
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Reconnecting and allowing them: the same account may now.
    server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let (_, account) = get(&server, &alice, &format!("/v1/accounts/{id}")).await;
    assert_eq!(
        account["features"],
        json!(["insights", "comments"]),
        "{account}"
    );
    let (status, body) = get(
        &server,
        &alice,
        &format!("/v1/accounts/{id}/insights?metrics=reach"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Given an account with viewers and publishers, when its comments are read, replied to,
/// hidden and deleted, then each permission does what the teams issue says (view reads,
/// publish replies and hides, manage deletes), comments of other media are not found, and
/// every change is in the audit trail under the person who made it.
async fn comments_are_moderated_by_permission_and_audited(server: Server, _r: Receiver) {
    let alice = server.token("acme", "alice", "owner");
    let id = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    grant(&server, &alice, &id, "bob", "view").await;
    grant(&server, &alice, &id, "carol", "publish").await;
    let bob = server.token("acme", "bob", "member");
    let carol = server.token("acme", "carol", "member");

    let (_, media) = get(&server, &bob, &format!("/v1/accounts/{id}/media")).await;
    let items = media["data"].as_array().unwrap();
    let with_comments = items
        .iter()
        .find(|m| m["comments_count"].as_u64().unwrap_or(0) > 0)
        .unwrap_or_else(|| panic!("no media with comments: {media}"));
    let media_id = with_comments["id"].as_str().unwrap().to_owned();
    let other_media = items.iter().find(|m| m["id"] != media_id.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let comments = format!("/v1/accounts/{id}/media/{media_id}/comments");
    let (status, listed) = get(&server, &bob, &comments).await;
    assert_eq!(status, 200, "{listed}");
    let first = listed["data"][0].clone();
    let comment_id = first["id"].as_str().unwrap().to_owned();
    assert!(first["text"].is_string(), "{listed}");
    assert_eq!(first["hidden"], false);
    let eve = server.token("globex", "eve", "owner");
    assert_eq!(get(&server, &eve, &comments).await.0, 404);

    // Replies: not by a viewer; by a publisher; shown under the comment afterwards.
    let reply_path = format!("{comments}/{comment_id}/replies");
    let (status, body) = server
        .call(
            "POST",
            &reply_path,
            &bob,
            Some(&json!({"message": "thanks!"})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("permission_denied")),
        "{body}"
    );
    let (status, body) = server
        .call("POST", &reply_path, &carol, Some(&json!({"message": "  "})))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_message")),
        "{body}"
    );
    let (status, reply) = server
        .call(
            "POST",
            &reply_path,
            &carol,
            Some(&json!({"message": "thanks!"})),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["parent_id"], comment_id.as_str());
    let (_, listed) = get(&server, &bob, &comments).await;
    let replies = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == comment_id.as_str())
        .unwrap()["replies"]
        .clone();
    assert!(
        replies
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x["id"] == reply["id"])),
        "{listed}"
    );

    // Hide and unhide: publish; a comment under another media is not found.
    let (status, _) = server
        .call("POST", &format!("{comments}/{comment_id}/hide"), &bob, None)
        .await;
    assert_eq!(status, 403);
    let (status, hidden) = server
        .call(
            "POST",
            &format!("{comments}/{comment_id}/hide"),
            &carol,
            None,
        )
        .await;
    assert_eq!((status, &hidden["hidden"]), (200, &json!(true)), "{hidden}");
    let (_, listed) = get(&server, &bob, &comments).await;
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == comment_id.as_str() && c["hidden"] == true),
        "{listed}"
    );
    let (status, shown) = server
        .call(
            "POST",
            &format!("{comments}/{comment_id}/unhide"),
            &carol,
            None,
        )
        .await;
    assert_eq!((status, &shown["hidden"]), (200, &json!(false)), "{shown}");
    let (status, body) = server
        .call(
            "POST",
            &format!("/v1/accounts/{id}/media/{other_media}/comments/{comment_id}/hide"),
            &carol,
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("comment_not_found")),
        "{body}"
    );

    // Delete: manage only; a second delete is not found.
    let delete = format!("{comments}/{comment_id}");
    let (status, _) = server.call("DELETE", &delete, &carol, None).await;
    assert_eq!(status, 403);
    let (status, _) = server.call("DELETE", &delete, &alice, None).await;
    assert_eq!(status, 204);
    let (status, body) = server.call("DELETE", &delete, &alice, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("comment_not_found")),
        "{body}"
    );
    let (_, listed) = get(&server, &bob, &comments).await;
    assert!(
        !listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == comment_id.as_str()),
        "{listed}"
    );

    let (status, audit) = get(&server, &alice, "/v1/audit?limit=100").await;
    assert_eq!(status, 200, "{audit}");
    let entries = audit["data"].as_array().unwrap();
    let by = |action: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| e["actor"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(by("comment.replied"), ["carol"], "{audit}");
    assert_eq!(by("comment.hidden"), ["carol", "carol"], "{audit}");
    assert_eq!(by("comment.deleted"), ["alice"], "{audit}");
}

fn hub_signature(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Given a connected account, when Meta's webhook (signed with the app secret) reports a
/// comment on it, then it is kept in the account's audit trail and forwarded as a signed
/// `comment.received` event; an unsigned one changes nothing.
async fn a_comment_from_metas_webhook_is_stored_and_forwarded(server: Server, receiver: Receiver) {
    let alice = server.token("acme", "alice", "owner");
    let id = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let body = json!({"object": "instagram", "entry": [{"id": PIXEL_CAFE, "time": 1, "changes": [
    {"field": "comments", "value": {
        "from": {"id": "555", "username": "a.fan"},
        "media": {"id": "18000000000000042", "media_product_type": "FEED"},
        "id": "17900000000000042",
        "text": "Where is this?"
    }}]}]})
    .to_string();
    let post = |signature: Option<String>| {
        let mut req = server
            .http
            .post(server.url("/v1/meta/webhooks"))
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        req.send()
    };
    let refused = post(Some(hub_signature("not-the-secret", &body)))
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    let res = post(Some(hub_signature(INSTAGRAM_SECRET, &body)))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    let event = receiver.wait_for(&id, "comment.received").await;
    assert_eq!(event["data"]["comment_id"], "17900000000000042");
    assert_eq!(event["data"]["media_id"], "18000000000000042");
    assert_eq!(event["data"]["username"], "a.fan");
    let (_, audit) = get(&server, &alice, "/v1/audit?limit=100").await;
    let received: Vec<&Value> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "comment.received")
        .collect();
    assert_eq!(received.len(), 1, "stored once: {audit}");
    assert_eq!(received[0]["account_id"], id.as_str());
}
