//! Meta's callbacks through `igconnect serve`, as Meta would call them: deauthorize and data
//! deletion with a `signed_request` signed by either sandbox app's secret, the webhook
//! handshake and signed deliveries. A refused call changes nothing; a verified one acts on
//! that Meta user's accounts in every tenant and no one else's.

use chrono::{TimeDelta, Utc};
use igconnect_blackbox::signed_request::{hmac, payload, sign, signed_request};
use igconnect_blackbox::{Consent, Server, param};
use serde_json::{Value, json};

/// The sandbox apps' secrets (docs/sandbox.md): what `serve` verifies Meta's calls with.
const FACEBOOK_SECRET: &str = "sandbox-facebook-secret";
const INSTAGRAM_SECRET: &str = "sandbox-instagram-secret";
/// The sandbox's Facebook user, who grants both Pages' Instagram accounts.
const SAM: &str = "10000000000000001";
/// An Instagram Login account: its Instagram id and its app-scoped user id.
const NOVA: &str = "17841400000000202";
const NOVA_APP_SCOPED: &str = "26000000000000202";
const PIXEL: &str = "17841400000000201";
const VERIFY_TOKEN: &str = "verify-token-chosen-in-the-app-dashboard";
const WITH_WEBHOOKS: &[(&str, &str)] = &[("IGC_META_WEBHOOK_VERIFY_TOKEN", VERIFY_TOKEN)];

/// (ig_user_id, status) of accounts.
type Statuses = Vec<(String, String)>;

