//! Facebook Login (Pages) through `igconnect serve` and the sandbox, as a client app drives it.

use igconnect_blackbox::{Consent, Server, param};
use serde_json::Value;

const SUNRISE_PAGE: &str = "100000000000101";
const QUIET_PAGE: &str = "100000000000103";

fn usernames(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["data"]
        .as_array()
        .expect("data array")
        .iter()
        .map(|a| a["username"].as_str().expect("username").to_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn allowing_every_page_connects_each_linked_instagram_account() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");

    let done = server
        .connect(&token, "facebook", "user", &Consent::allow())
        .await;

    assert_eq!(done.path(), "/");
    assert_eq!(param(&done, "ig_connect").as_deref(), Some("success"));
    assert_eq!(param(&done, "accounts").as_deref(), Some("2"));
    let list = server.accounts(&token, "").await;
    assert_eq!(usernames(&list), ["harbor.studio", "sunrise.bakery"]);
    let sunrise = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "sunrise.bakery")
        .unwrap();
    assert_eq!(sunrise["ig_user_id"], "17841400000000101");
    assert_eq!(sunrise["login"], "facebook");
    assert_eq!(sunrise["owner"]["type"], "user");
    assert_eq!(sunrise["owner"]["user_id"], "alice");
    assert_eq!(sunrise["status"], "active");
    assert_eq!(sunrise["connected_by"], "alice");
    assert!(
        sunrise["biography"].is_string(),
        "the Facebook path reads the biography"
    );
    assert!(
        sunrise["website"].is_string(),
        "the Facebook path reads the website"
    );
    assert!(sunrise["followers_count"].as_u64().is_some());
    assert!(
        sunrise["token_expires_at"].is_null(),
        "Page tokens do not expire"
    );
}

#[tokio::test]
async fn one_account_can_be_read_by_id() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "owner");
    server
        .connect(&token, "facebook", "company", &Consent::allow())
        .await;
    let list = server.accounts(&token, "").await;
    let id = list["data"][0]["id"].as_str().unwrap();

    let res = server
        .http
        .get(server.url(&format!("/v1/accounts/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), 200);
    let one: Value = res.json().await.unwrap();
    assert_eq!(one, list["data"][0]);
    assert_eq!(one["owner"]["type"], "company");
}

#[tokio::test]
async fn cancelling_the_dialog_returns_access_denied() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");

    let done = server
        .connect(&token, "facebook", "user", &Consent::cancel())
        .await;

    assert_eq!(param(&done, "ig_connect").as_deref(), Some("error"));
    assert_eq!(param(&done, "code").as_deref(), Some("access_denied"));
    assert_eq!(
        server.accounts(&token, "").await["data"],
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn declining_a_required_permission_returns_missing_permissions() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let consent = Consent {
        decline_scopes: vec!["instagram_content_publish".into()],
        ..Consent::allow()
    };

    let done = server.connect(&token, "facebook", "user", &consent).await;

    assert_eq!(param(&done, "code").as_deref(), Some("missing_permissions"));
    assert_eq!(
        server.accounts(&token, "").await["data"],
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn granting_no_page_returns_no_facebook_pages() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let consent = Consent {
        pages: Some(vec![]),
        ..Consent::allow()
    };

    let done = server.connect(&token, "facebook", "user", &consent).await;

    assert_eq!(param(&done, "code").as_deref(), Some("no_facebook_pages"));
}

#[tokio::test]
async fn a_page_without_instagram_returns_no_instagram_business_account() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let consent = Consent {
        pages: Some(vec![QUIET_PAGE.into()]),
        ..Consent::allow()
    };

    let done = server.connect(&token, "facebook", "user", &consent).await;

    assert_eq!(
        param(&done, "code").as_deref(),
        Some("no_instagram_business_account")
    );
}

#[tokio::test]
async fn only_the_granted_pages_are_connected() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let consent = Consent {
        pages: Some(vec![SUNRISE_PAGE.into(), QUIET_PAGE.into()]),
        ..Consent::allow()
    };

    let done = server.connect(&token, "facebook", "user", &consent).await;

    assert_eq!(param(&done, "accounts").as_deref(), Some("1"));
    assert_eq!(
        usernames(&server.accounts(&token, "").await),
        ["sunrise.bakery"]
    );
}

#[tokio::test]
async fn a_code_meta_refuses_returns_token_exchange_failed() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let auth = server.authorize(&token, "facebook", "user").await;
    let mut callback = server.consent(&auth, &Consent::allow()).await;
    let state = param(&callback, "state").unwrap();
    callback
        .query_pairs_mut()
        .clear()
        .append_pair("code", "IGSBXCODEnot-a-code-the-sandbox-issued")
        .append_pair("state", &state);

    let res = server.visit(&callback).await;

    assert_eq!(res.status(), 302);
    let done = igconnect_blackbox::location(&res, &callback);
    assert_eq!(
        param(&done, "code").as_deref(),
        Some("token_exchange_failed")
    );
}
