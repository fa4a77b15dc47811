//! The connect flow and team sharing on the Lambda runtime, end to end: the real `initiate`,
//! `callback`, `list` and `share` binaries run under `cargo lambda watch` (the Lambda
//! runtime API emulator), store in DynamoDB and seal with KMS (both moto), and talk to
//! Meta's stand-in (`igconnect sandbox`). Each step is an API Gateway HTTP API (payload
//! 2.0) event, built from the fixtures in `tests/fixtures/apigw/` with the JWT authorizer's
//! claims in it, exactly as API Gateway would invoke the functions; the browser's part
//! (consent page, redirects) is played over HTTP against the sandbox.
//!
//! Nothing is skipped: without `.venv` (moto, cargo-lambda) the test fails and says to run
//! `scripts/test`, which installs them. The stack and the event builders shared with
//! `lambda_publish_e2e.rs` are in `common/lambda.rs`.

#[path = "common/lambda.rs"]
mod lambda;

use lambda::*;
use serde_json::{Value, json};

fn get_event(c: &Claims, id: &str) -> Value {
    let event = with_claims(fixture("get-account.json"), c);
    routed(event, &format!("/v1/accounts/{id}"), &[("id", id)])
}

fn put_grant_event(c: &Claims, id: &str, user: &str, permission: &str) -> Value {
    let event = with_claims(fixture("put-grant.json"), c);
    let event = routed(
        event,
        &format!("/v1/accounts/{id}/grants/{user}"),
        &[("id", id), ("user_id", user)],
    );
    with_body(event, &json!({ "permission": permission }))
}

fn delete_grant_event(c: &Claims, id: &str, user: &str) -> Value {
    let event = with_claims(fixture("delete-grant.json"), c);
    routed(
        event,
        &format!("/v1/accounts/{id}/grants/{user}"),
        &[("id", id), ("user_id", user)],
    )
}

fn grants_event(c: &Claims, id: &str) -> Value {
    let event = with_claims(fixture("list-grants.json"), c);
    routed(event, &format!("/v1/accounts/{id}/grants"), &[("id", id)])
}

fn patch_event(c: &Claims, id: &str, change: &Value) -> Value {
    let event = with_claims(fixture("patch-account.json"), c);
    with_body(
        routed(event, &format!("/v1/accounts/{id}"), &[("id", id)]),
        change,
    )
}

fn audit_event(c: &Claims) -> Value {
    with_claims(fixture("audit.json"), c)
}