/// (ig_user_id, status) of every account `token` sees, sorted.
async fn statuses(server: &Server, token: &str) -> Statuses {
    let list = server.accounts(token, "").await;
    let mut seen: Statuses = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| {
            (
                a["ig_user_id"].as_str().unwrap_or_default().to_owned(),
                a["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    seen.sort();
    seen
}

fn pair(ig_user_id: &str, status: &str) -> (String, String) {
    (ig_user_id.to_owned(), status.to_owned())
}

async fn connect(server: &Server, token: &str, login: &str, account: Option<&str>) {
    let consent = Consent {
        account: account.map(str::to_owned),
        ..Consent::allow()
    };
    let done = server.connect(token, login, "user", &consent).await;
    assert_eq!(
        param(&done, "ig_connect").as_deref(),
        Some("success"),
        "{done}"
    );
}

/// Sam (Facebook Login, two Pages' accounts) connected in `acme` and in `globex`; Nova and
/// Pixel (Instagram Login) in `acme`. Returns the owners' tokens of acme and globex.
async fn given_connections(server: &Server) -> (String, String) {
    let acme = server.token("acme", "alice", "owner");
    let globex = server.token("globex", "gina", "owner");
    connect(server, &acme, "facebook", None).await;
    connect(server, &acme, "instagram", Some(NOVA)).await;
    connect(server, &acme, "instagram", Some(PIXEL)).await;
    connect(server, &globex, "facebook", None).await;
    connect(server, &globex, "instagram", Some(NOVA)).await;
    (acme, globex)
}

const SUNRISE: &str = "17841400000000101";
const HARBOR: &str = "17841400000000102";

/// What acme and globex see before any callback.
fn all_active() -> (Statuses, Statuses) {
    (
        vec![
            pair(SUNRISE, "active"),
            pair(HARBOR, "active"),
            pair(PIXEL, "active"),
            pair(NOVA, "active"),
        ],
        vec![
            pair(SUNRISE, "active"),
            pair(HARBOR, "active"),
            pair(NOVA, "active"),
        ],
    )
}

fn sorted(mut v: Statuses) -> Statuses {
    v.sort();
    v
}

#[tokio::test]
async fn deauthorize_revokes_that_users_accounts_in_every_tenant_and_no_one_elses() {
    let server = Server::start().await;
    let (acme, globex) = given_connections(&server).await;

    // Sam removes the Facebook Login app.
    let raw = signed_request(FACEBOOK_SECRET, SAM);
    let (status, body) = server.call_back("/v1/meta/deauthorize", Some(&raw)).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accounts_revoked"], 4, "two accounts in each tenant");
    assert_eq!(
        statuses(&server, &acme).await,
        sorted(vec![
            pair(SUNRISE, "revoked"),
            pair(HARBOR, "revoked"),
            pair(PIXEL, "active"),
            pair(NOVA, "active"),
        ])
    );
    assert_eq!(
        statuses(&server, &globex).await,
        sorted(vec![
            pair(SUNRISE, "revoked"),
            pair(HARBOR, "revoked"),
            pair(NOVA, "active"),
        ])
    );

    // Meta may call again: nothing more changes.
    let (status, body) = server.call_back("/v1/meta/deauthorize", Some(&raw)).await;
    assert_eq!((status, body["accounts_revoked"].clone()), (200, json!(0)));

    // The Instagram Login app's callback names the Instagram account; signed with that
    // app's secret, it revokes Nova in both tenants.
    let raw = signed_request(INSTAGRAM_SECRET, NOVA);
    let (status, body) = server.call_back("/v1/meta/deauthorize", Some(&raw)).await;
    assert_eq!((status, body["accounts_revoked"].clone()), (200, json!(2)));
    assert!(
        statuses(&server, &globex)
            .await
            .contains(&pair(NOVA, "revoked"))
    );
    assert!(
        statuses(&server, &acme)
            .await
            .contains(&pair(PIXEL, "active"))
    );

    // The trail says who did it: igconnect itself, because Meta said so.
    let (_, audit) = server.call("GET", "/v1/audit", &acme, None).await;
    let revoked: Vec<&Value> = audit["data"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "account.revoked")
        .collect();
    assert_eq!(revoked.len(), 3, "{audit}");
    assert!(revoked.iter().all(|e| e["actor"] == "igconnect:system"));
    assert!(revoked.iter().all(|e| e["reason"] == "deauthorized"));

    // Connecting again makes the account active again.
    connect(&server, &acme, "instagram", Some(NOVA)).await;
    assert!(
        statuses(&server, &acme)
            .await
            .contains(&pair(NOVA, "active"))
    );
}

#[tokio::test]
async fn a_refused_signed_request_is_400_and_changes_nothing() {
    let server = Server::start().await;
    let (acme, globex) = given_connections(&server).await;
    let now = Utc::now();
    let valid = signed_request(FACEBOOK_SECRET, SAM);
    let (sig, encoded) = valid.split_once('.').expect("two parts");
    let sha1 = json!({"algorithm": "HMAC-SHA1", "issued_at": now.timestamp(), "user_id": SAM});
    let cases: Vec<(String, Option<String>, &[&str])> = vec![
        (
            "another app's secret".into(),
            Some(signed_request("not-our-app-secret", SAM)),
            &["bad_signature"],
        ),
        (
            "another algorithm".into(),
            Some(sign(FACEBOOK_SECRET, &sha1)),
            &["unsupported_algorithm"],
        ),
        (
            "malformed base64".into(),
            Some(format!("{sig}!.{encoded}")),
            &["malformed"],
        ),
        ("no payload".into(), Some(format!("{sig}.")), &["malformed"]),
        (
            "truncated payload".into(),
            Some(format!("{sig}.{}", &encoded[..encoded.len() / 2])),
            &["malformed", "bad_signature"],
        ),
        (
            "issued two hours ago".into(),
            Some(sign(
                FACEBOOK_SECRET,
                &payload(SAM, now - TimeDelta::hours(2)),
            )),
            &["stale"],
        ),
        (
            "issued in ten minutes".into(),
            Some(sign(
                FACEBOOK_SECRET,
                &payload(SAM, now + TimeDelta::minutes(10)),
            )),
            &["stale"],
        ),
        ("no signed_request".into(), None, &["malformed"]),
    ];

    for path in ["/v1/meta/deauthorize", "/v1/meta/data-deletion"] {
        for (case, raw, reasons) in &cases {
            let (status, problem) = server.call_back(path, raw.as_deref()).await;
            assert_eq!(status, 400, "{path} {case}: {problem}");
            assert_eq!(problem["code"], "signed_request_invalid", "{path} {case}");
            let reason = problem["reason"].as_str().unwrap_or_default();
            assert!(reasons.contains(&reason), "{path} {case}: {problem}");
        }
    }

    let (acme_before, globex_before) = all_active();
    assert_eq!(statuses(&server, &acme).await, sorted(acme_before));
    assert_eq!(statuses(&server, &globex).await, sorted(globex_before));
    let logs = server.logs();
    for secret in [FACEBOOK_SECRET, encoded] {
        assert!(!logs.contains(secret), "the logs hold {secret}");
    }
}

#[tokio::test]
async fn data_deletion_removes_that_users_accounts_and_the_status_url_answers() {
    let server = Server::start().await;
    let (acme, globex) = given_connections(&server).await;

    // Nova asks Meta to have their data deleted; the Instagram app's callback names the
    // app-scoped user that logged in.
    let raw = signed_request(INSTAGRAM_SECRET, NOVA_APP_SCOPED);
    let (status, body) = server.call_back("/v1/meta/data-deletion", Some(&raw)).await;

    assert_eq!(status, 200, "{body}");
    let code = body["confirmation_code"]
        .as_str()
        .expect("a code")
        .to_owned();
    assert_eq!(code.len(), 32);
    let url = body["url"].as_str().expect("a url");
    assert_eq!(
        url,
        server
            .url(&format!("/v1/meta/data-deletion/{code}"))
            .as_str()
    );
    assert_eq!(
        statuses(&server, &acme).await,
        sorted(vec![
            pair(SUNRISE, "active"),
            pair(HARBOR, "active"),
            pair(PIXEL, "active"),
        ])
    );
    assert_eq!(
        statuses(&server, &globex).await,
        sorted(vec![pair(SUNRISE, "active"), pair(HARBOR, "active")])
    );

    // The user follows the URL Meta shows them.
    let res = server.http.get(url).send().await.expect("status answers");
    assert_eq!(res.status(), 200);
    let deletion: Value = res.json().await.expect("json");
    assert_eq!(deletion["status"], "completed");
    assert_eq!(deletion["accounts_deleted"], 2);
    assert_eq!(deletion["confirmation_code"], code.as_str());
    assert!(deletion["requested_at"].is_string() && deletion["completed_at"].is_string());

    // The trail keeps that it happened, and nothing about the person.
    let (_, audit) = server.call("GET", "/v1/audit", &globex, None).await;
    let entry = audit["data"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "account.data_deleted")
        .expect("an account.data_deleted entry")
        .clone();
    assert_eq!(entry["actor"], "igconnect:system");
    assert!(!entry.to_string().contains("nova"), "{entry}");

    // Sam's deletion, through the Facebook app, takes the rest of Sam's accounts.
    let raw = signed_request(FACEBOOK_SECRET, SAM);
    let (status, body) = server.call_back("/v1/meta/data-deletion", Some(&raw)).await;
    assert_eq!(status, 200, "{body}");
    assert_ne!(body["confirmation_code"], code.as_str());
    assert_eq!(statuses(&server, &acme).await, vec![pair(PIXEL, "active")]);
    assert!(statuses(&server, &globex).await.is_empty());
}

#[tokio::test]
async fn an_unknown_or_malformed_confirmation_code_is_not_found() {
    let server = Server::start().await;
    for code in ["0123456789abcdef0123456789abcdef", "..%2F..%2Fetc", "NOPE"] {
        let res = server
            .http
            .get(server.url(&format!("/v1/meta/data-deletion/{code}")))
            .send()
            .await
            .expect("answers");
        assert_eq!(res.status(), 404, "{code}");
        let problem: Value = res.json().await.expect("problem");
        assert_eq!(problem["code"], "deletion_request_not_found", "{code}");
    }
}

async fn subscribe(server: &Server, mode: &str, token: &str, challenge: &str) -> (u16, String) {
    let mut url = server.url("/v1/meta/webhooks");
    url.query_pairs_mut()
        .append_pair("hub.mode", mode)
        .append_pair("hub.verify_token", token)
        .append_pair("hub.challenge", challenge);
    let res = server.http.get(url).send().await.expect("answers");
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_webhook_handshake_echoes_the_challenge_for_our_verify_token_only() {
    let server = Server::start_with(WITH_WEBHOOKS).await;

    let (status, body) = subscribe(&server, "subscribe", VERIFY_TOKEN, "1158201444").await;
    assert_eq!((status, body.as_str()), (200, "1158201444"));

    let (status, body) = subscribe(&server, "subscribe", "guessed", "1158201444").await;
    assert_eq!(status, 403, "{body}");
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert_eq!(problem["code"], "webhook_verification_failed");
    assert_eq!(problem["reason"], "wrong_token");
    assert!(!body.contains("1158201444") && !body.contains("guessed"));

    let (status, _) = subscribe(&server, "unsubscribe", VERIFY_TOKEN, "1").await;
    assert_eq!(status, 400);
    assert!(!server.logs().contains(VERIFY_TOKEN));
}

#[tokio::test]
async fn without_a_verify_token_webhooks_are_not_configured() {
    let server = Server::start().await;

    let (status, body) = subscribe(&server, "subscribe", "anything", "1").await;

    assert_eq!(status, 404, "{body}");
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert_eq!(problem["code"], "webhooks_not_configured");
}

async fn deliver(server: &Server, signature: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = server
        .http
        .post(server.url("/v1/meta/webhooks"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        req = req.header("x-hub-signature-256", signature);
    }
    let res = req.send().await.expect("answers");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn hub_signature(secret: &str, body: &str) -> String {
    let hex: String = hmac(secret, body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

#[tokio::test]
async fn webhook_deliveries_are_acknowledged_only_when_signed_by_one_of_the_apps() {
    let server = Server::start_with(WITH_WEBHOOKS).await;
    let body = json!({"object": "instagram", "entry": [{"id": NOVA, "time": 1, "changes": [
        {"field": "comments", "value": {"text": "a private comment of nova's"}}]}]})
    .to_string();

    for secret in [FACEBOOK_SECRET, INSTAGRAM_SECRET] {
        let (status, answer) = deliver(&server, Some(&hub_signature(secret, &body)), &body).await;
        assert_eq!(status, 200, "{answer}");
    }

    let tampered = body.replace("private", "public!");
    let ours = hub_signature(FACEBOOK_SECRET, &body);
    let another_apps = hub_signature("another-app", &body);
    let refused: [(Option<&str>, &str, &str); 4] = [
        (Some(&ours), &tampered, "mismatch"),
        (Some(&another_apps), &body, "mismatch"),
        (None, &body, "missing"),
        (Some("sha1=abc"), &body, "malformed"),
    ];
    for (signature, sent, reason) in refused {
        let (status, problem) = deliver(&server, signature, sent).await;
        assert_eq!(status, 403, "{reason}: {problem}");
        assert_eq!(problem["code"], "webhook_signature_invalid");
        assert_eq!(problem["reason"], reason);
    }

    let logs = server.logs_once_they_hold("Meta webhook received").await;
    assert!(logs.contains("Meta webhook received"), "{logs}");
    assert!(logs.contains("instagram") && logs.contains("comments"));
    assert!(
        !logs.contains("private comment"),
        "contents are never logged"
    );
}
