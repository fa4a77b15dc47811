//! Instagram Login (no Page) through `igconnect serve` and the sandbox.

use chrono::{DateTime, Utc};
use igconnect_blackbox::{Consent, Server, param};
use serde_json::Value;

const NOVA: &str = "17841400000000202";

#[tokio::test]
async fn allowing_connects_the_account_that_logged_in() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let consent = Consent {
        account: Some(NOVA.into()),
        ..Consent::allow()
    };

    let done = server.connect(&token, "instagram", "user", &consent).await;

    assert_eq!(param(&done, "ig_connect").as_deref(), Some("success"));
    assert_eq!(param(&done, "accounts").as_deref(), Some("1"));
    let list = server.accounts(&token, "").await;
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    let nova = &data[0];
    assert_eq!(nova["ig_user_id"], NOVA, "ids beyond 2^53 keep every digit");
    assert_eq!(nova["username"], "nova.creates");
    assert_eq!(nova["account_type"], "MEDIA_CREATOR");
    assert_eq!(nova["login"], "instagram");
    assert_eq!(nova["owner"]["user_id"], "alice");
    let expires: DateTime<Utc> = nova["token_expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - Utc::now()).num_days();
    assert!(
        (58..=60).contains(&days),
        "long-lived tokens last about 60 days, got {days}"
    );
}

#[tokio::test]
async fn cancelling_returns_access_denied() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");

    let done = server
        .connect(&token, "instagram", "user", &Consent::cancel())
        .await;

    assert_eq!(param(&done, "code").as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn declining_publishing_returns_missing_permissions() {
    let server = Server::start().await;
    let token = server.token("acme", "alice", "member");
    let consent = Consent {
        decline_scopes: vec!["instagram_business_content_publish".into()],
        ..Consent::allow()
    };

    let done = server.connect(&token, "instagram", "user", &consent).await;

    assert_eq!(param(&done, "code").as_deref(), Some("missing_permissions"));
    assert_eq!(
        server.accounts(&token, "").await["data"],
        Value::Array(vec![])
    );
}

#[tokio::test]
async fn reconnecting_updates_in_place_and_keeps_the_owner() {
    let server = Server::start().await;
    let admin = server.token("acme", "olga", "admin");
    let member = server.token("acme", "bob", "member");
    let consent = Consent {
        account: Some(NOVA.into()),
        ..Consent::allow()
    };
    server
        .connect(&admin, "instagram", "company", &consent)
        .await;
    let first = server.accounts(&admin, "").await["data"][0].clone();

    let done = server.connect(&member, "instagram", "user", &consent).await;

    assert_eq!(param(&done, "ig_connect").as_deref(), Some("success"));
    let list = server.accounts(&admin, "").await;
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "the same account is not connected twice");
    assert_eq!(data[0]["id"], first["id"]);
    assert_eq!(data[0]["owner"]["type"], "company");
    assert_eq!(data[0]["connected_by"], "olga");
    assert_eq!(data[0]["connected_at"], first["connected_at"]);
    assert_ne!(data[0]["updated_at"], first["updated_at"]);
}

#[tokio::test]
async fn members_may_not_connect_company_accounts() {
    let server = Server::start().await;
    let member = server.token("acme", "bob", "member");
    let body = serde_json::json!({
        "login": "instagram", "owner": "company", "return_to": server.url("/").as_str()
    });

    let res = server.initiate(&member, &body).await;

    assert_eq!(res.status(), 403);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "permission_denied");
}