/// The actions of an audit listing, newest first.
fn actions(audit: &Value) -> Vec<String> {
    audit["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Team sharing through the `share` function, read back through `list`: `bob` (a member of
/// tenant-cafe) owns `pixel.cafe`, shares it, and hands it to the company.
async fn share_within_the_team(
    stack: &Stack,
    bob: &Claims<'_>,
    pixel: &str,
    outsider: &Claims<'_>,
) {
    let carol = Claims {
        tenant: bob.tenant,
        user: "user-carol",
        role: "member",
    };
    let olga = Claims {
        tenant: bob.tenant,
        user: "user-olga",
        role: "owner",
    };

    // Given bob's personal account, which nobody else sees ...
    let listed = stack.invoke("list", &list_event(&carol)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()["data"], json!([]), "{}", listed.body);

    // ... when bob gives carol `view` on it ...
    let put = stack
        .invoke("share", &put_grant_event(bob, pixel, "user-carol", "view"))
        .await;
    assert_eq!(put.status, 200, "{}", put.body);
    let grant = put.json();
    assert_eq!(grant["user_id"], "user-carol");
    assert_eq!(grant["permission"], "view");
    assert_eq!(grant["granted_by"], "user-bob");

    // ... the grant is listed on the account ...
    let grants = stack.invoke("share", &grants_event(bob, pixel)).await;
    assert_eq!(grants.status, 200, "{}", grants.body);
    let data = grants.json()["data"].clone();
    assert_eq!(data.as_array().map(Vec::len), Some(1), "{data}");
    assert_eq!(data[0]["user_id"], "user-carol");
    assert_eq!(data[0]["permission"], "view");

    // ... carol sees the account through `list`, with `view` and without its grants ...
    let listed = stack.invoke("list", &list_event(&carol)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let seen = by_username(&listed.json());
    assert_eq!(seen.len(), 1, "{}", listed.body);
    assert_eq!(seen["pixel.cafe"]["permission"], "view");
    assert!(
        seen["pixel.cafe"].get("grants").is_none(),
        "{}",
        listed.body
    );

    // ... and `view` does not let her share it further.
    let escalate = stack
        .invoke(
            "share",
            &put_grant_event(&carol, pixel, "user-carol", "manage"),
        )
        .await;
    assert_eq!(escalate.status, 403, "{}", escalate.body);
    assert_eq!(escalate.json()["code"], "permission_denied");

    // Another tenant cannot even learn that the account exists.
    let foreign = stack.invoke("share", &grants_event(outsider, pixel)).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(foreign.json()["code"], "account_not_found");

    // bob hands the account to the company and lets members view it, in one PATCH; as a
    // member he keeps `view`.
    let patched = stack
        .invoke(
            "share",
            &patch_event(
                bob,
                pixel,
                &json!({"owner": "company", "member_access": "view"}),
            ),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let account = patched.json();
    assert_eq!(account["owner"]["type"], "company");
    assert_eq!(account["permission"], "view");

    // The tenant's owner now manages it and sees what members get and who was granted what.
    let managed = stack.invoke("list", &get_event(&olga, pixel)).await;
    assert_eq!(managed.status, 200, "{}", managed.body);
    let account = managed.json();
    assert_eq!(account["permission"], "manage");
    assert_eq!(account["member_access"], "view");
    assert_eq!(account["grants"][0]["user_id"], "user-carol");

    // Removing carol's grant leaves her what every member has.
    let removed = stack
        .invoke("share", &delete_grant_event(&olga, pixel, "user-carol"))
        .await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    let listed = stack.invoke("list", &list_event(&carol)).await;
    assert_eq!(
        by_username(&listed.json())["pixel.cafe"]["permission"],
        "view"
    );

    // The audit trail has every step, newest first, with who did it.
    let audit = stack.invoke("share", &audit_event(&olga)).await;
    assert_eq!(audit.status, 200, "{}", audit.body);
    let trail = audit.json();
    assert_eq!(
        actions(&trail),
        [
            "grant.removed",
            "account.member_access_changed",
            "account.transferred",
            "grant.set",
            "account.connected",
        ],
        "{trail}"
    );
    let entries = trail["data"].as_array().expect("data");
    let grant_set = &entries[3];
    assert_eq!(grant_set["actor"], "user-bob");
    assert_eq!(grant_set["user_id"], "user-carol");
    assert_eq!(grant_set["permission"], "view");
    assert_eq!(grant_set["account_id"], pixel);
    let connected = &entries[4];
    assert_eq!(connected["actor"], "user-bob");
    assert_eq!(connected["username"], "pixel.cafe");
    assert_eq!(connected["login"], "instagram");

    // The trail is the company's: members may not read it.
    let denied = stack.invoke("share", &audit_event(&carol)).await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    assert_eq!(denied.json()["code"], "permission_denied");
    let denied = stack.invoke("share", &audit_event(bob)).await;
    assert_eq!(denied.status, 403, "{}", denied.body);

    // And it is the tenant's own: the other tenant's trail has only its own logins.
    let theirs = stack.invoke("share", &audit_event(outsider)).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    let theirs = theirs.json();
    assert_eq!(
        actions(&theirs),
        ["account.connected", "account.connected"],
        "{theirs}"
    );
    assert!(!theirs.to_string().contains("user-carol"), "{theirs}");
}

#[tokio::test(flavor = "multi_thread")]
async fn both_login_paths_connect_and_share_through_the_lambda_functions_on_moto_and_the_sandbox() {
    let stack = Stack::start().await;
    let bakery = Claims {
        tenant: "tenant-bakery",
        user: "user-alice",
        role: "admin",
    };
    let cafe = Claims {
        tenant: "tenant-cafe",
        user: "user-bob",
        role: "member",
    };

    // Given a tenant that connects through Facebook Login (two Pages with Instagram
    // accounts) and another through Instagram Login (one account) ...
    assert_eq!(connect(&stack, &bakery, "facebook", "company").await, 2);
    assert_eq!(connect(&stack, &cafe, "instagram", "user").await, 1);

    // ... then `list` shows each tenant its own accounts, with the profile Meta gave.
    let listed = stack.invoke("list", &list_event(&bakery)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let accounts = by_username(&listed.json());
    assert_eq!(accounts.len(), 2, "{}", listed.body);
    let bakery_account = &accounts["sunrise.bakery"];
    assert_eq!(bakery_account["ig_user_id"], "17841400000000101");
    assert_eq!(bakery_account["name"], "Sunrise Bakery");
    assert_eq!(bakery_account["followers_count"], 1520);
    assert_eq!(bakery_account["media_count"], 342);
    assert_eq!(
        bakery_account["biography"],
        "Sourdough at dawn, pastries all day."
    );
    assert_eq!(bakery_account["login"], "facebook");
    assert_eq!(bakery_account["owner"]["type"], "company");
    assert_eq!(bakery_account["connected_by"], "user-alice");
    assert_eq!(bakery_account["status"], "active");
    assert_eq!(accounts["harbor.studio"]["followers_count"], 8730);

    let listed = stack.invoke("list", &list_event(&cafe)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let accounts = by_username(&listed.json());
    assert_eq!(accounts.len(), 1, "{}", listed.body);
    let cafe_account = &accounts["pixel.cafe"];
    assert_eq!(cafe_account["ig_user_id"], "17841400000000201");
    assert_eq!(cafe_account["account_type"], "BUSINESS");
    assert_eq!(cafe_account["followers_count"], 2048);
    assert_eq!(cafe_account["login"], "instagram");
    assert_eq!(cafe_account["owner"]["user_id"], "user-bob");

    // `list` also serves one account by id, and only to its own tenant.
    let id = cafe_account["id"].as_str().expect("id");
    let one = stack.invoke("list", &get_event(&cafe, id)).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json()["username"], "pixel.cafe");
    let foreign = stack.invoke("list", &get_event(&bakery, id)).await;
    assert_eq!(foreign.status, 404, "{}", foreign.body);
    assert_eq!(foreign.json()["code"], "account_not_found");

    // Fail closed: the real binary refuses a request without authorizer claims.
    let anonymous = stack
        .invoke("list", &fixture("list-no-authorizer.json"))
        .await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    assert_eq!(
        anonymous.headers.get("content-type").map(String::as_str),
        Some("application/problem+json")
    );

    // Sharing, through the `share` function on the same table.
    share_within_the_team(&stack, &cafe, id, &bakery).await;

    // A replayed callback is refused, never a second connection.
    let replay = stack.invoke("callback", &fixture("callback.json")).await;
    assert_eq!(replay.status, 400, "{}", replay.body);

    // No log line carries a token, a code or an app secret.
    stack.assert_no_secret_in_logs();
}
