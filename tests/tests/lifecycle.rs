//! Keeping connections alive through the real binary: `igconnect refresh --now` passes walk
//! an Instagram Login connection through Meta's clock (the sandbox's, moved forward), a 5xx
//! keeps it active, a dead token turns it `needs_reauth` and is announced once as a signed
//! webhook, a reconnect restores it; `POST /v1/accounts/{id}/sync` and
//! `DELETE /v1/accounts/{id}` do what docs/lifecycle.md says. On SQLite and on DynamoDB +
//! KMS (moto).

#[macro_use]
mod common;

use common::receiver::Receiver;

use chrono::{DateTime, TimeDelta, Utc};
use common::rfc3339;
use igconnect_blackbox::Server;
use serde_json::{Value, json};

/// A rotation on both runtimes: the server signs with both secrets, and a receiver holding
/// only one (either) must accept every delivery; one holding neither refuses them all.
mod webhook_rotation {
    use crate::common::receiver::{NEXT_SECRET, Receiver, SECRET};

    #[tokio::test]
    async fn on_sqlite() {
        let both = format!("{NEXT_SECRET} {SECRET}");
        let receiver = Receiver::start_with(&both, &[SECRET, NEXT_SECRET]).await;
        let stranger = Receiver::start_with(SECRET, &[NEXT_SECRET]).await;
        for receiver in [&receiver, &stranger] {
            let env = receiver.env();
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let server = igconnect_blackbox::Server::start_with(&env).await;
            super::deliveries_follow_standard_webhooks(
                server,
                receiver.clone(),
                std::ptr::eq(receiver, &stranger),
            )
            .await;
        }
    }

    #[tokio::test]
    async fn on_dynamodb() {
        let both = format!("{SECRET},{NEXT_SECRET}");
        let receiver = Receiver::start_with(&both, &[NEXT_SECRET, SECRET]).await;
        let env = receiver.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (server, _table) = crate::common::server_on_moto_with(&env).await;
        super::deliveries_follow_standard_webhooks(server, receiver, false).await;
    }
}

/// Connecting announces `account.connected` as a Standard Webhooks delivery: the reference
/// library accepts it (or, for a receiver without the server's secret, refuses it for its
/// signature), and `webhook-id` is the event's id, which receivers deduplicate on.
async fn deliveries_follow_standard_webhooks(server: Server, receiver: Receiver, stranger: bool) {
    let alice = server.token("acme", "alice", "owner");
    let pixel = server
        .connect_instagram(&alice, PIXEL_CAFE, "company")
        .await;
    if stranger {
        for _ in 0..100 {
            if !receiver.refused().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let refused = receiver.refused();
        assert!(
            refused
                .iter()
                .any(|why| why.contains("No matching signature")),
            "{refused:?}"
        );
        assert!(receiver.kinds(&pixel).is_empty(), "nothing accepted");
        return;
    }
    let event = receiver.wait_for(&pixel, "account.connected").await;
    assert_eq!(receiver.refused(), Vec::<String>::new());
    assert_eq!(
        receiver.webhook_ids().first().map(String::as_str),
        event["id"].as_str()
    );
}

const PIXEL_CAFE: &str = "17841400000000201";
const SUNRISE_BAKERY: &str = "17841400000000101";
const HARBOR_STUDIO: &str = "17841400000000102";

with_receiver! {
    refresh_passes_keep_a_connection_alive_and_announce_a_dead_one_once;
    sync_checks_the_token_now_for_those_who_may_publish;
    disconnect_deletes_the_account_and_keeps_the_audit_entry;
}

/// Moves the sandbox's clock (Meta's) forward by `days`; the instant igconnect should take
/// as now to match it.
async fn advance(
    server: &Server,
    start: DateTime<Utc>,
    total: &mut TimeDelta,
    by: TimeDelta,
) -> String {
    let res = reqwest::Client::new()
        .post(server.url(&format!(
            "/sandbox/_inspect/clock?advance_seconds={}",
            by.num_seconds()
        )))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    *total += by;
    rfc3339(start + *total + TimeDelta::minutes(1))
}

async fn fault(server: &Server, ig_user_id: &str, fault: &str, count: u32) {
    let res = reqwest::Client::new()
        .post(server.url("/sandbox/_inspect/faults"))
        .json(&json!({"ig_user_id": ig_user_id, "fault": fault, "count": count}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
}

async fn account(server: &Server, token: &str, id: &str) -> Value {
    let (status, body) = server
        .call("GET", &format!("/v1/accounts/{id}"), token, None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// Given an Instagram Login connection, when passes run day by day, then it is refreshed
/// in its window and stays active; a Meta outage keeps it active with the error shown; a
/// dead token makes it `needs_reauth`, announced once; a reconnect restores it.
async fn refresh_passes_keep_a_connection_alive_and_announce_a_dead_one_once(
    server: Server,
    receiver: Receiver,
) {
    let alice = server.token("acme", "alice", "owner");
    let start = Utc::now();
    let id = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    receiver.wait_for(&id, "account.connected").await;
    let first = account(&server, &alice, &id).await;
    assert_eq!(first["status"], "active");
    assert_eq!(first["last_refreshed_at"], Value::Null);
    assert_eq!(first["last_error"], Value::Null);
    let expires = time(&first["token_expires_at"]);

    let mut total = TimeDelta::zero();
    // Day 1: looked at (token and profile), nothing to refresh yet.
    let now = advance(&server, start, &mut total, TimeDelta::days(1)).await;
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(run.count_in("refresh:", "validated"), 1, "{run:?}");
    // Day 46: inside the 15-day window: refreshed, with a new expiry.
    let now = advance(&server, start, &mut total, TimeDelta::days(45)).await;
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(run.count_in("refresh:", "refreshed"), 1, "{run:?}");
    let renewed = account(&server, &alice, &id).await;
    assert_eq!(renewed["status"], "active");
    assert!(
        time(&renewed["token_expires_at"]) > expires + TimeDelta::days(40),
        "{renewed}"
    );
    assert!(renewed["last_refreshed_at"].is_string());

    // Day 47: Meta fails once: still active, the error shown, retried after a back-off.
    fault(&server, PIXEL_CAFE, "server_error", 1).await;
    let now = advance(&server, start, &mut total, TimeDelta::days(1)).await;
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(run.count_in("refresh:", "failed"), 1, "{run:?}");
    let shaky = account(&server, &alice, &id).await;
    assert_eq!(shaky["status"], "active");
    assert_eq!(shaky["last_error"], "meta_unavailable");
    let now = advance(&server, start, &mut total, TimeDelta::minutes(6)).await;
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(run.count_in("refresh:", "validated"), 1, "{run:?}");
    assert_eq!(
        account(&server, &alice, &id).await["last_error"],
        Value::Null
    );

    // Day 48: the token dies: needs_reauth, announced once, by the pass that saw it.
    fault(&server, PIXEL_CAFE, "invalid_token", 1000).await;
    let now = advance(&server, start, &mut total, TimeDelta::days(1)).await;
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(run.count_in("refresh:", "needs_reauth"), 1, "{run:?}");
    assert!(run.count_in("events:", "delivered") >= 1, "{run:?}");
    let dead = account(&server, &alice, &id).await;
    assert_eq!(dead["status"], "needs_reauth");
    assert_eq!(dead["last_error"], "token_invalid");
    receiver.wait_for(&id, "account.needs_reauth").await;
    let now = advance(&server, start, &mut total, TimeDelta::days(1)).await;
    let run = server.refresh_at(&now, &[]).await;
    assert_eq!(
        run.count_in("refresh:", "due"),
        0,
        "no more attempts: {run:?}"
    );
    let reauth = receiver
        .kinds(&id)
        .into_iter()
        .filter(|k| k == "account.needs_reauth")
        .count();
    assert_eq!(reauth, 1);

    // A reconnect: active again, same id.
    fault(&server, PIXEL_CAFE, "invalid_token", 0).await;
    let again = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    assert_eq!(again, id);
    let back = account(&server, &alice, &id).await;
    assert_eq!(back["status"], "active");
    assert_eq!(back["last_error"], Value::Null);
}

/// Given a connection, when someone who may publish syncs it, then the profile is read now;
/// a viewer may not; a dead token answers the account as `needs_reauth`, and syncing it
/// again is a conflict until someone reconnects.
async fn sync_checks_the_token_now_for_those_who_may_publish(server: Server, _receiver: Receiver) {
    let alice = server.token("acme", "alice", "owner");
    let id = server.connect_instagram(&alice, PIXEL_CAFE, "user").await;
    let bob = server.token("acme", "bob", "member");
    let (status, _) = server
        .call(
            "PUT",
            &format!("/v1/accounts/{id}/grants/bob"),
            &alice,
            Some(&json!({"permission": "view"})),
        )
        .await;
    assert_eq!(status, 200);
    let path = format!("/v1/accounts/{id}/sync");
    let (status, body) = server.call("POST", &path, &bob, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("permission_denied")),
        "{body}"
    );

    let (status, body) = server.call("POST", &path, &alice, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["username"], "pixel.cafe");
    assert!(body["followers_count"].is_u64(), "{body}");
    assert!(body["last_refreshed_at"].is_string(), "{body}");

    fault(&server, PIXEL_CAFE, "server_error", 1).await;
    let (status, body) = server.call("POST", &path, &alice, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (502, Some("meta_unavailable")),
        "{body}"
    );
    assert_eq!(account(&server, &alice, &id).await["status"], "active");

    fault(&server, PIXEL_CAFE, "invalid_token", 1000).await;
    let (status, body) = server.call("POST", &path, &alice, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "needs_reauth");
    assert_eq!(body["last_error"], "token_invalid");
    let (status, body) = server.call("POST", &path, &alice, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("account_needs_reauth")),
        "{body}"
    );
    let (status, _) = server
        .call("POST", "/v1/accounts/not-an-account/sync", &alice, None)
        .await;
    assert_eq!(status, 404);
}

/// Given Facebook Login connections of one Meta user, when they are disconnected one by
/// one, then each is gone (a second call is 404), only the last one revokes the user's
/// grant at Meta, members may not disconnect, and the audit trail keeps both entries.
async fn disconnect_deletes_the_account_and_keeps_the_audit_entry(
    server: Server,
    receiver: Receiver,
) {
    let alice = server.token("acme", "alice", "owner");
    server.connect_facebook(&alice, "company").await;
    let sunrise = server.account_id(&alice, SUNRISE_BAKERY).await;
    let harbor = server.account_id(&alice, HARBOR_STUDIO).await;
    let bob = server.token("acme", "bob", "member");
    let (status, _) = server
        .call("DELETE", &format!("/v1/accounts/{sunrise}"), &bob, None)
        .await;
    assert!(status == 403 || status == 404, "{status}");

    let (status, body) = server
        .call("DELETE", &format!("/v1/accounts/{sunrise}"), &alice, None)
        .await;
    assert_eq!(status, 204, "{body}");
    let (status, _) = server
        .call("GET", &format!("/v1/accounts/{sunrise}"), &alice, None)
        .await;
    assert_eq!(status, 404);
    let (status, body) = server
        .call("DELETE", &format!("/v1/accounts/{sunrise}"), &alice, None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("account_not_found")),
        "{body}"
    );
    // The other account still works.
    assert_eq!(account(&server, &alice, &harbor).await["status"], "active");

    let (status, _) = server
        .call("DELETE", &format!("/v1/accounts/{harbor}"), &alice, None)
        .await;
    assert_eq!(status, 204);
    let (status, audit) = server.call("GET", "/v1/audit", &alice, None).await;
    assert_eq!(status, 200, "{audit}");
    let disconnected: Vec<(String, bool)> = audit["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "account.disconnected")
        .map(|e| {
            (
                e["account_id"].as_str().unwrap_or_default().to_owned(),
                e["revoked_at_meta"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert!(disconnected.contains(&(sunrise.clone(), false)), "{audit}");
    assert!(disconnected.contains(&(harbor.clone(), true)), "{audit}");
    receiver.wait_for(&harbor, "account.disconnected").await;
    let listed = server.accounts(&alice, "").await;
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(0), "{listed}");
}
